using System.Globalization;
using Microsoft.AspNetCore.Diagnostics;

namespace Streaming.Gateway.Outages;

/// <summary>
/// ClickHouse not answering a query (refused, reset, or no answer within <see cref="GatewayOptions.QueryTimeout"/>)
/// becomes 503 problem+json with Retry-After; the handler of the service defaults' exception middleware. Errors
/// ClickHouse answers itself (a query it refuses) stay 500: retrying would not help.
/// </summary>
public sealed partial class ClickHouseOutageHandler(IProblemDetailsService problems, ILogger<ClickHouseOutageHandler> logger) : IExceptionHandler
{
    /// <summary>What Retry-After says: long enough for a restart to be noticed, short enough for a dashboard.</summary>
    public const int RetryAfterSeconds = 5;

    public const string Title = "Metrics store unavailable";

    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        // A client that went away needs no answer; its cancellation is no outage.
        if (httpContext.RequestAborted.IsCancellationRequested || OutageOf(exception) is not { } reason)
        {
            return false;
        }

        LogUnavailable(logger, httpContext.Request.Path, reason);
        httpContext.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        httpContext.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails =
            {
                Status = StatusCodes.Status503ServiceUnavailable,
                Title = Title,
                Detail = reason,
            },
        });
    }

    /// <summary>What the client is told, or null when <paramref name="exception"/> is not ClickHouse being unreachable or slow.</summary>
    public static string? OutageOf(Exception exception) => exception switch
    {
        TaskCanceledException { InnerException: TimeoutException } => "ClickHouse did not answer within the query timeout; try again later.",
        HttpRequestException or IOException => "ClickHouse cannot be reached; try again later.",
        _ => null,
    };

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Path}: answered 503, {Reason}")]
    private static partial void LogUnavailable(ILogger logger, string path, string reason);
}
