using Streaming.Events;
using Streaming.Ingest.Events;
using Streaming.Ingest.Security;
using Streaming.Kafka;
using Streaming.ServiceDefaults;

namespace Streaming.Ingest;

public static class IngestExtensions
{
    public static WebApplicationBuilder AddIngest(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddValidatedOptions<KafkaOptions>(KafkaOptions.Section);
        services.AddValidatedOptions<IngestOptions>(IngestOptions.Section);
        services.AddProblemDetails();
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, IngestJsonContext.Default));
        services.AddSingleton<KafkaClients>();
        services.AddSingleton(new EventLimits());
        services.AddSingleton<IncomingEventValidator>();
        services.AddSingleton<EventPublisher>();
        services.AddSingleton<ApiKeyFilter>();
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = IngestOptions.HardMaxBodyBytes);
        return builder;
    }

    public static WebApplication MapIngestEndpoints(this WebApplication app)
    {
        app.MapPost("/v1/events", IngestEndpoint.HandleAsync).AddEndpointFilter<ApiKeyFilter>();
        return app;
    }
}
