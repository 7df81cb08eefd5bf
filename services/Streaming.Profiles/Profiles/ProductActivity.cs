using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Streaming.Profiles.Contracts;

namespace Streaming.Profiles.Profiles;

/// <summary>What applying one event did.</summary>
public enum ApplyResult
{
    /// <summary>At or below the highest source offset already applied for its events partition: ignored.</summary>
    Duplicate,

    /// <summary>Applied, but nothing a widget shows now changed (e.g. a view older than an hour).</summary>
    Applied,

    /// <summary>Applied, and what a widget shows changed.</summary>
    Changed,
}

/// <summary>
/// The profile math over a <see cref="ProfileState"/>, free of Orleans: applying events (with de-duplication by source
/// position) and answering relative to a given "now", by event time with minute granularity. "The last N minutes" is
/// the N one-minute buckets ending with the current minute; an event counts wherever its minute falls, however late it
/// arrives; buckets older than 24 h are dropped.
/// </summary>
public sealed class ProductActivity
{
    public const int ViewersMinutes = 5;
    public const int TrendMinutes = 5;
    public const int HourMinutes = 60;
    public const int DayMinutes = 1440;

    private readonly ProfileState state;
    private readonly ProfileOptions options;
    private readonly HashSet<ulong>[] recentViewers = new HashSet<ulong>[ViewersMinutes];
    /// <summary>Distinct viewers (<see cref="ViewerKey"/>) of the minutes that can still be in "viewers now" (stored packed: <see cref="ProfileState.PackedViewerKeys"/>).</summary>
    private readonly Dictionary<long, HashSet<ulong>> viewersByMinute = [];
    /// <summary>Minutes whose viewer set changed since <see cref="PackViewers"/>.</summary>
    private readonly HashSet<long> unpackedMinutes = [];
    private long lastUnpackedMinute = long.MinValue;
    /// <summary>
    /// "Viewers now" is the current minute's set plus the users of the 4 sets before it that are not in it. Those older
    /// sets rarely change (late events only), so their distinct count is kept per current minute, and so is how many
    /// of the current minute's users they have (updated as it gains users): a change does not walk every set.
    /// </summary>
    private long viewersCountedFor = long.MinValue;
    private readonly HashSet<ulong>?[] olderViewers = new HashSet<ulong>?[ViewersMinutes - 1];
    private int olderViewersDistinct;
    private int currentViewersAlsoOlder;
    private long prunedAt = long.MinValue;

    public ProductActivity(ProfileState state, ProfileOptions options)
    {
        (this.state, this.options) = (state, options);
        foreach (var (minute, packed) in state.PackedViewerKeys)
        {
            viewersByMinute[minute] = Unpack(packed);
        }

        // Written before viewers were keys (as strings, packed or not): taken as keys, packed at the next write.
        foreach (var (minute, packed) in state.PackedViewers)
        {
            Migrate(minute, UnpackStrings(packed));
        }

        foreach (var (minute, viewers) in state.Viewers ?? [])
        {
            Migrate(minute, viewers);
        }

        state.PackedViewers.Clear();
        state.Viewers = null;
    }

    public ProfileState State => state;

    /// <summary>Distinct viewers by minute, for the minutes that can still be in "viewers now".</summary>
    public IReadOnlyDictionary<long, HashSet<ulong>> Viewers => viewersByMinute;

    /// <summary>Brings <see cref="ProfileState.PackedViewerKeys"/> up to date before the state is written.</summary>
    public void PackViewers()
    {
        foreach (var minute in unpackedMinutes)
        {
            if (viewersByMinute.TryGetValue(minute, out var viewers))
            {
                state.PackedViewerKeys[minute] = Pack(viewers);
            }
        }

        unpackedMinutes.Clear();
        lastUnpackedMinute = long.MinValue;
        foreach (var minute in state.PackedViewerKeys.Keys)
        {
            if (!viewersByMinute.ContainsKey(minute))
            {
                state.PackedViewerKeys.Remove(minute);
            }
        }
    }

    public static long MinuteOf(DateTimeOffset at) => Math.DivRem(at.ToUnixTimeMilliseconds(), 60_000, out var rest) - (rest < 0 ? 1 : 0);

    public ApplyResult Apply(ProductEvent e, DateTimeOffset now)
    {
        if (state.AppliedSourceOffsets.TryGetValue(e.SourcePartition, out var applied) && e.SourceOffset <= applied)
        {
            return ApplyResult.Duplicate;
        }

        state.AppliedSourceOffsets[e.SourcePartition] = e.SourceOffset;
        state.LastPartition = e.Partition;
        state.LastOffset = e.Offset;
        state.Version++;
        if (state.AsOf is not { } asOf || e.OccurredAt > asOf)
        {
            state.AsOf = e.OccurredAt;
        }

        var current = MinuteOf(now);
        Prune(current);
        var minute = MinuteOf(e.OccurredAt);
        var age = current - minute;
        var changed = false;
        if (e.Kind == ProductEventKind.Booking)
        {
            // The newest booking is not a bucket: it is shown however old it is.
            if (state.LastBookedAt is not { } last || e.OccurredAt > last)
            {
                state.LastBookedAt = e.OccurredAt;
                state.LastBookedCity = e.City;
                changed = true;
            }

            state.RecentBookings.Add(new RecentBooking(e.EventId, e.OccurredAt, e.City, e.Category, state.Version));
            if (state.RecentBookings.Count > options.RecentBookings)
            {
                state.RecentBookings.RemoveRange(0, state.RecentBookings.Count - options.RecentBookings);
            }
        }

        if (age >= DayMinutes)
        {
            // Older than the oldest bucket kept: remembered as applied, counted nowhere.
            return changed ? ApplyResult.Changed : ApplyResult.Applied;
        }

        if (!state.Minutes.TryGetValue(minute, out var counts))
        {
            counts = new MinuteCounts();
            state.Minutes[minute] = counts;
        }

        switch (e.Kind)
        {
            case ProductEventKind.View:
                counts.Views++;
                if (age < ViewersMinutes)
                {
                    if (!viewersByMinute.TryGetValue(minute, out var viewers))
                    {
                        viewers = [];
                        viewersByMinute[minute] = viewers;
                    }

                    if (viewers.Add(e.Viewer))
                    {
                        if (minute == viewersCountedFor)
                        {
                            currentViewersAlsoOlder += InOlderViewers(e.Viewer) ? 1 : 0;
                        }
                        else if (viewersCountedFor - minute is > 0 and < ViewersMinutes)
                        {
                            viewersCountedFor = long.MinValue; // an older set changed: counted again when asked
                        }

                        if (minute != lastUnpackedMinute)
                        {
                            unpackedMinutes.Add(minute);
                            lastUnpackedMinute = minute;
                        }
                    }
                }

                // Views show in the last hour and in the trend (last 10 minutes); future minutes show later.
                changed |= age is >= 0 and < HourMinutes;
                break;
            case ProductEventKind.Wishlist:
                counts.Wishlists++;
                changed |= age >= 0;
                break;
            case ProductEventKind.Booking:
                counts.Bookings++;
                changed |= age >= 0;
                break;
            case ProductEventKind.Cancellation:
                counts.Cancellations++;
                changed |= age >= 0;
                break;
        }

        return changed ? ApplyResult.Changed : ApplyResult.Applied;
    }

    /// <summary>The profile relative to <paramref name="now"/>.</summary>
    public ProductProfile Profile(string productId, DateTimeOffset now)
    {
        var current = MinuteOf(now);
        Prune(current);
        long views5 = 0, viewsBefore = 0, viewsHour = 0, wishlists = 0, bookingsHour = 0, bookings = 0, cancellations = 0;
        foreach (var (minute, counts) in state.Minutes)
        {
            var age = current - minute;
            if (age is < 0 or >= DayMinutes)
            {
                continue;
            }

            if (age < HourMinutes)
            {
                viewsHour += counts.Views;
                bookingsHour += counts.Bookings;
                if (age < TrendMinutes)
                {
                    views5 += counts.Views;
                }
                else if (age < 2 * TrendMinutes)
                {
                    viewsBefore += counts.Views;
                }
            }

            wishlists += counts.Wishlists;
            bookings += counts.Bookings;
            cancellations += counts.Cancellations;
        }

        return new ProductProfile(productId, ViewersNow(current), views5, viewsHour, wishlists, bookingsHour, bookings, cancellations,
            state.LastBookedAt, state.LastBookedCity, Trend(views5, viewsBefore), state.AsOf);
    }

    /// <summary>rising / falling / steady from the views of the last 5 minutes against the 5 before.</summary>
    public string Trend(long last, long before)
    {
        if (last >= options.TrendMinViews && last >= options.TrendRisingFactor * before)
        {
            return ProfileTrends.Rising;
        }

        // The tolerance keeps "at most two thirds" exact for counts (2/3 is not exact as a double).
        return before >= options.TrendMinViews && last <= options.TrendFallingRatio * before + 1e-9
            ? ProfileTrends.Falling
            : ProfileTrends.Steady;
    }

    /// <summary>Drops buckets older than 24 h and viewer sets older than 5 minutes (at most once per minute).</summary>
    public void Prune(long currentMinute)
    {
        if (currentMinute <= prunedAt)
        {
            return;
        }

        prunedAt = currentMinute;
        RemoveOlderThan(state.Minutes, currentMinute - DayMinutes + 1);
        RemoveOlderThan(viewersByMinute, currentMinute - ViewersMinutes + 1);
    }

    /// <summary>Distinct viewers over the last 5 minutes' sets (see <see cref="viewersCountedFor"/>).</summary>
    private int ViewersNow(long current)
    {
        if (current != viewersCountedFor)
        {
            CountOlderViewers(current);
        }

        return (viewersByMinute.TryGetValue(current, out var now) ? now.Count : 0) + olderViewersDistinct - currentViewersAlsoOlder;
    }

    /// <summary>Distinct users of the 4 sets before <paramref name="current"/> (each counted in the last set that has it: no union built), and how many of the current set's users they have.</summary>
    private void CountOlderViewers(long current)
    {
        var count = 0;
        for (var age = 1; age < ViewersMinutes; age++)
        {
            var viewers = viewersByMinute.GetValueOrDefault(current - age);
            olderViewers[age - 1] = viewers;
            if (viewers is { Count: > 0 })
            {
                recentViewers[count++] = viewers;
            }
        }

        var distinct = count > 0 ? recentViewers[count - 1].Count : 0;
        for (var i = 0; i < count - 1; i++)
        {
            foreach (var user in recentViewers[i])
            {
                var seenLater = false;
                for (var j = i + 1; j < count && !seenLater; j++)
                {
                    seenLater = recentViewers[j].Contains(user);
                }

                distinct += seenLater ? 0 : 1;
            }
        }

        recentViewers.AsSpan(0, count).Clear();
        olderViewersDistinct = distinct;
        currentViewersAlsoOlder = 0;
        if (viewersByMinute.TryGetValue(current, out var now))
        {
            foreach (var user in now)
            {
                currentViewersAlsoOlder += InOlderViewers(user) ? 1 : 0;
            }
        }

        viewersCountedFor = current;
    }

    private bool InOlderViewers(ulong user)
    {
        foreach (var viewers in olderViewers)
        {
            if (viewers is not null && viewers.Contains(user))
            {
                return true;
            }
        }

        return false;
    }

    private void Migrate(long minute, HashSet<string> users)
    {
        if (!viewersByMinute.TryGetValue(minute, out var viewers))
        {
            viewers = [];
            viewersByMinute[minute] = viewers;
        }

        foreach (var user in users)
        {
            viewers.Add(ViewerKey.Of(user));
        }

        unpackedMinutes.Add(minute);
    }

    /// <summary>A minute's keys as stored: 8 bytes each, little-endian.</summary>
    private static byte[] Pack(HashSet<ulong> viewers)
    {
        var packed = new byte[viewers.Count * sizeof(ulong)];
        var at = 0;
        foreach (var viewer in viewers)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(packed.AsSpan(at), viewer);
            at += sizeof(ulong);
        }

        return packed;
    }

    private static HashSet<ulong> Unpack(byte[] packed)
    {
        var viewers = new HashSet<ulong>(packed.Length / sizeof(ulong));
        for (var at = 0; at + sizeof(ulong) <= packed.Length; at += sizeof(ulong))
        {
            viewers.Add(BinaryPrimitives.ReadUInt64LittleEndian(packed.AsSpan(at)));
        }

        return viewers;
    }

    /// <summary>Viewers as states written before keys held them: per user its UTF-16 code units after their count.</summary>
    private static HashSet<string> UnpackStrings(byte[] packed)
    {
        var viewers = new HashSet<string>(StringComparer.Ordinal);
        for (var at = 0; at < packed.Length;)
        {
            var length = BinaryPrimitives.ReadInt32LittleEndian(packed.AsSpan(at));
            viewers.Add(new string(MemoryMarshal.Cast<byte, char>(packed.AsSpan(at + sizeof(int), length * sizeof(char)))));
            at += sizeof(int) + length * sizeof(char);
        }

        return viewers;
    }

    private static void RemoveOlderThan<T>(Dictionary<long, T> byMinute, long oldestKept)
    {
        foreach (var minute in byMinute.Keys)
        {
            if (minute < oldestKept)
            {
                byMinute.Remove(minute);
            }
        }
    }
}
