using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Streaming.Kafka;
using Streaming.Profiles.Contracts;
using Streaming.ServiceDefaults;

namespace Streaming.Gateway.Widgets;

/// <summary>The widget API: live profiles (JSON and SSE), the just-booked feed, and the embeddable script.</summary>
public static class WidgetEndpoints
{
    public const string Tag = "Widgets";

    private const string StreamsTooManyRequestsDescription =
        "This address holds Widgets__MaxSubscribersPerClient (20) streams open already, or made more than Gateway__RequestsPerMinute "
        + "requests this minute; Retry-After says when to try again.";

    public static WebApplicationBuilder AddWidgets(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddValidatedOptions<WidgetOptions>(WidgetOptions.Section);
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Add(WidgetJsonContext.Default));
        services.TryAddSingleton(TimeProvider.System);
        // The gateway's document is "v1" (AddOpenApi's default name).
        services.Configure<Microsoft.AspNetCore.OpenApi.OpenApiOptions>("v1", WidgetApiDocs.Configure);
        services.AddSingleton<ProfileChangesHub>();
        services.AddSingleton<JustBookedFeed>();
        services.AddSingleton<SubscriberSlots>();

        // Without Orleans:Redis the gateway runs as before and live profiles answer 503.
        if (string.IsNullOrWhiteSpace(builder.Configuration[$"{OrleansClusterOptions.Section}:{nameof(OrleansClusterOptions.Redis)}"]))
        {
            services.AddSingleton<IProductProfileReader, UnconfiguredProfileReader>();
        }
        else
        {
            services.AddValidatedOptions<OrleansClusterOptions>(OrleansClusterOptions.Section);
            services.AddSingleton<OrleansProfileReader>();
            services.AddSingleton<IProductProfileReader>(sp => sp.GetRequiredService<OrleansProfileReader>());
            services.AddHostedService(sp => sp.GetRequiredService<OrleansProfileReader>());
        }

        // Without Kafka:BootstrapServers there are no changes to stream: a live stream sends the first profile and keep-alives.
        if (!string.IsNullOrWhiteSpace(builder.Configuration[$"{KafkaOptions.Section}:{nameof(KafkaOptions.BootstrapServers)}"]))
        {
            services.AddValidatedOptions<KafkaOptions>(KafkaOptions.Section);
            services.AddSingleton<KafkaClients>();
            services.AddSingleton<ProfileChangesConsumer>();
            services.AddHostedService(sp => sp.GetRequiredService<ProfileChangesConsumer>());
        }

        return builder;
    }

    public static WebApplication MapWidgetEndpoints(this WebApplication app, string rateLimitPolicy, string tooManyRequestsDescription)
    {
        var widgets = app.MapGroup("")
            .RequireRateLimiting(rateLimitPolicy)
            .WithTags(Tag)
            .AddEndpointFilter(AllowAnyOrigin)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .DescribeResponse(StatusCodes.Status429TooManyRequests, tooManyRequestsDescription);

        widgets.MapGet("/v1/products/{product_id}/live", LiveProfileEndpoint.HandleAsync)
            .WithName("GetLiveProfile")
            .WithSummary("A product's live profile")
            .WithDescription(
                "What a just-booked widget shows for one product, relative to now, by event time in one-minute buckets. A product "
                + "with no activity answers zeros. ETag (If-None-Match answers 304) and Cache-Control: max-age=1.")
            .Produces<ProductProfile>()
            .DescribeResponse(StatusCodes.Status200OK, "The profile; as_of is the newest occurred_at it reflects (null: none).")
            .Produces(StatusCodes.Status304NotModified)
            .DescribeResponse(StatusCodes.Status304NotModified, "The profile still has the ETag sent in If-None-Match.")
            .ProducesValidationProblem()
            .DescribeResponse(StatusCodes.Status400BadRequest, "product_id is blank or longer than 64 characters.")
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .DescribeResponse(StatusCodes.Status503ServiceUnavailable, "The profile silos are not reachable; Retry-After says when to try again.");

        widgets.MapGet("/v1/products/{product_id}/live/stream", LiveStreamEndpoint.HandleAsync)
            .WithName("StreamLiveProfile")
            .WithSummary("A product's live profile as Server-Sent Events")
            .WithDescription(
                "Events named profile, each the whole profile with id = its version: the current profile at once, then each change, "
                + "at most one per second (the newest). Reconnecting with Last-Event-ID sends the changes after that version "
                + "that were missed, and nothing twice. A comment line every 15 s keeps proxies from closing the stream. A stream "
                + "ends after Widgets__MaxStreamLifetime (30 min); EventSource reconnects after retry (2 s) with Last-Event-ID.")
            .Produces<ProductProfile>(StatusCodes.Status200OK, "text/event-stream")
            .DescribeResponse(StatusCodes.Status200OK, "text/event-stream of profile events.")
            .DescribeResponse(StatusCodes.Status429TooManyRequests, StreamsTooManyRequestsDescription)
            .ProducesValidationProblem()
            .DescribeResponse(StatusCodes.Status400BadRequest, "product_id is blank or longer than 64 characters.")
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .DescribeResponse(StatusCodes.Status503ServiceUnavailable, "Too many open streams on this instance, or no profile to start with.");

        // "/v1/products//live": an empty id leaves an empty path segment, which no route above matches; it is refused
        // like a blank id rather than answered 404.
        widgets.MapGet("/v1/products/{**rest}", ([FromRoute(Name = "rest")] string? rest) =>
                rest is "/live" or "/live/stream" ? WidgetResults.InvalidProductId(null)! : Results.NotFound())
            .ExcludeFromDescription();

        widgets.MapGet("/v1/just-booked", JustBookedEndpoint.Handle)
            .WithName("GetJustBooked")
            .WithSummary("Newest bookings across products")
            .WithDescription(
                "Confirmed bookings of the last 24 h, newest first by booked_at (= the event's occurred_at), optionally of one city "
                + "and/or category (case-insensitive). Never a user, session, amount or event id. A later cancellation does not "
                + "remove an entry: events carry no booking id.")
            .Produces<JustBookedResponse>()
            .DescribeResponse(StatusCodes.Status200OK, "At most limit bookings.")
            .ProducesValidationProblem()
            .DescribeResponse(StatusCodes.Status400BadRequest, "limit is not 1..100, or city or category is longer than 100 characters.");

        widgets.MapGet("/v1/just-booked/stream", JustBookedEndpoint.StreamAsync)
            .WithName("StreamJustBooked")
            .WithSummary("Newest bookings as Server-Sent Events")
            .WithDescription(
                "Events named booking: first the newest limit matching bookings (oldest first), then each new one. Same filters as "
                + "/v1/just-booked. Each id is the newest booked_at sent so far (Unix ms): a reconnect with Last-Event-ID starts with the "
                + "bookings booked after it (at most limit). Ends after Widgets__MaxStreamLifetime (30 min); EventSource reconnects.")
            .Produces<JustBookedItem>(StatusCodes.Status200OK, "text/event-stream")
            .DescribeResponse(StatusCodes.Status200OK, "text/event-stream of booking events.")
            .DescribeResponse(StatusCodes.Status429TooManyRequests, StreamsTooManyRequestsDescription)
            .ProducesValidationProblem()
            .DescribeResponse(StatusCodes.Status400BadRequest, "limit is not 1..100, or city or category is longer than 100 characters.")
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .DescribeResponse(StatusCodes.Status503ServiceUnavailable, "Too many open streams on this instance.");

        widgets.MapGet("/widgets/just-booked.js", WidgetScript.Serve)
            .WithName("GetJustBookedWidget")
            .WithSummary("The embeddable just-booked widget")
            .WithDescription(
                "<script src=\".../widgets/just-booked.js\" data-product-id=\"…\" data-min-count=\"2\"></script> renders the product's "
                + "social-proof lines from its live stream, and nothing for a count below data-min-count.")
            .Produces<string>(StatusCodes.Status200OK, "text/javascript");
        return app;
    }

    /// <summary>The widget runs on product pages of other origins; nothing here uses credentials.</summary>
    private static ValueTask<object?> AllowAnyOrigin(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        context.HttpContext.Response.Headers.AccessControlAllowOrigin = "*";
        return next(context);
    }
}
