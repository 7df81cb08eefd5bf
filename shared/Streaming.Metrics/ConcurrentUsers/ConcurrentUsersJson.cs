using System.Text.Json.Serialization;

namespace Streaming.Metrics.ConcurrentUsers;

/// <summary>Source-generated JSON for the concurrent-users result records.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow)]
[JsonSerializable(typeof(ConcurrentUsersPerMinute))]
public sealed partial class ConcurrentUsersJson : JsonSerializerContext;

/// <summary>Source-generated JSON for the series keys and window values in the topology's checkpoints.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow)]
[JsonSerializable(typeof(UserSeries))]
[JsonSerializable(typeof(HashSet<string>))]
internal sealed partial class ConcurrentUsersCheckpointJson : JsonSerializerContext;
