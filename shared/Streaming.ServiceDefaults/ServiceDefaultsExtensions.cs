using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Streaming.ServiceDefaults.Forwarding;

namespace Streaming.ServiceDefaults;

/// <summary>
/// What every service has: compact logs, health endpoints, metrics and traces (<see cref="TelemetryExtensions"/>),
/// problem+json for every refusal (<see cref="ProblemResponses"/>), validated options, client addresses from trusted
/// proxies only, and an exit when its parent dies.
/// </summary>
public static class ServiceDefaultsExtensions
{
    public const string ParentPidVariable = "STREAMING_PARENT_PID";

    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss ";
        });
        // Per-request framework logs would bury the service's own.
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("System.Net.Http.HttpClient", LogLevel.Warning);
        // Orleans' placement retries log every attempt through Polly at Information: thousands of lines a second.
        builder.Logging.AddFilter("Polly", LogLevel.Warning);
        builder.AddFleetTelemetry();
        builder.Services.AddProblemResponses();
        builder.Services.AddHealthChecks().AddCheck("self", () => HealthCheckResult.Healthy(), ["live"]);
        builder.Services.AddValidatedOptions<ManagementOptions>(ManagementOptions.Section);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddHostedService<ParentProcessWatcher>();
        builder.Services.AddTrustedForwardedHeaders();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(20));
        return builder;
    }

    /// <summary>Binds a section to <typeparamref name="T"/>, validates its data annotations, and fails start-up when invalid.</summary>
    public static IServiceCollection AddValidatedOptions<T>(this IServiceCollection services, string section)
        where T : class
    {
        services.AddOptions<T>().BindConfiguration(section).ValidateDataAnnotations().ValidateOnStart();
        return services;
    }

    /// <summary>
    /// /healthz answers while the process runs; /readyz also runs the readiness checks; /metrics for Prometheus. With
    /// Management:Port set, these three answer on that port only (<see cref="ManagementPort"/>).
    /// </summary>
    public static WebApplication MapServiceDefaults(this WebApplication app)
    {
        app.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = r => r.Tags.Contains("live") }).AsManagementEndpoint();
        app.MapHealthChecks("/readyz").AsManagementEndpoint();
        app.MapFleetTelemetry().AsManagementEndpoint();
        app.UseManagementPort();
        return app;
    }
}
