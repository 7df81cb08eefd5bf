namespace Streaming.Aggregator.BookingChanges;

/// <summary>What the translator remembers of one booking: its last status, and which of its two events it has sent.</summary>
public readonly record struct RememberedBooking(BookingStatus Last, bool ConfirmationSent, bool CancellationSent);

/// <summary>
/// What the translator remembers per booking: the last status seen (for change events without a usable <c>before</c>
/// image) and the events already sent (so that a redelivered change or a re-snapshot is not sent again). Bounded: past
/// <paramref name="capacity"/> bookings, the ones first remembered longest ago are forgotten first. In memory only: a
/// restarted or rebalanced translator starts empty; what it then sends again carries the same event ids, which the
/// windowing stage and events_raw count once.
/// </summary>
public sealed class BookingStatusMemory(int capacity)
{
    private readonly Dictionary<string, RememberedBooking> bookings = new(StringComparer.Ordinal);
    private readonly Queue<string> order = new();

    public int Count => bookings.Count;

    public RememberedBooking? Recall(string bookingId) => bookings.TryGetValue(bookingId, out var booking) ? booking : null;

    public void Remember(string bookingId, RememberedBooking booking)
    {
        if (bookings.TryAdd(bookingId, booking))
        {
            order.Enqueue(bookingId);
            while (bookings.Count > capacity && order.TryDequeue(out var oldest))
            {
                bookings.Remove(oldest);
            }

            return;
        }

        bookings[bookingId] = booking;
    }
}
