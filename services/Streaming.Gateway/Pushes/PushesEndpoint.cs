using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Streaming.ClickHouse;
using Streaming.Gateway.Metrics;
using Streaming.Metrics.Pushes;
using Streaming.ServiceDefaults;
using Streaming.ServiceDefaults.Clients;

namespace Streaming.Gateway.Pushes;

/// <summary>
/// GET /v1/users/{user_id}/pushes: every push decision about a user, newest first, for support staff ("why did I get
/// this?", "why not?"). Private: needs X-Api-Key. One row per push and outcome (a held push shows held, then sent).
/// </summary>
public static class PushesEndpoint
{
    public const int MaxUserIdLength = 128;

    public static IServiceCollection AddPushesApi(this IServiceCollection services) =>
        services.AddValidatedOptions<PushesApiOptions>(PushesApiOptions.Section).AddApiClients().AddSingleton<PushesPerRuleQueryValidator>();

    public static WebApplication MapPushesEndpoint(this WebApplication app)
    {
        app.MapGet("/v1/users/{user_id}/pushes", HandleAsync)
            .RequireScope(ApiScopes.Support)
            .RequireRateLimiting(GatewayExtensions.PublicPolicy)
            .WithTags("Support")
            .WithName("GetUserPushes")
            .WithSummary("A user's push decisions")
            .WithDescription(
                "Every push decision about the user, newest first: sent, held (for quiet hours, until send_at), suppressed (the "
                + "reason names the cap), expired or failed, with the rule that fired. Needs X-Api-Key of a client with the support scope.")
            .Produces<PushesResponse>()
            .DescribeResponse(StatusCodes.Status200OK, "The decisions, newest first; truncated says there were more than limit.")
            .ProducesValidationProblem()
            .DescribeResponse(StatusCodes.Status400BadRequest, "user_id or limit is invalid; errors name the field.")
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .DescribeResponse(StatusCodes.Status401Unauthorized, "Missing or unknown X-Api-Key.")
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .DescribeResponse(StatusCodes.Status403Forbidden, "The key's client lacks the support scope.")
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesClickHouseUnavailable();
        app.MapGet("/v1/pushes/per-rule", PushesPerRuleEndpoint.HandleAsync)
            .RequireRateLimiting(GatewayExtensions.PublicPolicy)
            .WithTags("Metrics")
            .WithName("GetPushesPerRule")
            .WithSummary("Pushes per rule")
            .WithDescription(
                "Distinct pushes each rule sent, held (for quiet hours), suppressed (by a cap), expired or failed, in the hours "
                + "starting within [from, to); the dashboard shows the last 24 hours.")
            .Produces<PushesPerRuleResponse>()
            .DescribeResponse(StatusCodes.Status200OK, "One row per rule, ordered by rule id.")
            .ProducesValidationProblem()
            .DescribeResponse(StatusCodes.Status400BadRequest, "from or to is missing or invalid; errors name each one.")
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesClickHouseUnavailable();
        return app;
    }

    public static async Task<IResult> HandleAsync(
        [FromRoute(Name = "user_id")] string userId, [FromQuery] string? limit, IOptions<PushesApiOptions> options, ClickHouseClient clickHouse,
        CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(userId) || userId.Length > MaxUserIdLength)
        {
            errors["user_id"] = [$"user_id must be 1..{MaxUserIdLength} characters"];
        }

        var rows = settings.DefaultLimit;
        if (limit is not null && (!int.TryParse(limit, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out rows)
            || rows < 1 || rows > settings.MaxLimit))
        {
            errors["limit"] = [$"limit must be a whole number from 1 to {settings.MaxLimit}"];
        }

        if (errors.Count > 0)
        {
            return Results.ValidationProblem(errors);
        }

        var stored = await clickHouse.QueryAsync(BuildSql(userId, MetricsResults.LimitFor(rows)), PushesJsonContext.Default.PushStoredRow, cancellationToken);
        var (kept, truncated) = MetricsResults.Cap(stored, rows);
        var pushes = kept.Select(r => new PushItem(r.PushId, r.ProductId, r.Rule, r.RuleKind, r.Outcome, r.Reason,
            DateTimeOffset.FromUnixTimeSeconds(r.DecidedUnix), DateTimeOffset.FromUnixTimeSeconds(r.SendUnix))).ToList();
        return Results.Json(new PushesResponse(userId, pushes, truncated), PushesJsonContext.Default.PushesResponse);
    }

    /// <summary>The user's decisions, one per push and outcome (FINAL: copies published twice after a crash count once).</summary>
    public static string BuildSql(string userId, long limit) => $"""
        SELECT push_id, product_id, rule, rule_kind, outcome, reason,
               toUInt32(decided_at) AS decided_unix, toUInt32(send_at) AS send_unix
        FROM {Sql.Identifier(PushDecisionsTable.Table)} FINAL
        WHERE user_id = {Sql.String(userId)}
        ORDER BY decided_at DESC, push_id, outcome
        LIMIT {Sql.Integer(limit)}
        """;
}
