using Streaming.Kafka;
using Streaming.Orleans.Feeds;
using Streaming.Profiles.ProductEvents;
using Streaming.Profiles.Profiles;
using Streaming.Profiles.Status;
using Streaming.ServiceDefaults;

namespace Streaming.Profiles;

public static class ProfilesExtensions
{
    public static WebApplicationBuilder AddProfiles(this WebApplicationBuilder builder)
    {
        builder.Services.AddValidatedOptions<KafkaOptions>(KafkaOptions.Section);
        builder.Services.AddValidatedOptions<ProfileOptions>(ProfileOptions.Section);
        builder.Services.AddGrainFeedOptions(ProductEventsConsumer.Group, ProductEventsConsumer.Section, ProductEventsConsumer.Defaults);
        builder.Services.AddSingleton<KafkaClients>();
        // One producer for the process: profile changes and dead letters. Changes stream (up to one per product per
        // second) and nothing waits for them, so they linger longer than the default to go in fewer, larger requests;
        // dead letters are flushed before their offsets are stored, whatever the linger.
        builder.Services.AddSingleton(sp => sp.GetRequiredService<KafkaClients>().CreateProducer("profiles", TimeSpan.FromMilliseconds(50)));
        builder.Services.AddSingleton<IProfileChangeSink, KafkaProfileChangeSink>();
        builder.Services.AddSingleton<ProfilesStatus>();
        builder.Services.AddSingleton<KnownProducts>();
        builder.Services.AddProfilesClock();
        builder.AddFeedSilo(new FeedSiloSettings(ProfilesStorage.Name));
        // After the silo: hosted services start in order, so the consumer calls grains only once the silo runs (and
        // stops first, writing its last barrier while the silo is still up).
        builder.Services.AddHostedService<ProductEventsConsumer>();
        return builder;
    }

    public static WebApplication MapProfileEndpoints(this WebApplication app)
    {
        app.MapProfilesStatus();
        return app;
    }
}
