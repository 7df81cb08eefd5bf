using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Streaming.Events;

namespace Streaming.DevHost.Simulation;

/// <summary>
/// A simulated bookings table in PostgreSQL and the change events Debezium's PostgreSQL connector writes for it: Kafka
/// Connect's JsonConverter with schemas (the <c>{"schema": …, "payload": …}</c> wrapper), timestamptz columns as
/// io.debezium.time.ZonedTimestamp strings, REPLICA IDENTITY FULL (updates carry the row before them), the key the
/// primary key. It turns the booking events of <see cref="TrafficGenerator"/> into rows: a booking is inserted pending
/// and then confirmed (or inserted confirmed), a cancellation cancels an earlier confirmed booking, and some pending
/// bookings are abandoned (cancelled without ever being confirmed, which is not a cancellation). Deterministic for a seed.
/// </summary>
/// <param name="firstBookingId">The id of the first booking (runs sharing a topic use distinct ranges).</param>
public sealed class BookingTableChanges(int seed, long firstBookingId = 1)
{
    public const string ServerName = "shop";

    private readonly Random random = new(seed);
    private readonly Dictionary<long, JsonObject> rows = [];
    private readonly List<long> confirmed = [];
    private readonly Queue<long> abandonedHolds = new();
    private long nextId = firstBookingId;

    /// <summary>Bookings confirmed and cancelled by the changes so far (what the fleet should count).</summary>
    public List<BookingOutcome> Outcomes { get; } = [];

    /// <summary>True when the booking's row is confirmed now.</summary>
    public bool IsConfirmed(string bookingId) =>
        long.TryParse(bookingId, CultureInfo.InvariantCulture, out var id) && rows.TryGetValue(id, out var row) && (string)row["status"]! == "confirmed";

    /// <summary>The table as it stands, as snapshot reads (op r): the first, the middle ones, the last.</summary>
    public List<ChangeRecord> Snapshot(DateTimeOffset now)
    {
        var ids = rows.Keys.Order().ToList();
        var records = new List<ChangeRecord>(ids.Count);
        for (var i = 0; i < ids.Count; i++)
        {
            var marker = i == 0 ? "first" : i == ids.Count - 1 ? "last" : "true";
            records.Add(Change("r", null, rows[ids[i]], now, marker));
        }

        return records;
    }

    /// <summary>Rows that exist before streaming starts: written straight to the table, no change events (the snapshot reads them).</summary>
    public void Seed(Catalog catalog, int bookings, DateTimeOffset now)
    {
        for (var i = 0; i < bookings; i++)
        {
            var user = catalog.Users[random.Next(catalog.Users.Count)];
            var product = catalog.Products[random.Next(catalog.Products.Count)];
            var at = now.AddSeconds(-random.Next(60, 1800));
            var roll = random.NextDouble();
            var status = roll < 0.7 ? "confirmed" : roll < 0.85 ? "pending" : "cancelled";
            var row = Row(nextId++, user.Id, product.Id, status, product.PriceMinor, product.Currency, product.City, product.Category, user.Platform, user.Country, at);
            rows[(long)row["booking_id"]!] = row;
            if (status == "confirmed")
            {
                confirmed.Add((long)row["booking_id"]!);
                Outcomes.Add(new BookingOutcome(EventTypes.BookingConfirmed, (JsonObject)row.DeepClone()));
            }
        }
    }

    /// <summary>The change events for one generated booking event (none when a cancellation finds nothing to cancel).</summary>
    public List<ChangeRecord> Apply(IncomingEvent booking, DateTimeOffset now)
    {
        var changes = new List<ChangeRecord>(2);
        var at = EventTime.Parse(booking.OccurredAt!);
        if (booking.Type == EventTypes.BookingConfirmed)
        {
            var id = nextId++;
            var row = Row(id, booking.UserId!, booking.ProductId!, "pending", booking.Amount!.Value, booking.Currency!, booking.City, booking.Category,
                booking.Platform!, booking.Country!, at.AddSeconds(-random.Next(5, 60)));
            if (random.NextDouble() < 0.3)
            {
                // Inserted already confirmed (a payment taken in the same transaction).
                row["status"] = "confirmed";
                row["updated_at"] = Zoned(at);
                changes.Add(Change("c", null, row, now));
            }
            else
            {
                changes.Add(Change("c", null, row, now));
                var before = (JsonObject)row.DeepClone();
                row["status"] = "confirmed";
                row["updated_at"] = Zoned(at);
                changes.Add(Change("u", before, row, now));
            }

            rows[id] = row;
            confirmed.Add(id);
            Outcomes.Add(new BookingOutcome(EventTypes.BookingConfirmed, (JsonObject)row.DeepClone()));
            if (random.NextDouble() < 0.1)
            {
                // An abandoned hold: inserted pending, cancelled without ever being confirmed; not a cancellation.
                var abandoned = Row(nextId++, booking.UserId!, booking.ProductId!, "pending", booking.Amount.Value, booking.Currency!, booking.City,
                    booking.Category, booking.Platform!, booking.Country!, at.AddSeconds(-30));
                changes.Add(Change("c", null, abandoned, now));
                var held = (JsonObject)abandoned.DeepClone();
                abandoned["status"] = "cancelled";
                abandoned["updated_at"] = Zoned(at);
                changes.Add(Change("u", held, abandoned, now));
                rows[(long)abandoned["booking_id"]!] = abandoned;
                abandonedHolds.Enqueue((long)abandoned["booking_id"]!);
            }
        }
        else if (booking.Type == EventTypes.BookingCancelled && confirmed.Count > 0)
        {
            var index = random.Next(confirmed.Count);
            var id = confirmed[index];
            confirmed.RemoveAt(index);
            var row = rows[id];
            var before = (JsonObject)row.DeepClone();
            row["status"] = "cancelled";
            row["updated_at"] = Zoned(Max(at, EventTime.Parse((string)before["updated_at"]!).AddSeconds(1)));
            changes.Add(Change("u", before, row, now));
            Outcomes.Add(new BookingOutcome(EventTypes.BookingCancelled, (JsonObject)row.DeepClone()));
        }

        return changes;
    }

    /// <summary>
    /// Deletes a booking that was never confirmed (an abandoned hold), if there is one: the delete (its before image
    /// the key only, as PostgreSQL's REPLICA IDENTITY DEFAULT gives) and the tombstone Debezium writes after it.
    /// </summary>
    public List<ChangeRecord> DeleteAbandoned(DateTimeOffset now)
    {
        if (!abandonedHolds.TryDequeue(out var abandoned))
        {
            return [];
        }

        rows.Remove(abandoned);
        var delete = Change("d", new JsonObject { ["booking_id"] = abandoned }, null, now);
        return [delete, delete with { Value = null }];
    }

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    private static JsonObject Row(long id, string user, string product, string status, long amount, string currency, string? city, string? category,
        string platform, string country, DateTimeOffset at) => new()
    {
        ["booking_id"] = id,
        ["user_id"] = user,
        ["product_id"] = product,
        ["status"] = status,
        ["amount"] = amount,
        ["currency"] = currency,
        ["city"] = city,
        ["category"] = category,
        ["platform"] = platform,
        ["country"] = country,
        ["created_at"] = Zoned(at),
        ["updated_at"] = Zoned(at),
    };

    private static string Zoned(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);

    private static ChangeRecord Change(string op, JsonObject? before, JsonObject? after, DateTimeOffset now, string snapshot = "false")
    {
        var at = now.ToUnixTimeMilliseconds();
        var payload = new JsonObject
        {
            ["before"] = before?.DeepClone(),
            ["after"] = after?.DeepClone(),
            ["source"] = new JsonObject
            {
                ["version"] = "2.7.3.Final", ["connector"] = "postgresql", ["name"] = ServerName, ["ts_ms"] = at, ["snapshot"] = snapshot,
                ["db"] = "shop", ["schema"] = "public", ["table"] = "bookings", ["txId"] = null, ["lsn"] = null, ["xmin"] = null,
            },
            ["op"] = op,
            ["ts_ms"] = at,
            ["transaction"] = null,
        };
        var key = new JsonObject { ["schema"] = KeySchema(), ["payload"] = new JsonObject { ["booking_id"] = (after ?? before)!["booking_id"]!.DeepClone() } };
        var value = new JsonObject { ["schema"] = ValueSchema(), ["payload"] = payload };
        return new ChangeRecord(key.ToJsonString(), Encoding.UTF8.GetBytes(value.ToJsonString()));
    }

    private static JsonObject KeySchema() => new()
    {
        ["type"] = "struct", ["optional"] = false, ["name"] = ServerName + ".public.bookings.Key",
        ["fields"] = new JsonArray(Column("int64", "booking_id", optional: false)),
    };

    private static JsonObject ValueSchema()
    {
        JsonObject Image(string field) => new()
        {
            ["type"] = "struct", ["optional"] = true, ["name"] = ServerName + ".public.bookings.Value", ["field"] = field,
            ["fields"] = new JsonArray(
                Column("int64", "booking_id", optional: false), Column("string", "user_id", optional: false), Column("string", "product_id", optional: false),
                Column("string", "status", optional: false), Column("int64", "amount", optional: false), Column("string", "currency", optional: false),
                Column("string", "city"), Column("string", "category"), Column("string", "platform", optional: false), Column("string", "country", optional: false),
                Column("string", "created_at", optional: false, "io.debezium.time.ZonedTimestamp"),
                Column("string", "updated_at", optional: false, "io.debezium.time.ZonedTimestamp")),
        };

        return new JsonObject
        {
            ["type"] = "struct", ["optional"] = false, ["name"] = ServerName + ".public.bookings.Envelope", ["version"] = 2,
            ["fields"] = new JsonArray(
                Image("before"),
                Image("after"),
                new JsonObject { ["type"] = "struct", ["optional"] = false, ["name"] = "io.debezium.connector.postgresql.Source", ["field"] = "source", ["fields"] = new JsonArray() },
                new JsonObject { ["type"] = "string", ["optional"] = false, ["field"] = "op" },
                new JsonObject { ["type"] = "int64", ["optional"] = true, ["field"] = "ts_ms" }),
        };
    }

    private static JsonObject Column(string type, string field, bool optional = true, string? name = null)
    {
        var column = new JsonObject { ["type"] = type, ["optional"] = optional, ["field"] = field };
        if (name is not null)
        {
            column["name"] = name;
            column["version"] = 1;
        }

        return column;
    }
}

/// <summary>One change event: the record key (the primary key as JSON) and value (null: a tombstone).</summary>
public sealed record ChangeRecord(string Key, byte[]? Value);

/// <summary>A booking event the changes mean (booking_confirmed or booking_cancelled) and the row at that moment.</summary>
public sealed record BookingOutcome(string Type, JsonObject Row)
{
    public string BookingId => Row["booking_id"]!.ToString();

    public string ProductId => (string)Row["product_id"]!;

    public string Currency => (string)Row["currency"]!;

    public long Amount => (long)Row["amount"]!;

    public DateTimeOffset At => EventTime.Parse((string)Row["updated_at"]!);
}
