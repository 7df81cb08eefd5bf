using System.Text.Json.Serialization;
using Streaming.Aggregator.Bookings;
using Streaming.Aggregator.ConcurrentUsers;
using Streaming.Aggregator.Popularity;
using Streaming.Topology;

namespace Streaming.Aggregator.Checkpoints;

/// <summary>Source-generated JSON for the task checkpoints of the aggregator's topologies.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(TaskCheckpoint<UserSeries, HashSet<string>>))]
[JsonSerializable(typeof(TaskCheckpoint<BookingSeries, BookingTotals>))]
[JsonSerializable(typeof(TaskCheckpoint<string, PopularityCounts>))]
public sealed partial class AggregatorCheckpointJson : JsonSerializerContext;
