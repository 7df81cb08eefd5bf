using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Streaming.Gateway.Metrics;

namespace Streaming.Gateway.Tests;

/// <summary>/v1/metrics/bookings over rows in a real ClickHouse: the latest version of each partition's partial, summed.</summary>
public sealed class BookingsFromClickHouseTests(BookingsInClickHouseFixture fixture) : IClassFixture<BookingsInClickHouseFixture>
{
    private static readonly DateTimeOffset T0 = BookingsInClickHouseFixture.T0;
    private static readonly string Range = $"from={T0:yyyy-MM-ddTHH:mm:ssZ}&to={T0.AddMinutes(10):yyyy-MM-ddTHH:mm:ssZ}";

    private async Task<BookingsResponse> GetAsync(string query)
    {
        using var response = await fixture.Gateway.CreateClient().GetAsync("/v1/metrics/bookings?" + query);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonSerializer.Deserialize(await response.Content.ReadAsStringAsync(), GatewayJsonContext.Default.BookingsResponse)!;
    }

    private static BookingsItem Item(
        DateTimeOffset minute, string dimension, string value, string currency, long bookings, long cancellations, long revenue, long cancelledRevenue,
        bool provisional) =>
        new(minute, dimension, value, currency, bookings, cancellations, revenue, cancelledRevenue, provisional, minute, dimension == "product" ? value : null);

    [Fact]
    public async Task Each_minute_sums_the_latest_partial_of_every_partition()
    {
        var answer = await GetAsync(Range);

        Assert.Equal((T0, T0.AddMinutes(10), "product", false), (answer.From, answer.To, answer.Dimension, answer.Truncated));
        Assert.Equal(
            [
                // Partition 0's revision 2 replaces its revision 1; partition 1 has not closed the minute yet.
                Item(T0, "product", "p1", "KRW", bookings: 3 + 1, cancellations: 0, revenue: 135_000 + 45_000, cancelledRevenue: 0, provisional: true),
                Item(T0, "product", "p2", "USD", bookings: 1, cancellations: 1, revenue: 5_000, cancelledRevenue: 5_000, provisional: false),
                Item(T0.AddMinutes(1), "product", "p1", "KRW", bookings: 1, cancellations: 0, revenue: 45_000, cancelledRevenue: 0, provisional: false),
            ],
            answer.Rows);
    }

    [Fact]
    public async Task A_value_or_the_older_product_id_picks_one_series_and_other_dimensions_have_their_own()
    {
        var p2 = Item(T0, "product", "p2", "USD", 1, 1, 5_000, 5_000, provisional: false);
        Assert.Equal([p2], (await GetAsync(Range + "&value=p2")).Rows);
        Assert.Equal([p2], (await GetAsync(Range + "&product_id=p2")).Rows);
        Assert.Equal([Item(T0, "city", "Seoul", "KRW", 4, 0, 180_000, 0, provisional: false)], (await GetAsync(Range + "&dimension=city")).Rows);
    }

    [Fact]
    public async Task An_answer_longer_than_max_rows_is_cut_and_says_so()
    {
        using var capped = fixture.Gateway.WithWebHostBuilder(b => b.UseSetting("Gateway:MaxRows", "2"));
        using var response = await capped.CreateClient().GetAsync("/v1/metrics/bookings?" + Range);
        var answer = JsonSerializer.Deserialize(await response.Content.ReadAsStringAsync(), GatewayJsonContext.Default.BookingsResponse)!;

        Assert.True(answer.Truncated);
        Assert.Equal(["p1", "p2"], answer.Rows.Select(r => r.Value));
    }

    [Fact]
    public async Task The_answer_has_exactly_the_fields_the_api_document_gives_it()
    {
        using var http = fixture.Gateway.CreateClient();
        var document = JsonNode.Parse(await http.GetStringAsync("/openapi/v1.json"))!.AsObject();
        var answer = JsonNode.Parse(await http.GetStringAsync("/v1/metrics/bookings?" + Range + "&value=p2"))!.AsObject();

        OpenApiDocumentTests.AssertSameFields(document, document["components"]!["schemas"]!["BookingsResponse"]!.AsObject(), answer);
    }
}
