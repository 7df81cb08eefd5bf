using System.Text.Json.Serialization;

namespace Streaming.Gateway.Pushes;

/// <summary>A push decision as ClickHouse returns it (times in Unix seconds).</summary>
public sealed record PushStoredRow(
    string PushId, string ProductId, string Rule, string RuleKind, string Outcome, string Reason, long DecidedUnix, long SendUnix);

/// <summary>One decision about one push: sent, held (until send_at), suppressed, expired or failed, and why.</summary>
public sealed record PushItem(
    string PushId, string ProductId, string Rule, string RuleKind, string Outcome, string Reason, DateTimeOffset DecidedAt, DateTimeOffset SendAt);

public sealed record PushesResponse(string UserId, IReadOnlyList<PushItem> Pushes, bool Truncated);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(PushStoredRow))]
[JsonSerializable(typeof(PushesResponse))]
[JsonSerializable(typeof(RuleOutcomeRow))]
[JsonSerializable(typeof(PushesPerRuleResponse))]
public sealed partial class PushesJsonContext : JsonSerializerContext;
