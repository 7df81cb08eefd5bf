using Microsoft.Extensions.Options;
using Streaming.Kafka;
using Streaming.PushTrigger.Rules;
using Streaming.PushTrigger.Triggers;
using Streaming.ServiceDefaults;

namespace Streaming.PushTrigger;

public static class PushTriggerExtensions
{
    public static WebApplicationBuilder AddPushTrigger(this WebApplicationBuilder builder)
    {
        builder.Services.AddValidatedOptions<KafkaOptions>(KafkaOptions.Section);
        builder.Services.AddPushRules();
        builder.Services.AddSingleton<KafkaClients>();
        builder.Services.AddHostedService<ProfileChangesConsumer>();
        return builder;
    }

    /// <summary>Section "PushTrigger", the default rules when it declares none, checked at start (a bad rule stops the service).</summary>
    public static IServiceCollection AddPushRules(this IServiceCollection services)
    {
        services.AddOptions<PushTriggerOptions>().BindConfiguration(PushTriggerOptions.Section).ValidateOnStart();
        services.PostConfigure<PushTriggerOptions>(o =>
        {
            if (o.Rules.Count == 0)
            {
                o.Rules.AddRange(DefaultRules.Create());
            }
        });
        services.AddSingleton<IValidateOptions<PushTriggerOptions>, PushTriggerOptionsValidator>();
        return services;
    }
}
