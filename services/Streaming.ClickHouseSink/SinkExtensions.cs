using Streaming.ClickHouse;
using Streaming.ClickHouseSink.Bookings;
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
        // Migrations run first; the sink starts consuming only once the tables exist.
        services.AddHostedService<SchemaMigrationService>();
        services.AddHostedService<BookingsSink>();
        return builder;
    }
}
