using System.Text.Json.Serialization;

namespace Streaming.Metrics.Popularity;

/// <summary>Source-generated JSON for the popularity result records.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow)]
[JsonSerializable(typeof(ProductPopularityPerMinute))]
public sealed partial class PopularityJson : JsonSerializerContext;

/// <summary>Source-generated JSON for the series keys and window values in the topology's checkpoints.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow)]
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(PopularityCounts))]
internal sealed partial class PopularityCheckpointJson : JsonSerializerContext;
