using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Streaming.ServiceDefaults;

/// <summary>
/// Metrics and traces of every service: the fleet's own meters and activity sources (all named "Streaming.…"), ASP.NET
/// Core, HttpClient and the runtime. Metrics are always served at /metrics for Prometheus; traces, and OTLP export of
/// everything, only when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set, so that without a collector no span is ever
/// started and the per-record cost of tracing is one "has listeners" check.
/// </summary>
public static class TelemetryExtensions
{
    /// <summary>The prefix of every meter and activity source of the fleet ("Streaming.Kafka", "Streaming.Topology", …).</summary>
    public const string FleetSources = "Streaming.*";

    public const string OtlpEndpointVariable = "OTEL_EXPORTER_OTLP_ENDPOINT";

    public const string ScrapePath = "/metrics";

    public static TBuilder AddFleetTelemetry<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        var otlp = !string.IsNullOrWhiteSpace(builder.Configuration[OtlpEndpointVariable]);
        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource =>
            {
                // OTEL_SERVICE_NAME, when set, names the service instead (k8s sets it per deployment).
                if (string.IsNullOrWhiteSpace(builder.Configuration["OTEL_SERVICE_NAME"]))
                {
                    resource.AddService(builder.Environment.ApplicationName);
                }
            })
            .WithMetrics(metrics => metrics
                .AddMeter(FleetSources)
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddPrometheusExporter());
        if (otlp)
        {
            telemetry
                .WithTracing(tracing => tracing
                    .AddSource(FleetSources)
                    .AddAspNetCoreInstrumentation(o => o.Filter = http => !IsOperational(http.Request.Path))
                    .AddHttpClientInstrumentation())
                .UseOtlpExporter();
        }

        return builder;
    }

    /// <summary>GET /metrics in Prometheus' text format.</summary>
    public static IEndpointConventionBuilder MapFleetTelemetry(this WebApplication app) => app.MapPrometheusScrapingEndpoint(ScrapePath);

    // Scrapes and probes every few seconds would drown the traces that matter.
    private static bool IsOperational(Microsoft.AspNetCore.Http.PathString path) =>
        path.StartsWithSegments(ScrapePath) || path.StartsWithSegments("/healthz") || path.StartsWithSegments("/readyz");
}
