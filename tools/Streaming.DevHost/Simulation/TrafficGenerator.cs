using System.Globalization;
using Streaming.Events;

namespace Streaming.DevHost.Simulation;

/// <summary>
/// Generates realistic sessions: users open the app, search, view products (popularity is skewed: a few products
/// get most views), wishlist some, and a small share book. Deterministic for a seed, so runs are reproducible.
/// </summary>
public sealed class TrafficGenerator(Catalog catalog, int seed)
{
    private readonly Random random = new(seed);
    private long sequence;

    /// <summary>Returns about <paramref name="count"/> events stamped at <paramref name="now"/> (one session step each).</summary>
    public List<IncomingEvent> Next(int count, DateTimeOffset now)
    {
        var events = new List<IncomingEvent>(count + 8);
        while (events.Count < count)
        {
            var user = catalog.Users[random.Next(catalog.Users.Count)];
            var session = "s-" + user.Id + "-" + (now.ToUnixTimeSeconds() / 900).ToString(CultureInfo.InvariantCulture);
            var at = now.AddMilliseconds(-random.Next(0, 1500)).ToString("O", CultureInfo.InvariantCulture);
            var roll = random.NextDouble();
            if (roll < 0.08)
            {
                events.Add(Event(EventTypes.AppOpen, user, session, null, at));
            }
            else if (roll < 0.20)
            {
                events.Add(Event(EventTypes.Search, user, session, null, at));
            }
            else if (roll < 0.30)
            {
                events.Add(Event(EventTypes.SessionHeartbeat, user, session, null, at));
            }
            else
            {
                var product = PopularProduct();
                events.Add(Event(EventTypes.ProductView, user, session, product, at));
                var next = random.NextDouble();
                if (next < 0.06)
                {
                    events.Add(Event(EventTypes.WishlistAdd, user, session, product, at));
                }
                else if (next < 0.09)
                {
                    events.Add(Event(EventTypes.BookingConfirmed, user, session, product, at));
                }
                else if (next < 0.093)
                {
                    events.Add(Event(EventTypes.BookingCancelled, user, session, product, at));
                }
            }
        }

        return events;
    }

    /// <summary>A Zipf-like pick: product rank r is chosen with weight about 1/r.</summary>
    private Product PopularProduct()
    {
        var n = catalog.Products.Count;
        var rank = (int)Math.Floor(Math.Pow(n + 1, random.NextDouble())) - 1;
        return catalog.Products[Math.Clamp(rank, 0, n - 1)];
    }

    private IncomingEvent Event(string type, SimulatedUser user, string session, Product? product, string at)
    {
        var id = "sim-" + seed.ToString(CultureInfo.InvariantCulture) + "-" + (++sequence).ToString(CultureInfo.InvariantCulture);
        var money = type is EventTypes.BookingConfirmed or EventTypes.BookingCancelled;
        return new IncomingEvent(id, type, user.Id, session, product?.Id, at, user.Platform, user.Country, product?.City ?? user.City,
            money ? product!.PriceMinor : null, money ? product!.Currency : null, product?.Category);
    }
}
