using Microsoft.Extensions.Options;
using Streaming.Gateway.ApiDocs;
using Streaming.ServiceDefaults;
using Streaming.ServiceDefaults.Clients;

namespace Streaming.Gateway.Ledger;

/// <summary>Registration and routes of the ledger feature, apart from the metrics endpoints.</summary>
public static class LedgerExtensions
{
    public static IServiceCollection AddLedgerApi(this IServiceCollection services)
    {
        services.AddValidatedOptions<LedgerApiOptions>(LedgerApiOptions.Section);
        services.AddApiClients();
        services.AddSingleton<LedgerQueryValidator>();
        return services;
    }

    public static WebApplication MapLedgerEndpoints(this WebApplication app)
    {
        var maxRange = app.Services.GetRequiredService<IOptions<LedgerApiOptions>>().Value.MaxRange;
        var ledger = app.MapGroup("/v1")
            .WithMetadata(new RangeLimit(maxRange))
            .RequireRateLimiting(GatewayExtensions.PublicPolicy)
            .WithTags("Operations")
            .ProducesValidationProblem()
            .DescribeResponse(StatusCodes.Status400BadRequest, "from or to is missing or invalid, or the range is wider than LedgerApi__MaxRange (24 hours).")
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesClickHouseUnavailable();
        ledger.MapGet("/ledger", LedgerEndpoints.GetAsync)
            .WithName("GetLedger")
            .WithSummary("Gap ledger")
            .WithDescription(
                "One row per minute and metric of the range: pending, matched or repaired, when it was checked and which series "
                + "differed from the recomputation from events_raw.")
            .Produces<LedgerResponse>()
            .DescribeResponse(StatusCodes.Status200OK, "Rows ordered by minute and metric.");
        ledger.MapPost("/ledger/recheck", LedgerEndpoints.RecheckAsync)
            .RequireScope(ApiScopes.Operator)
            .WithName("RecheckLedger")
            .WithSummary("Re-check a range")
            .WithDescription("Marks every minute of the range pending for every metric; the reconciler's next pass checks and, if need be, repairs them. Needs X-Api-Key of a client with the operator scope.")
            .Produces<RecheckResponse>(StatusCodes.Status202Accepted)
            .DescribeResponse(StatusCodes.Status202Accepted, "The range is pending.")
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .DescribeResponse(StatusCodes.Status401Unauthorized, "Missing or unknown X-Api-Key.")
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .DescribeResponse(StatusCodes.Status403Forbidden, "The key's client lacks the operator scope.");
        return app;
    }
}
