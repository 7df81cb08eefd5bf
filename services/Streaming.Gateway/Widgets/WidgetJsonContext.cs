using System.Text.Json.Serialization;
using Streaming.Profiles.Contracts;

namespace Streaming.Gateway.Widgets;

/// <summary>One just-booked line: what the widget may show, never who booked, the amount or the event id.</summary>
public sealed record JustBookedItem(string ProductId, string? City, string? Category, DateTimeOffset BookedAt)
{
    public static JustBookedItem From(BookingEntry booking) => new(booking.ProductId, booking.City, booking.Category, booking.BookedAt);
}

/// <summary>Newest first by booked_at.</summary>
public sealed record JustBookedResponse(IReadOnlyList<JustBookedItem> Bookings);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(JustBookedItem))]
[JsonSerializable(typeof(JustBookedResponse))]
[JsonSerializable(typeof(ProductProfile))]
public sealed partial class WidgetJsonContext : JsonSerializerContext;
