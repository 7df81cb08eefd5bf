using Microsoft.Extensions.Options;
using Streaming.Kafka;
using Streaming.Orleans.Feeds;
using Streaming.PushTrigger.Audiences;
using Streaming.PushTrigger.Decisions;
using Streaming.PushTrigger.Feeds;
using Streaming.PushTrigger.Rules;
using Streaming.PushTrigger.Silo;
using Streaming.ServiceDefaults;

namespace Streaming.PushTrigger;

public static class PushTriggerExtensions
{
    public static WebApplicationBuilder AddPushTrigger(this WebApplicationBuilder builder)
    {
        // Orleans' placement retries log every grain call through Polly at Information.
        builder.Logging.AddFilter("Polly", LogLevel.Warning);
        builder.Services.AddValidatedOptions<KafkaOptions>(KafkaOptions.Section);
        builder.Services.AddValidatedOptions<FeedOptions>(FeedOptions.Section);
        builder.Services.AddGrainFeedOptions(UserEventFeed.Group, FeedOptions.Section);
        builder.Services.AddGrainFeedOptions(ProductProfileFeed.Group, FeedOptions.Section)
            .PostConfigure<IOptions<FeedOptions>>((feed, push) => push.Value.SliceProfileChanges(feed));
        builder.Services.AddPushRules();
        builder.Services.AddSingleton<KafkaClients>();
        // One producer for the process: push commands, decisions and dead letters.
        builder.Services.AddSingleton(sp => sp.GetRequiredService<KafkaClients>().CreateProducer("push-trigger"));
        builder.Services.AddSingleton<IPushDecisionSink, KafkaPushDecisionSink>();
        builder.Services.AddPushClock();
        var push = builder.Configuration.GetSection(FeedOptions.Section).Get<FeedOptions>() ?? new FeedOptions();
        // Its own cluster in the shared Redis ("{ClusterId}-push"), so it never joins the profiles cluster nor reads its
        // state; reminders for a user rule's delayed check; a product rule's call lasts until its audience has decided.
        builder.AddFeedSilo(new FeedSiloSettings(PushStorage.Name)
        {
            ClusterSuffix = PushStorage.ClusterSuffix,
            Reminders = true,
            ResponseTimeout = push.GrainCallTimeout,
        });
        // After the silo: hosted services start in order, so the consumers call grains only once the silo runs (and
        // stop first, writing their last barrier while the silo is still up).
        builder.Services.AddHostedService<UserEventFeed>();
        builder.Services.AddHostedService<ProductProfileFeed>();
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
        services.AddSingleton<PushRuleSet>();
        // The product grains' bound on users deciding at once (PushFeeds:MaxDecisionsInFlight).
        services.AddSingleton<DecisionGate>();
        return services;
    }
}
