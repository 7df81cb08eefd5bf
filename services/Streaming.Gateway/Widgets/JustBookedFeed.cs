using System.Threading.Channels;
using Microsoft.Extensions.Options;
using Streaming.Profiles.Contracts;

namespace Streaming.Gateway.Widgets;

/// <summary>Which bookings a just-booked reader wants: city and category compared case-insensitively, null = any.</summary>
public sealed record JustBookedFilter(string? City, string? Category)
{
    public bool Matches(BookingEntry booking) =>
        (City is null || string.Equals(City, booking.City, StringComparison.OrdinalIgnoreCase))
        && (Category is null || string.Equals(Category, booking.Category, StringComparison.OrdinalIgnoreCase));
}

/// <summary>
/// Confirmed bookings of the last <see cref="WidgetOptions.History"/> across products, from the profile changes'
/// NewBookings, de-duplicated by event id (a replayed change repeats them), at most <see cref="WidgetOptions.MaxJustBooked"/>
/// (the newest). Events carry no booking id, so a later cancellation cannot remove an entry.
/// </summary>
public sealed class JustBookedFeed(IOptions<WidgetOptions> options, TimeProvider time)
{
    private static readonly Comparer<BookingEntry> NewestFirst = Comparer<BookingEntry>.Create((a, b) =>
    {
        var byTime = b.BookedAt.CompareTo(a.BookedAt);
        return byTime != 0 ? byTime : string.CompareOrdinal(a.EventId, b.EventId);
    });

    private readonly Lock gate = new();
    private readonly SortedSet<BookingEntry> bookings = new(NewestFirst);
    private readonly HashSet<string> eventIds = new(StringComparer.Ordinal);
    private JustBookedSubscription[] subscribers = [];

    public int Count
    {
        get
        {
            lock (gate)
            {
                return bookings.Count;
            }
        }
    }

    /// <summary>Adds the bookings not seen before and offers them to the matching subscribers.</summary>
    public void Add(IEnumerable<BookingEntry> newBookings)
    {
        List<BookingEntry> added = [];
        JustBookedSubscription[] offerTo;
        lock (gate)
        {
            var cutoff = time.GetUtcNow() - options.Value.History;
            foreach (var booking in newBookings)
            {
                if (booking.BookedAt < cutoff || eventIds.Contains(booking.EventId))
                {
                    continue;
                }

                // Full: an entry older than all kept ones would be dropped at once (and its id forgotten, so a replay could return it).
                if (bookings.Count >= options.Value.MaxJustBooked && NewestFirst.Compare(booking, bookings.Max!) > 0)
                {
                    continue;
                }

                bookings.Add(booking);
                eventIds.Add(booking.EventId);
                added.Add(booking);
                while (bookings.Count > options.Value.MaxJustBooked)
                {
                    Remove(bookings.Max!);
                }
            }

            offerTo = subscribers;
        }

        if (added.Count == 0)
        {
            return;
        }

        added.Sort(NewestFirst);
        added.Reverse();
        foreach (var subscriber in offerTo)
        {
            foreach (var booking in added.Where(subscriber.Filter.Matches))
            {
                subscriber.Offer(booking);
            }
        }
    }

    /// <summary>The newest <paramref name="limit"/> matching bookings of the window, newest first.</summary>
    public IReadOnlyList<BookingEntry> Newest(JustBookedFilter filter, int limit)
    {
        lock (gate)
        {
            Prune();
            return [.. bookings.Where(filter.Matches).Take(limit)];
        }
    }

    public JustBookedSubscription Subscribe(JustBookedFilter filter)
    {
        var subscription = new JustBookedSubscription(filter, Detach);
        lock (gate)
        {
            subscribers = [.. subscribers, subscription];
        }

        return subscription;
    }

    /// <summary>Drops bookings that left the window.</summary>
    public void Prune()
    {
        lock (gate)
        {
            var cutoff = time.GetUtcNow() - options.Value.History;
            while (bookings.Count > 0 && bookings.Max!.BookedAt < cutoff)
            {
                Remove(bookings.Max);
            }
        }
    }

    private void Remove(BookingEntry booking)
    {
        bookings.Remove(booking);
        eventIds.Remove(booking.EventId);
    }

    private void Detach(JustBookedSubscription subscription)
    {
        lock (gate)
        {
            subscribers = [.. subscribers.Where(s => !ReferenceEquals(s, subscription))];
        }
    }
}

/// <summary>A just-booked stream's pending bookings; a reader that falls far behind loses the oldest.</summary>
public sealed class JustBookedSubscription(JustBookedFilter filter, Action<JustBookedSubscription> detach) : IDisposable
{
    private readonly Channel<BookingEntry> pending = Channel.CreateBounded<BookingEntry>(
        new BoundedChannelOptions(256) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });

    public JustBookedFilter Filter => filter;

    public ChannelReader<BookingEntry> Bookings => pending.Reader;

    internal void Offer(BookingEntry booking) => pending.Writer.TryWrite(booking);

    public void Dispose()
    {
        detach(this);
        pending.Writer.TryComplete();
    }
}
