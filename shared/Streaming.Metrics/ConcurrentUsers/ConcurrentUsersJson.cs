using System.Text.Json.Serialization;
using Streaming.Topology;

namespace Streaming.Metrics.ConcurrentUsers;

/// <summary>Source-generated JSON for the concurrent-users result records and the topology's task checkpoints.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow)]
[JsonSerializable(typeof(ConcurrentUsersPerMinute))]
[JsonSerializable(typeof(TaskCheckpoint<UserSeries, HashSet<string>>))]
public sealed partial class ConcurrentUsersJson : JsonSerializerContext;
