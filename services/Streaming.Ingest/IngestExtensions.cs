using Microsoft.Extensions.Options;
using Scalar.AspNetCore;
using Streaming.Events;
using Streaming.Ingest.ApiDocs;
using Streaming.Ingest.Clients;
using Streaming.Ingest.Events;
using Streaming.Kafka;
using Streaming.ServiceDefaults;
using Streaming.ServiceDefaults.Clients;

namespace Streaming.Ingest;

public static class IngestExtensions
{
    public static WebApplicationBuilder AddIngest(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddValidatedOptions<KafkaOptions>(KafkaOptions.Section);
        services.AddValidatedOptions<IngestOptions>(IngestOptions.Section);
        services.AddValidatedOptions<BookingsOptions>(BookingsOptions.Section);
        services.AddProblemDetails();
        services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.TypeInfoResolverChain.Insert(0, IngestJsonContext.Default);
            // The endpoint parses the body itself with this context; OpenAPI describes the body through it too.
            o.SerializerOptions.TypeInfoResolverChain.Insert(1, EventJsonContext.Default);
            // A context's settings apply only to its own options; OpenAPI reads these, so they must name and number alike.
            o.SerializerOptions.PropertyNamingPolicy = IngestJsonContext.Default.Options.PropertyNamingPolicy;
            o.SerializerOptions.NumberHandling = IngestJsonContext.Default.Options.NumberHandling;
        });
        services.AddOpenApi(IngestApiDocument.Configure);
        services.AddSingleton<KafkaClients>();
        services.AddSingleton(new EventLimits());
        services.AddSingleton<IncomingEventValidator>();
        services.AddSingleton<EventBatchReader>();
        services.AddSingleton<EventPublisher>();
        services.AddApiClients();
        services.AddSingleton<IValidateOptions<ClientsOptions>, IngestClientsValidator>();
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = IngestOptions.HardMaxBodyBytes);
        return builder;
    }

    public static WebApplication MapIngestEndpoints(this WebApplication app)
    {
        app.MapPost("/v1/events", IngestEndpoint.HandleAsync)
            .RequireScope(ApiScopes.Ingest, IngestTelemetry.RequestRejected)
            .WithName("PostEvents")
            .WithTags("Events")
            .WithSummary("Send a batch of events")
            .WithDescription(
                "A JSON array of at most Ingest__MaxEventsPerRequest events (default 1000) in at most Ingest__MaxBodyBytes (default 1 MiB). "
                + "All or nothing: if any event is invalid, nothing of the request is written.")
            .Accepts<List<IncomingEvent>>("application/json")
            .Produces<IngestAccepted>(StatusCodes.Status202Accepted)
            .DescribeResponse(StatusCodes.Status202Accepted, "Kafka acknowledged every event; accepted says how many.")
            .ProducesValidationProblem()
            .DescribeResponse(
                StatusCodes.Status400BadRequest,
                "An event is invalid, or the body is not a non-empty JSON array of at most Ingest__MaxEventsPerRequest events; errors "
                + "name each bad field (\"[3].occurred_at\", \"body\"). With Bookings__Source=cdc, booking_confirmed and booking_cancelled "
                + "events are refused (\"[3].type\"): bookings then come from the database's change events. Nothing was written.")
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .DescribeResponse(StatusCodes.Status401Unauthorized, "X-Api-Key is missing or not a key of a configured client. Nothing was written.")
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .DescribeResponse(StatusCodes.Status403Forbidden, "The key's client lacks the ingest scope (Clients__<name>__Scopes). Nothing was written.")
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .DescribeResponse(
                StatusCodes.Status429TooManyRequests,
                "The key's client has used its quota (Clients__<name>__Quota__RequestsPerMinute or __EventsPerSecond, each with a burst); "
                + "Retry-After says when to try again. Nothing was written.")
            // The 413 names the body in errors, like a 400.
            .Produces<HttpValidationProblemDetails>(StatusCodes.Status413PayloadTooLarge, "application/problem+json")
            .DescribeResponse(StatusCodes.Status413PayloadTooLarge, "The body is larger than Ingest__MaxBodyBytes; send smaller batches. Nothing was written.")
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .DescribeResponse(
                StatusCodes.Status503ServiceUnavailable,
                "Kafka did not acknowledge every event; some may be stored. Retry the request: event_id lets consumers drop duplicates.");

        // The document and its page are public: only /v1/events needs a key.
        app.MapOpenApi();
        app.MapScalarApiReference("/docs", IngestApiDocument.ConfigurePage);
        return app;
    }
}
