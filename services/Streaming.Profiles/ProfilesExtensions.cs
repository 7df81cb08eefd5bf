using Streaming.Kafka;
using Streaming.Profiles.ProductEvents;
using Streaming.ServiceDefaults;

namespace Streaming.Profiles;

public static class ProfilesExtensions
{
    public static WebApplicationBuilder AddProfiles(this WebApplicationBuilder builder)
    {
        builder.Services.AddValidatedOptions<KafkaOptions>(KafkaOptions.Section);
        builder.Services.AddSingleton<KafkaClients>();
        builder.Services.AddSingleton<ProductViewCounter>();
        builder.Services.AddHostedService<ProductEventsConsumer>();
        return builder;
    }

    public static WebApplication MapProfileEndpoints(this WebApplication app)
    {
        // Walking skeleton: how many product views this instance has seen. The profiles issue replaces it with actors.
        app.MapGet("/v1/profiles/stats", (ProductViewCounter counter) => Results.Ok(new { products = counter.Products, views = counter.Views }));
        return app;
    }
}
