using Streaming.Kafka;
using Streaming.PushDelivery.Delivery;
using Streaming.ServiceDefaults;

namespace Streaming.PushDelivery;

public static class PushDeliveryExtensions
{
    public static WebApplicationBuilder AddPushDelivery(this WebApplicationBuilder builder)
    {
        builder.Services.AddValidatedOptions<KafkaOptions>(KafkaOptions.Section);
        builder.Services.AddValidatedOptions<DeliveryOptions>(DeliveryOptions.Section);
        builder.Services.AddSingleton<KafkaClients>();
        builder.Services.AddSingleton(sp => sp.GetRequiredService<KafkaClients>().CreateProducer("push-delivery"));
        builder.Services.AddHttpClient<PushSender>();
        builder.Services.AddHostedService<PushCommandsConsumer>();
        return builder;
    }
}
