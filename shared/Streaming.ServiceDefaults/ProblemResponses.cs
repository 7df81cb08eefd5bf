using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;

namespace Streaming.ServiceDefaults;

/// <summary>
/// Every refusal and failure a service answers is application/problem+json: the ones endpoints write themselves, the
/// ones routing and binding make without a body (404, 405, 415), an unreadable or too large body (400, 413) and an
/// unhandled exception (500, or what a service's <see cref="IExceptionHandler"/> makes of it, e.g. the gateway's 503).
/// Kestrel answers a request line or headers over <see cref="MaxRequestLineBytes"/> or <see cref="MaxRequestHeadersBytes"/>
/// (414, 431) itself, before any middleware runs and without a hook for the body: those stay empty.
/// </summary>
public static class ProblemResponses
{
    /// <summary>The request line (method, path with query, version); the URL is a little shorter. Kestrel's default.</summary>
    public const int MaxRequestLineBytes = 8 * 1024;

    /// <summary>All request headers together. Kestrel's default.</summary>
    public const int MaxRequestHeadersBytes = 32 * 1024;

    /// <summary>Request headers. Kestrel's default.</summary>
    public const int MaxRequestHeaderCount = 100;

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
        services.Configure<KestrelServerOptions>(k =>
        {
            k.Limits.MaxRequestLineSize = MaxRequestLineBytes;
            k.Limits.MaxRequestHeadersTotalSize = MaxRequestHeadersBytes;
            k.Limits.MaxRequestHeaderCount = MaxRequestHeaderCount;
        });
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
            next(app);
        };
    }
}
