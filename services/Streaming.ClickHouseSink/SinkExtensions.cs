using Microsoft.Extensions.Options;
using Streaming.ClickHouse;
using Streaming.ClickHouseSink.Batching;
using Streaming.ClickHouseSink.Routes;
using Streaming.ClickHouseSink.Schema;
using Streaming.Kafka;
using Streaming.ServiceDefaults;

namespace Streaming.ClickHouseSink;

public static class SinkExtensions
{
    public static WebApplicationBuilder AddClickHouseSink(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddValidatedOptions<KafkaOptions>(KafkaOptions.Section);
        services.AddValidatedOptions<ClickHouseOptions>(ClickHouseOptions.Section);
        services.AddValidatedOptions<SinkOptions>(SinkOptions.Section);
        services.AddSingleton<KafkaClients>();
        services.AddHttpClient<ClickHouseClient>();
        services.AddSingleton<SchemaReadiness>();
        services.AddHealthChecks().AddCheck<SchemaReadiness>("schema");
        // Migrations run first; the sink loops start consuming only once the tables exist.
        services.AddHostedService<SchemaMigrationService>();
        services.AddRoute(MetricRoutes.ConcurrentUsers);
        services.AddRoute(MetricRoutes.Bookings);
        services.AddRoute(MetricRoutes.Popularity);
        services.AddRoute(RawEventRoute.Events);
        return builder;
    }

    private static void AddRoute<T>(this IServiceCollection services, SinkRoute<T> route)
        where T : class =>
        services.AddHostedService(sp => new TableSink<T>(
            route,
            sp.GetRequiredService<KafkaClients>(),
            sp.GetRequiredService<ClickHouseClient>(),
            sp.GetRequiredService<SchemaReadiness>(),
            sp.GetRequiredService<IOptions<SinkOptions>>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<TableSink<T>>>(),
            sp.GetRequiredService<IHostApplicationLifetime>()));
}
