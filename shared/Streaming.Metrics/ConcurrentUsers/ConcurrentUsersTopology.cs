using System.Globalization;
using System.Text.Json;
using Streaming.Events;
using Streaming.Kafka;
using Streaming.Reposts;
using Streaming.Topology;

namespace Streaming.Metrics.ConcurrentUsers;

/// <summary>A series of the concurrent-users metric: overall, or one platform or country.</summary>
internal readonly record struct UserSeries(string Dimension, string Value)
{
    /// <summary>
    /// Three look-ups per event: lengths and end characters tell the few series of a window apart (the values are
    /// validated platforms and country codes) at a fraction of hashing both strings.
    /// </summary>
    public override int GetHashCode() =>
        HashCode.Combine(Dimension.Length, Value.Length, Value.Length == 0 ? 0 : Value[0] | (Value[^1] << 16), Value.Length > 2 ? Value[1] : 0);
}

/// <summary>
/// events (keyed by user) → distinct users with any event per minute, overall, by platform and by country.
/// Partitions hold disjoint users, so each task's distinct count is a partial that adds up to the exact total.
/// The overall and per-platform series are zero-filled, so an empty minute is an explicit 0.
/// </summary>
internal static class ConcurrentUsersTopology
{
    public const string Metric = "concurrent-users";

    public static WindowedTopology<AppEvent, UserSeries, HashSet<string>> Define(MetricOptions options)
    {
        var source = TopologyBuilder.From(options.TopologyName(Metric), Topics.Events, AppEventFormat.Instance, static e => e.OccurredAt)
            .IdentifiedBy(AppEventIdentity.Of);
        var aggregated = source.WindowedBy(options.ToWindowOptions())
            .Aggregate<UserSeries, HashSet<string>>(
                static (e, keys) =>
                {
                    keys.Add(new UserSeries(ResultDimensions.All, ""));
                    keys.Add(new UserSeries(ResultDimensions.Platform, e.Platform));
                    keys.Add(new UserSeries(ResultDimensions.Country, e.Country));
                },
                static () => new HashSet<string>(StringComparer.Ordinal),
                static (users, e) => users.Add(e.UserId),
                static users => new HashSet<string>(users, StringComparer.Ordinal))
            .WithZeros([new UserSeries(ResultDimensions.All, ""), .. Platforms.All.Order(StringComparer.Ordinal).Select(p => new UserSeries(ResultDimensions.Platform, p))]);
        return aggregated.WithProvisionalUpdates(options.ProvisionalInterval).To(Topics.MetricsConcurrentUsers, Write, new CheckpointFormat<UserSeries, HashSet<string>>(ConcurrentUsersCheckpointJson.Default.UserSeries, ConcurrentUsersCheckpointJson.Default.HashSetString));
    }

    private static OutputRecord Write(TopologyResult<UserSeries, HashSet<string>> r) => new(
        string.Create(CultureInfo.InvariantCulture, $"{r.Key.Dimension}|{r.Key.Value}|{r.WindowStart.ToUnixTimeSeconds()}|{r.Partition}"),
        JsonSerializer.SerializeToUtf8Bytes(
            new ConcurrentUsersPerMinute(r.WindowStart, r.Key.Dimension, r.Key.Value, r.Partition, r.Revision, r.Provisional, r.Value.Count, r.Incarnation),
            ConcurrentUsersJson.Default.ConcurrentUsersPerMinute));
}
