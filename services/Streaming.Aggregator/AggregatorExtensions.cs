using Streaming.Aggregator.Bookings;
using Streaming.Aggregator.Repartition;
using Streaming.Kafka;
using Streaming.ServiceDefaults;

namespace Streaming.Aggregator;

public static class AggregatorExtensions
{
    public static WebApplicationBuilder AddAggregator(this WebApplicationBuilder builder)
    {
        builder.Services.AddValidatedOptions<KafkaOptions>(KafkaOptions.Section);
        builder.Services.AddValidatedOptions<AggregatorOptions>(AggregatorOptions.Section);
        builder.Services.AddSingleton<KafkaClients>();
        builder.Services.AddHostedService<ProductRepartitioner>();
        builder.Services.AddHostedService<BookingsTopology>();
        return builder;
    }
}
