using Microsoft.AspNetCore.Http;

namespace Streaming.ServiceDefaults.RequestHead;

/// <summary>
/// Answers a request whose head is over <see cref="RequestHeadLimits"/> with 414 or 431 problem+json. Runs on every
/// request before routing, so the measure allocates nothing; only a refusal does.
/// </summary>
public sealed class RequestHeadLimitsMiddleware(RequestDelegate next, IProblemDetailsService problems)
{
    public Task InvokeAsync(HttpContext http) =>
        RequestHeadLimits.Refusal(http) is { } refusal ? RefuseAsync(http, refusal.Status, refusal.Title, refusal.Detail) : next(http);

    private async Task RefuseAsync(HttpContext http, int status, string title, string detail)
    {
        http.Response.StatusCode = status;
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = http,
            ProblemDetails = { Status = status, Title = title, Detail = detail },
        });
    }
}
