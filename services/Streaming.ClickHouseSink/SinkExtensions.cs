using Microsoft.Extensions.Options;
using Streaming.ClickHouse;
using Streaming.ClickHouseSink.Batching;
using Streaming.ClickHouseSink.Ledger;
using Streaming.ClickHouseSink.Schema;
using Streaming.Kafka;
using Streaming.Metrics;
using Streaming.Metrics.Ledger;
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
        // The gap ledger's reconciler; it reads the popularity weights from the aggregator's section.
        services.AddValidatedOptions<LedgerOptions>(LedgerOptions.Section);
        services.AddValidatedOptions<MetricOptions>(MetricOptions.Section);
        services.AddHostedService<LedgerService>();
        var loops = new TableSinkRegistration(services);
        foreach (var table in MetricCatalog.SinkTables)
        {
            table.Accept(loops);
        }

        return builder;
    }

    /// <summary>Adds one sink loop per table, typed by the table's record.</summary>
    private sealed class TableSinkRegistration(IServiceCollection services) : ISinkTableVisitor
    {
        public void Visit<T>(SinkTable<T> table)
            where T : class =>
            services.AddHostedService(sp => new TableSink<T>(
            table,
            sp.GetRequiredService<KafkaClients>(),
            sp.GetRequiredService<ClickHouseClient>(),
            sp.GetRequiredService<SchemaReadiness>(),
            sp.GetRequiredService<IOptions<SinkOptions>>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<TableSink<T>>>(),
            sp.GetRequiredService<IHostApplicationLifetime>()));
    }
}
