using System.Globalization;
using System.Text.Json;
using Streaming.Events;
using Streaming.Kafka;
using Streaming.Reposts;
using Streaming.Topology;

namespace Streaming.Metrics.Bookings;

/// <summary>A series of the bookings metric: one product, category or city, in one currency.</summary>
internal readonly record struct BookingSeries(string Dimension, string Value, string Currency);

/// <summary>
/// events (keyed by user) → confirmed and cancelled bookings and their amounts per minute, by product, category and
/// city, per currency. Each task's totals are partials over its users; their sum over partitions is exact.
/// </summary>
internal static class BookingsTopology
{
    public const string Metric = "bookings";

    public static WindowedTopology<AppEvent, BookingSeries, BookingTotals> Define(MetricOptions options)
    {
        var aggregated = TopologyBuilder.From(options.TopologyName(Metric), Topics.Events, AppEventFormat.Instance, static e => e.OccurredAt)
            .IdentifiedBy(AppEventIdentity.Of)
            .Where(static e => e.Type is EventTypes.BookingConfirmed or EventTypes.BookingCancelled)
            .WindowedBy(options.ToWindowOptions())
            .Aggregate<BookingSeries, BookingTotals>(
                static (e, keys) =>
                {
                    var currency = e.Currency ?? "";
                    keys.Add(new BookingSeries(ResultDimensions.Product, e.ProductId ?? "", currency));
                    keys.Add(new BookingSeries(ResultDimensions.Category, e.Category ?? "", currency));
                    keys.Add(new BookingSeries(ResultDimensions.City, e.City ?? "", currency));
                },
                static () => new BookingTotals(),
                static (totals, e) =>
                {
                    if (e.Type == EventTypes.BookingConfirmed)
                    {
                        totals.Bookings++;
                        totals.RevenueMinor += e.Amount ?? 0;
                    }
                    else
                    {
                        totals.Cancellations++;
                        totals.CancelledRevenueMinor += e.Amount ?? 0;
                    }
                },
                static totals => totals.Copy());
        return aggregated.WithProvisionalUpdates(options.ProvisionalInterval).To(Topics.MetricsBookings, Write, new CheckpointFormat<BookingSeries, BookingTotals>(BookingsCheckpointJson.Default.BookingSeries, BookingsCheckpointJson.Default.BookingTotals));
    }

    private static OutputRecord Write(TopologyResult<BookingSeries, BookingTotals> r) => new(
        string.Create(CultureInfo.InvariantCulture, $"{r.Key.Dimension}|{r.Key.Value}|{r.Key.Currency}|{r.WindowStart.ToUnixTimeSeconds()}|{r.Partition}"),
        JsonSerializer.SerializeToUtf8Bytes(
            new BookingsPerMinute(r.WindowStart, r.Key.Dimension, r.Key.Value, r.Key.Currency, r.Partition, r.Revision, r.Provisional,
                r.Value.Bookings, r.Value.Cancellations, r.Value.RevenueMinor, r.Value.CancelledRevenueMinor, r.Incarnation),
            BookingsJson.Default.BookingsPerMinute));
}
