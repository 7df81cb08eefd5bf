using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;
using Scalar.AspNetCore;
using Streaming.ClickHouse;
using Streaming.Gateway.ApiDocs;
using Streaming.Gateway.Dashboard;
using Streaming.Gateway.Ledger;
using Streaming.Gateway.Metrics;
using Streaming.Gateway.Outages;
using Streaming.Gateway.Pushes;
using Streaming.Gateway.Status;
using Streaming.Gateway.Widgets;
using Streaming.Metrics;
using Streaming.ServiceDefaults;

namespace Streaming.Gateway;

public static class GatewayExtensions
{
    public const string PublicPolicy = "public";

    /// <summary>For every endpoint that queries ClickHouse (see <see cref="ClickHouseOutageHandler"/>).</summary>
    public const string ClickHouseUnavailableDescription =
        "ClickHouse is down or did not answer within Gateway__QueryTimeout (5 s); Retry-After says when to try again.";

    private const string TooManyRequestsDescription =
        "More than Gateway__RequestsPerMinute requests from this address in the current minute; Retry-After says when to try again.";

    public static WebApplicationBuilder AddGateway(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddValidatedOptions<ClickHouseOptions>(ClickHouseOptions.Section);
        services.AddValidatedOptions<GatewayOptions>(GatewayOptions.Section);
        services.AddExceptionHandler<ClickHouseOutageHandler>();
        services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.TypeInfoResolverChain.Insert(0, GatewayJsonContext.Default);
            // A context's settings apply only to its own options; OpenAPI reads these, so they must name and number alike.
            o.SerializerOptions.PropertyNamingPolicy = GatewayJsonContext.Default.Options.PropertyNamingPolicy;
            o.SerializerOptions.NumberHandling = GatewayJsonContext.Default.Options.NumberHandling;
        });
        services.AddOpenApi(GatewayApiDocument.Configure);
        // The gateway's own timeout, not ClickHouse:TimeoutSeconds (which the sink's inserts need long): a query
        // that takes longer is answered 503 rather than holding the request.
        services.AddHttpClient(nameof(ClickHouseClient)).AddTypedClient((http, sp) =>
        {
            var client = new ClickHouseClient(http, sp.GetRequiredService<IOptions<ClickHouseOptions>>());
            http.Timeout = sp.GetRequiredService<IOptions<GatewayOptions>>().Value.QueryTimeout;
            return client;
        });
        services.AddSingleton<ConcurrentUsersQueryValidator>();
        services.AddSingleton<BookingsQueryValidator>();
        services.AddSingleton<PopularityTopQueryValidator>();
        services.AddFleetStatus();
        services.AddLedgerApi();
        services.AddPushesApi();
        builder.AddWidgets();
        services.AddRateLimiter(limiter =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.AddPolicy(PublicPolicy, http =>
            {
                var perMinute = http.RequestServices.GetRequiredService<IOptions<GatewayOptions>>().Value.RequestsPerMinute;
                return RateLimitPartition.GetFixedWindowLimiter(
                    http.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                    _ => new FixedWindowRateLimiterOptions { PermitLimit = perMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 });
            });
            limiter.OnRejected = (context, _) => new ValueTask(TooManyRequests(context.HttpContext, context.Lease));
        });
        return builder;
    }

    public static WebApplication MapGatewayEndpoints(this WebApplication app)
    {
        var metrics = app.MapGroup("/v1/metrics")
            .RequireRateLimiting(PublicPolicy)
            .WithTags("Metrics")
            .ProducesValidationProblem()
            .DescribeResponse(StatusCodes.Status400BadRequest, "A parameter is missing or invalid; errors name each one (\"from\", \"n\").")
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .DescribeResponse(StatusCodes.Status429TooManyRequests, TooManyRequestsDescription)
            .ProducesClickHouseUnavailable();
        metrics.MapGet("/concurrent-users", ConcurrentUsersEndpoint.HandleAsync)
            .WithName("GetConcurrentUsers")
            .WithSummary("Active users per minute")
            .WithDescription(
                "Distinct active users per minute: for the whole app (dimension all, with explicit zeros for quiet minutes), or per "
                + "platform or country. At most Gateway__MaxRows rows; truncated says there were more.")
            .WithMetadata(new DimensionChoices(ConcurrentUsersQuery.Dimensions, ResultDimensions.All))
            .Produces<ConcurrentUsersResponse>()
            .DescribeResponse(StatusCodes.Status200OK, "One row per minute and dimension value, ordered by minute and value.");
        metrics.MapGet("/bookings", BookingsEndpoint.HandleAsync)
            .WithName("GetBookings")
            .WithSummary("Bookings per minute")
            .WithDescription(
                "Bookings, cancellations and revenue per minute and currency, per product, category or city. Money is in minor units "
                + "and never summed across currencies. At most Gateway__MaxRows rows; truncated says there were more.")
            .WithMetadata(new DimensionChoices(BookingsQuery.Dimensions, ResultDimensions.Product))
            .Produces<BookingsResponse>()
            .DescribeResponse(StatusCodes.Status200OK, "One row per minute, dimension value and currency, ordered by minute, value and currency.");
        metrics.MapGet("/bookings/per-minute", BookingsEndpoint.PerMinuteAsync)
            .WithName("GetBookingsPerMinute")
            .WithSummary("All bookings per minute")
            .WithDescription("All products' bookings summed per minute, and how many distinct products had a booking or cancellation.")
            .Produces<BookingsPerMinuteResponse>()
            .DescribeResponse(StatusCodes.Status200OK, "One row per minute that had bookings, ordered by minute.");
        metrics.MapGet("/popularity/top", PopularityTopEndpoint.HandleAsync)
            .WithName("GetPopularityTop")
            .WithSummary("Most popular products")
            .WithDescription(
                "Products by weighted score (views, wishlists and bookings), highest first, ties by product id: summed over the whole "
                + "range, or the top n of every minute with per_minute=true.")
            .Produces<PopularityTopResponse>()
            .DescribeResponse(StatusCodes.Status200OK, "Ranked products; with per_minute=true each row also has its minute.");

        app.MapGet("/v1/status", FleetStatusEndpoint.Handle)
            .RequireRateLimiting(PublicPolicy)
            .WithName("GetFleetStatus")
            .WithTags("Operations")
            .WithSummary("Freshness and consumer lag")
            .WithDescription(
                "How fresh the metrics are (seconds since the start of the newest final minute in ClickHouse) and each consumer "
                + "group's lag, scraped from the services listed in Gateway__LagSources; the dashboard page and the demo read it.")
            .Produces<FleetStatusBody>()
            .DescribeResponse(StatusCodes.Status200OK, "Freshness and lag per consumer group, topic and partition.")
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .DescribeResponse(StatusCodes.Status429TooManyRequests, TooManyRequestsDescription);

        app.MapGet("/", DashboardPage.Serve)
            .RequireRateLimiting(PublicPolicy)
            .WithName("GetDashboard")
            .WithTags("Dashboard")
            .WithSummary("Live dashboard")
            .WithDescription("A self-contained HTML page that polls the metrics endpoints.")
            .Produces<string>(StatusCodes.Status200OK, "text/html")
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .DescribeResponse(StatusCodes.Status429TooManyRequests, TooManyRequestsDescription);

        app.MapLedgerEndpoints();
        app.MapPushesEndpoint();
        app.MapWidgetEndpoints(PublicPolicy, TooManyRequestsDescription);

        // The document and its page are public like the dashboard, and share its budget.
        app.MapOpenApi().RequireRateLimiting(PublicPolicy);
        app.MapScalarApiReference("/docs", GatewayApiDocument.ConfigurePage).RequireRateLimiting(PublicPolicy);
        return app;
    }

    /// <summary>Documents the 503 of <see cref="ClickHouseOutageHandler"/>.</summary>
    public static TBuilder ProducesClickHouseUnavailable<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .DescribeResponse(StatusCodes.Status503ServiceUnavailable, ClickHouseUnavailableDescription);

    /// <summary>The 429 as problem+json like every other refusal, with Retry-After when the limiter knows it.</summary>
    private static Task TooManyRequests(HttpContext http, RateLimitLease lease)
    {
        if (lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter))
        {
            http.Response.Headers.RetryAfter = ((long)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        }

        return Results.Problem(
            statusCode: StatusCodes.Status429TooManyRequests,
            title: "Too many requests",
            detail: "This address has used its requests for the current minute.").ExecuteAsync(http);
    }
}
