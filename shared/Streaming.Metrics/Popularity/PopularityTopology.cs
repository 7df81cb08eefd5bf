using System.Globalization;
using System.Text.Json;
using Streaming.Events;
using Streaming.Kafka;
using Streaming.Reposts;
using Streaming.Topology;

namespace Streaming.Metrics.Popularity;

/// <summary>
/// product-events (the events about a product, keyed by product: see ProductEvents) → views, wishlists and bookings per
/// product per minute, with a weighted score. Each product has a single task, so its row is the whole count; the top N
/// of a minute is the N highest scores among those rows. Re-sends of the product-events stage are dropped by their
/// source position.
/// </summary>
internal static class PopularityTopology
{
    public const string Metric = "popularity";

    public static WindowedTopology<AppEvent, string, PopularityCounts> Define(MetricOptions options)
    {
        var (viewWeight, wishlistWeight, bookingWeight) = (options.ViewWeight, options.WishlistWeight, options.BookingWeight);
        var aggregated = TopologyBuilder.From(options.TopologyName(Metric), Topics.ProductEvents, AppEventFormat.Instance, static e => e.OccurredAt)
            .IdentifiedBy(AppEventIdentity.Of)
            .WindowedBy(options.ToWindowOptions())
            .Aggregate<string, PopularityCounts>(
                static (e, keys) =>
                {
                    if (e.Type is EventTypes.ProductView or EventTypes.WishlistAdd or EventTypes.BookingConfirmed)
                    {
                        keys.Add(e.ProductId!);
                    }
                },
                static () => new PopularityCounts(),
                static (counts, e) =>
                {
                    switch (e.Type)
                    {
                        case EventTypes.ProductView:
                            counts.Views++;
                            break;
                        case EventTypes.WishlistAdd:
                            counts.Wishlists++;
                            break;
                        default:
                            counts.Bookings++;
                            break;
                    }
                },
                static counts => counts.Copy());
        return aggregated.WithProvisionalUpdates(options.ProvisionalInterval).To(Topics.MetricsPopularity, r => new OutputRecord(
            string.Create(CultureInfo.InvariantCulture, $"{r.Key}|{r.WindowStart.ToUnixTimeSeconds()}|{r.Partition}"),
            JsonSerializer.SerializeToUtf8Bytes(
                new ProductPopularityPerMinute(r.WindowStart, r.Key, r.Partition, r.Revision, r.Provisional,
                    r.Value.Views, r.Value.Wishlists, r.Value.Bookings,
                    (r.Value.Views * viewWeight) + (r.Value.Wishlists * wishlistWeight) + (r.Value.Bookings * bookingWeight),
                    r.Incarnation),
                PopularityJson.Default.ProductPopularityPerMinute)),
            new CheckpointFormat<string, PopularityCounts>(PopularityCheckpointJson.Default.String, PopularityCheckpointJson.Default.PopularityCounts));
    }
}
