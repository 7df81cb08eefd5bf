using System.Text.Json.Serialization;

namespace Streaming.Metrics.Popularity;

/// <summary>Source-generated JSON for the popularity result records and the topology's task checkpoints.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow)]
[JsonSerializable(typeof(ProductPopularityPerMinute))]
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(PopularityCounts))]
public sealed partial class PopularityJson : JsonSerializerContext;
