using System.Text.Json;

namespace Streaming.Gateway.Tests.Widgets;

public sealed class WidgetOpenApiTests
{
    [Fact]
    public async Task The_document_describes_the_widget_endpoints_their_limits_and_the_profile_schema()
    {
        using var factory = new WidgetGatewayFactory();
        using var http = factory.CreateClient();

        var document = JsonDocument.Parse(await http.GetStringAsync("/openapi/v1.json")).RootElement;

        var paths = document.GetProperty("paths");
        foreach (var path in new[] { "/v1/products/{product_id}/live", "/v1/products/{product_id}/live/stream", "/v1/just-booked", "/v1/just-booked/stream", "/widgets/just-booked.js" })
        {
            Assert.True(paths.TryGetProperty(path, out _), path + " is missing");
        }

        var limit = paths.GetProperty("/v1/just-booked").GetProperty("get").GetProperty("parameters").EnumerateArray()
            .Single(p => p.GetProperty("name").GetString() == "limit").GetProperty("schema");
        Assert.Equal(100, limit.GetProperty("maximum").GetInt32());
        Assert.Equal(20, limit.GetProperty("default").GetInt32());
        var live = paths.GetProperty("/v1/products/{product_id}/live").GetProperty("get").GetProperty("responses");
        Assert.True(live.TryGetProperty("304", out _));
        Assert.True(live.TryGetProperty("400", out _));
        Assert.True(live.TryGetProperty("503", out _));
        var profile = document.GetProperty("components").GetProperty("schemas").GetProperty("ProductProfile").GetProperty("properties");
        Assert.True(profile.TryGetProperty("bookings_last_24h", out _));
        Assert.True(profile.TryGetProperty("as_of", out _));
    }
}
