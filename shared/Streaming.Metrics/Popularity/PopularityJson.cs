using System.Text.Json.Serialization;
using Streaming.Topology;

namespace Streaming.Metrics.Popularity;

/// <summary>Source-generated JSON for the popularity result records and the topology's task checkpoints.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow)]
[JsonSerializable(typeof(ProductPopularityPerMinute))]
[JsonSerializable(typeof(TaskCheckpoint<string, PopularityCounts>))]
public sealed partial class PopularityJson : JsonSerializerContext;
