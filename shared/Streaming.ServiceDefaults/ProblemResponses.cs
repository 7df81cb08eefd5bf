using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Streaming.ServiceDefaults.RequestHead;

namespace Streaming.ServiceDefaults;

/// <summary>
/// Every refusal and failure a service answers is application/problem+json: the ones endpoints write themselves, the
/// ones routing and binding make without a body (404, 405, 415), an unreadable or too large body (400, 413), a request
/// line or headers over <see cref="RequestHeadLimits"/> (414, 431) and an unhandled exception (500, or what a service's
/// <see cref="IExceptionHandler"/> makes of it, e.g. the gateway's 503). Kestrel answers a head over its own limits
/// itself, before any middleware runs and without a hook for the body; those limits are raised to
/// <see cref="RequestHeadLimits.KestrelHeadroom"/> times the documented ones, and only a head beyond them gets Kestrel's
/// empty 414 or 431.
/// </summary>
public static class ProblemResponses
{
    public static IServiceCollection AddProblemResponses(this IServiceCollection services)
    {
        services.AddProblemDetails();
        services.Configure<ExceptionHandlerOptions>(o =>
        {
            // Kestrel's refusals of the body (too large, malformed chunking) keep their status instead of becoming a 500.
            o.StatusCodeSelector = e => e is Microsoft.AspNetCore.Http.BadHttpRequestException bad ? bad.StatusCode : StatusCodes.Status500InternalServerError;
            // A handler that answered (e.g. 503 for a store that is down) logs its own line; the middleware's error would repeat it.
            o.SuppressDiagnosticsCallback = c => c.ExceptionHandledBy == ExceptionHandledType.ExceptionHandlerService;
        });
        // Stated in docs/security.md: set here so that the figures hold whatever the framework's defaults become.
        services.Configure<KestrelServerOptions>(k => RequestHeadLimits.RaiseKestrelLimits(k.Limits));
        services.AddTransient<IStartupFilter, ProblemResponsesStartupFilter>();
        return services;
    }

    /// <summary>Outermost, so that it sees what every later middleware and endpoint answers or throws.</summary>
    private sealed class ProblemResponsesStartupFilter : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.UseExceptionHandler();
            // Writes problem details for a 4xx/5xx that has no body yet (and no content type).
            app.UseStatusCodePages();
            // Before forwarded headers, routing, keys and rate limits: a head over the limits is refused unread.
            app.UseMiddleware<RequestHeadLimitsMiddleware>();
            next(app);
        };
    }
}
