using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Streaming.Events;
using Streaming.Ingest.Events;

namespace Streaming.Ingest.Tests;

/// <summary>
/// Bookings:Source=cdc: bookings come from the database's change events, so ingest refuses booking events from apps
/// (a 400 naming each one's type) and still takes every other event.
/// </summary>
public sealed class BookingSourceTests(IngestFactory factory) : IClassFixture<IngestFactory>
{
    private readonly WebApplicationFactory<Program> cdcMode = factory.WithWebHostBuilder(b => b.UseSetting("Bookings:Source", BookingsOptions.FromCdc));

    private static JsonObject Event(string id, string type, string user, string? product = "tour-seoul-001")
    {
        var money = EventTypes.WithAmount.Contains(type);
        var json = new JsonObject
        {
            ["event_id"] = id,
            ["type"] = type,
            ["user_id"] = user,
            ["session_id"] = "s-" + user,
            ["occurred_at"] = IngestFactory.Now.AddSeconds(-30).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
            ["platform"] = "ios",
            ["country"] = "KR",
        };
        if (product is not null)
        {
            json["product_id"] = product;
        }

        if (money)
        {
            json["amount"] = 45000;
            json["currency"] = "KRW";
        }

        return json;
    }

    private static async Task<HttpResponseMessage> PostAsync(WebApplicationFactory<Program> app, params JsonObject[] events)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/events")
        {
            Content = new StringContent(new JsonArray([.. events]).ToJsonString(), Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("X-Api-Key", IngestFactory.ApiKey);
        return await app.CreateClient().SendAsync(request);
    }

    private static string NewUser() => "u-" + Guid.NewGuid().ToString("N")[..12];

    [Fact]
    public async Task In_cdc_mode_booking_events_are_refused_naming_each_ones_type_and_nothing_of_the_request_is_written()
    {
        var user = NewUser();
        using var response = await PostAsync(
            cdcMode,
            Event("v-1", EventTypes.ProductView, user),
            Event("b-1", EventTypes.BookingConfirmed, user),
            Event("b-2", EventTypes.BookingCancelled, user));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = (await response.Content.ReadFromJsonAsync<HttpValidationProblemDetails>())!;
        Assert.Equal(["[1].type", "[2].type"], problem.Errors.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(EventBatchReader.BookingsFromChangeData(EventTypes.BookingConfirmed), Assert.Single(problem.Errors["[1].type"]));
        Assert.Equal(EventBatchReader.BookingsFromChangeData(EventTypes.BookingCancelled), Assert.Single(problem.Errors["[2].type"]));
        Assert.Contains("Bookings:Source=cdc", problem.Errors["[1].type"][0], StringComparison.Ordinal);
        Assert.Contains("counted twice", problem.Errors["[1].type"][0], StringComparison.Ordinal);

        // The product view of the refused request was not written either: the user's first record is the marker.
        var marker = "marker-" + Guid.NewGuid().ToString("N");
        using (var accepted = await PostAsync(cdcMode, Event(marker, EventTypes.ProductView, user)))
        {
            Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        }

        var ofUser = factory.ReadEventsUntil(user, marker, TimeSpan.FromSeconds(30)).Where(r => r.Message.Key == user).ToList();
        Assert.Equal(marker, JsonSerializer.Deserialize(Assert.Single(ofUser).Message.Value, EventJsonContext.Default.AppEvent)!.EventId);
    }

    [Fact]
    public async Task In_cdc_mode_every_other_event_type_is_accepted()
    {
        var user = NewUser();
        var others = EventTypes.All.Where(t => !EventTypes.WithAmount.Contains(t)).ToList();
        Assert.Equal(6, others.Count);
        var events = others.Select((t, i) => Event("o-" + i, t, user, EventTypes.WithProduct.Contains(t) ? "tour-seoul-001" : null)).ToArray();

        using var response = await PostAsync(cdcMode, events[..3]);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        using var rest = await PostAsync(cdcMode, events[3..]);
        Assert.Equal(HttpStatusCode.Accepted, rest.StatusCode);
    }

    [Fact]
    public async Task In_app_mode_the_default_booking_events_are_accepted()
    {
        using var response = await PostAsync(factory, Event("b-1", EventTypes.BookingConfirmed, NewUser()), Event("b-2", EventTypes.BookingCancelled, NewUser()));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }
}
