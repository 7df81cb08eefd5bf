using System.Text.Json.Serialization;
using Streaming.Windows;

namespace Streaming.Aggregator.Bookings;

public readonly record struct BookingKey(string ProductId, string Currency);

/// <summary>
/// What a bookings task needs to resume exactly: its windows, the next input offset they reflect, and for every
/// source partition of the repartitioned stream the highest source offset already counted.
/// </summary>
public sealed record BookingsCheckpoint(
    int Format,
    long NextOffset,
    Dictionary<int, long> SourceOffsets,
    WindowSnapshot<BookingKey, BookingTotals> Windows)
{
    public const int CurrentFormat = 1;
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(BookingsCheckpoint))]
public sealed partial class CheckpointJsonContext : JsonSerializerContext;
