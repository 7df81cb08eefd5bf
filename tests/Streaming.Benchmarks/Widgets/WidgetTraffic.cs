using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Streaming.Events;

namespace Streaming.Benchmarks.Widgets;

/// <summary>The products the widget benchmarks read, and the events that give them profiles, posted through ingest.</summary>
internal sealed class WidgetTraffic(HttpClient ingest, string apiKey)
{
    public static string Product(int index) => string.Create(CultureInfo.InvariantCulture, $"bench-product-{index:000}");

    /// <summary>Views by distinct users for every product (one batch per 1,000 events); returns once ingest has acknowledged them all.</summary>
    public async Task PostViewsAsync(int products, int viewsPerProduct, CancellationToken cancellationToken)
    {
        var now = DateTimeOffset.UtcNow;
        var events = Enumerable.Range(0, products).SelectMany(p => Enumerable.Range(0, viewsPerProduct).Select(v =>
            Event(EventTypes.ProductView, Product(p), string.Create(CultureInfo.InvariantCulture, $"viewer-{v}"), now))).ToList();
        foreach (var batch in events.Chunk(1_000))
        {
            await PostAsync(batch, cancellationToken);
        }
    }

    /// <summary>One confirmed booking per product in one request; returns when ingest answered, i.e. Kafka acknowledged them.</summary>
    public Task PostBookingsAsync(int products, int round, CancellationToken cancellationToken)
    {
        var now = DateTimeOffset.UtcNow;
        return PostAsync(
            [.. Enumerable.Range(0, products).Select(p => Event(EventTypes.BookingConfirmed, Product(p), string.Create(CultureInfo.InvariantCulture, $"booker-{round}"), now))],
            cancellationToken);
    }

    private async Task PostAsync(IncomingEvent[] batch, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/events")
        {
            Content = new StringContent(JsonSerializer.Serialize(batch.ToList(), EventJsonContext.Default.ListIncomingEvent), Encoding.UTF8),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Add("X-Api-Key", apiKey);
        using var response = await ingest.SendAsync(request, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"ingest answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken)}");
        }
    }

    private static IncomingEvent Event(string type, string product, string user, DateTimeOffset at)
    {
        var booking = type == EventTypes.BookingConfirmed;
        return new IncomingEvent(
            Guid.NewGuid().ToString("N"), type, user, "s-" + user, product, at.ToString("O", CultureInfo.InvariantCulture),
            "web", "KR", "Busan", booking ? 45_000 : null, booking ? "KRW" : null, "tour");
    }
}
