using System.Text.Json.Serialization;

namespace Streaming.Metrics.ConcurrentUsers;

/// <summary>Source-generated JSON for the concurrent-users result records and the topology's task checkpoints.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow)]
[JsonSerializable(typeof(ConcurrentUsersPerMinute))]
[JsonSerializable(typeof(UserSeries))]
[JsonSerializable(typeof(HashSet<string>))]
public sealed partial class ConcurrentUsersJson : JsonSerializerContext;
