using System.Text.Json.Serialization;

namespace Streaming.Profiles.Status;

/// <summary>GET /v1/profiles/status: what this silo holds and does (the demo's summary line reads it).</summary>
public static class StatusEndpoint
{
    public const string Path = "/v1/profiles/status";

    public static IEndpointRouteBuilder MapProfilesStatus(this IEndpointRouteBuilder app)
    {
        app.MapGet(Path, (ProfilesStatus status) => TypedResults.Json(
                new StatusReport(status.ProductsLive, status.EventsApplied, status.DuplicatesIgnored, status.DeadLettered, status.ConsumerLag,
                    status.Partitions, status.Rewinds, status.FlushFailures, status.Feeds, status.StateWrites, status.ChangesEmitted,
                    status.RepostsDropped, status.RepostsChanged, status.IdentitiesRemembered, status.IdentitiesReadBack, status.RebuildsCutShort,
                    status.UnknownProductsAnswered),
                StatusJsonContext.Default.StatusReport))
            .WithName("ProfilesStatus");
        return app;
    }
}

/// <param name="ProductsLive">Product profiles active on this silo.</param>
/// <param name="ConsumerLag">Records of this silo's product-events partitions not read yet (-1 before the first sample).</param>
/// <param name="Partitions">product-events partitions this silo's consumer reads.</param>
/// <param name="Rewinds">Partitions read again because a grain activation they fed was lost with unwritten events.</param>
/// <param name="FlushFailures">Barriers whose grains could not all write their state (Redis unavailable).</param>
/// <param name="Feeds">Grain calls that fed events (one per product per batch).</param>
/// <param name="StateWrites">Profile states written to storage.</param>
/// <param name="ChangesEmitted">Records sent to profile-changes.</param>
/// <param name="RepostsDropped">Later copies of an event (same user_id and event_id) dropped before their profile.</param>
/// <param name="RepostsChanged">Of those, copies whose content differed from the first (also dead-lettered).</param>
/// <param name="IdentitiesRemembered">Event identities remembered for this silo's partitions.</param>
/// <param name="IdentitiesReadBack">Records read back to rebuild them for newly assigned partitions.</param>
/// <param name="RebuildsCutShort">Rebuilds stopped by their time bound or an error.</param>
/// <param name="UnknownProductsAnswered">Profile reads of ids never stored: zeros, no activation.</param>
public sealed record StatusReport(
    long ProductsLive, long EventsApplied, long DuplicatesIgnored, long DeadLettered, long ConsumerLag, long Partitions, long Rewinds, long FlushFailures,
    long Feeds = 0, long StateWrites = 0, long ChangesEmitted = 0, long RepostsDropped = 0, long RepostsChanged = 0, long IdentitiesRemembered = 0,
    long IdentitiesReadBack = 0, long RebuildsCutShort = 0, long UnknownProductsAnswered = 0);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(StatusReport))]
public sealed partial class StatusJsonContext : JsonSerializerContext;
