using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using CsCheck;
using Microsoft.AspNetCore.Http;
using Streaming.Events;

namespace Streaming.Ingest.Tests;

/// <summary>
/// POST /v1/events in process on generated bodies, through the whole HTTP pipeline (key filter, body limit, problem
/// writer, Kafka): a valid batch gets 202, anything else a 400 or 413 problem naming a field; never a 5xx.
/// </summary>
public sealed class IngestEndpointProperties(IngestFactory factory) : IClassFixture<IngestFactory>
{
    private static readonly Gen<(bool Valid, byte[] Body)> Bodies = Gen.Frequency(
        (1, EventBodies.Batch(IngestFactory.Now, IngestFactory.MaxEventsPerRequest).Select(events => (true, EventBodies.Json(events)))),
        (2, Gen.Select(EventBodies.Batch(IngestFactory.Now, IngestFactory.MaxEventsPerRequest), Gen.Int[0, 100_000], Gen.Int[0, EventBodies.Forbidden.Length - 1])
            .Select((events, where, forbidden) =>
            {
                // A forbidden character inside one of the strings, as its JSON escape.
                var json = Encoding.UTF8.GetString(EventBodies.Json(events));
                var quotes = Enumerable.Range(0, json.Length).Where(k => json[k] == '"').ToArray();
                var at = quotes[where % quotes.Length] + 1;
                return (false, Encoding.UTF8.GetBytes(json.Insert(at, $"\\u{(int)EventBodies.Forbidden[forbidden]:x4}")));
            })),
        (1, Gen.Byte.Array[0, 200].Select(bytes => (false, bytes))));

    [Fact]
    public async Task Generated_bodies_get_202_when_valid_and_otherwise_a_problem_naming_a_field_never_a_5xx()
    {
        var client = factory.CreateClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", IngestFactory.ApiKey);
        await Bodies.SampleAsync(async (valid, body) =>
        {
            using var content = new ByteArrayContent(body);
            content.Headers.ContentType = new("application/json");
            using var response = await client.PostAsync(new Uri("/v1/events", UriKind.Relative), content);

            if (body.Length > IngestFactory.MaxBodyBytes)
            {
                Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
                return;
            }

            if (valid)
            {
                Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
                return;
            }

            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            var problem = await response.Content.ReadFromJsonAsync<HttpValidationProblemDetails>();
            Assert.NotNull(problem);
            Assert.NotEmpty(problem.Errors);
            Assert.All(problem.Errors, e => Assert.True(!string.IsNullOrWhiteSpace(e.Key) && e.Value.All(m => !string.IsNullOrWhiteSpace(m)), e.Key));
        }, iter: 2_000, threads: 2);
    }
}
