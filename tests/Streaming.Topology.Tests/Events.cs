using System.Globalization;
using Streaming.Events;

namespace Streaming.Topology.Tests;

/// <summary>Builds canonical events for the driver tests.</summary>
internal static class Events
{
    private static long sequence;

    public static AppEvent Of(string type, string user, DateTimeOffset at, string? product = null, string platform = "ios", string country = "KR",
        string? city = null, long? amount = null, string? currency = null, string? category = null) =>
        new("t-" + Interlocked.Increment(ref sequence).ToString(CultureInfo.InvariantCulture), type, user, "s-" + user, product, at,
            platform, country, city, amount, currency, at, category);

    public static AppEvent View(string user, string product, DateTimeOffset at) => Of(EventTypes.ProductView, user, at, product);

    public static AppEvent Booking(string user, string product, DateTimeOffset at, long amount = 1000, string currency = "KRW", string city = "Seoul", string category = "tour") =>
        Of(EventTypes.BookingConfirmed, user, at, product, city: city, amount: amount, currency: currency, category: category);

    public static AppEvent Cancellation(string user, string product, DateTimeOffset at, long amount = 1000, string currency = "KRW", string city = "Seoul", string category = "tour") =>
        Of(EventTypes.BookingCancelled, user, at, product, city: city, amount: amount, currency: currency, category: category);
}
