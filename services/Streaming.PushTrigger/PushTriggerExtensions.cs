using Streaming.Kafka;
using Streaming.PushTrigger.Triggers;
using Streaming.ServiceDefaults;

namespace Streaming.PushTrigger;

public static class PushTriggerExtensions
{
    public static WebApplicationBuilder AddPushTrigger(this WebApplicationBuilder builder)
    {
        builder.Services.AddValidatedOptions<KafkaOptions>(KafkaOptions.Section);
        builder.Services.AddSingleton<KafkaClients>();
        builder.Services.AddHostedService<ProfileChangesConsumer>();
        return builder;
    }
}
