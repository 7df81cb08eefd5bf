namespace Streaming.Aggregator.BookingChanges;

/// <summary>
/// The last status seen per booking, for change events without a usable <c>before</c> image. Bounded: past
/// <paramref name="capacity"/> bookings, the ones first remembered longest ago are forgotten first. In memory only: a
/// restarted or rebalanced translator starts empty and falls back on the rules for an unknown history.
/// </summary>
public sealed class BookingStatusMemory(int capacity)
{
    private readonly Dictionary<string, BookingStatus> statuses = new(StringComparer.Ordinal);
    private readonly Queue<string> order = new();

    public int Count => statuses.Count;

    public BookingStatus? Recall(string bookingId) => statuses.TryGetValue(bookingId, out var status) ? status : null;

    public void Remember(string bookingId, BookingStatus status)
    {
        if (statuses.TryAdd(bookingId, status))
        {
            order.Enqueue(bookingId);
            while (statuses.Count > capacity && order.TryDequeue(out var oldest))
            {
                statuses.Remove(oldest);
            }

            return;
        }

        statuses[bookingId] = status;
    }

    public void Forget(string bookingId) => statuses.Remove(bookingId);
}
