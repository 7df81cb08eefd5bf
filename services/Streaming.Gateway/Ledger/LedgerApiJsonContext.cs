using System.Text.Json.Serialization;

namespace Streaming.Gateway.Ledger;

/// <summary>The latest ledger row of a (minute, metric) as ClickHouse returns it (times in Unix seconds; 0 = never checked).</summary>
public sealed record LedgerStoredRow(
    long MinuteUnix, string Metric, string LastStatus, long CheckedUnix, double LastStreamValue, double LastRecomputedValue,
    IReadOnlyList<string> LastDifferences, long LastDifferenceCount);

/// <summary>
/// One minute of one metric: <c>pending</c> (not checked yet, or a re-check is due), <c>matched</c> (the view equalled
/// the recomputation from events_raw) or <c>repaired</c> (the minute was rewritten from it). Differences are the
/// series keys that differed at the latest check (at most 100 listed; <c>difference_count</c> has them all);
/// the values are the headline of the metric (all users, product bookings, product views) before and after.
/// </summary>
public sealed record LedgerItem(
    DateTimeOffset Minute, string Metric, string Status, DateTimeOffset? CheckedAt, IReadOnlyList<string> Differences,
    long DifferenceCount, double? StreamValue, double? RecomputedValue);

public sealed record LedgerResponse(DateTimeOffset From, DateTimeOffset To, IReadOnlyList<LedgerItem> Rows);

public sealed record RecheckResponse(DateTimeOffset From, DateTimeOffset To, int Minutes, IReadOnlyList<string> Metrics);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(LedgerStoredRow))]
[JsonSerializable(typeof(LedgerResponse))]
[JsonSerializable(typeof(RecheckResponse))]
public sealed partial class LedgerApiJsonContext : JsonSerializerContext;
