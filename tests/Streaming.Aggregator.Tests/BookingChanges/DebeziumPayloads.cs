using System.Text;
using System.Text.Json.Nodes;

namespace Streaming.Aggregator.Tests.BookingChanges;

/// <summary>
/// Change events of a bookings table as Debezium's PostgreSQL and MySQL connectors write them through Kafka Connect's
/// JsonConverter: the envelope (before, after, source, op, ts_ms), with the schema wrapper (schemas.enable=true) or
/// without it. Built by hand from the documented format, independently of the code under test.
/// </summary>
public static class DebeziumPayloads
{
    public enum Connector
    {
        PostgreSql,
        MySql,
    }

    /// <summary>How the table's timestamp columns are typed and so encoded.</summary>
    public enum TimeColumn
    {
        /// <summary>PostgreSQL timestamptz, MySQL TIMESTAMP: io.debezium.time.ZonedTimestamp, an ISO-8601 string.</summary>
        Zoned,

        /// <summary>MySQL DATETIME(0-3), or time.precision.mode=connect: io.debezium.time.Timestamp, epoch milliseconds.</summary>
        Millis,

        /// <summary>PostgreSQL timestamp, MySQL DATETIME(4-6): io.debezium.time.MicroTimestamp, epoch microseconds.</summary>
        Micros,

        /// <summary>io.debezium.time.NanoTimestamp, epoch nanoseconds.</summary>
        Nanos,
    }

    public static readonly DateTimeOffset Now = new(2026, 11, 21, 10, 0, 0, TimeSpan.Zero);

    public static JsonNode Encode(DateTimeOffset time, TimeColumn column) => column switch
    {
        TimeColumn.Zoned => JsonValue.Create(time.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", System.Globalization.CultureInfo.InvariantCulture))!,
        TimeColumn.Millis => JsonValue.Create(time.ToUnixTimeMilliseconds())!,
        TimeColumn.Micros => JsonValue.Create((time - DateTimeOffset.UnixEpoch).Ticks / 10)!,
        _ => JsonValue.Create((time - DateTimeOffset.UnixEpoch).Ticks * 100)!,
    };

    public static string? SemanticName(TimeColumn column) => column switch
    {
        TimeColumn.Zoned => "io.debezium.time.ZonedTimestamp",
        TimeColumn.Millis => "io.debezium.time.Timestamp",
        TimeColumn.Micros => "io.debezium.time.MicroTimestamp",
        _ => "io.debezium.time.NanoTimestamp",
    };

    /// <summary>A whole row of the bookings table.</summary>
    public static JsonObject Row(
        long bookingId, string status, DateTimeOffset updatedAt, TimeColumn times = TimeColumn.Zoned, string user = "u-1", string product = "tour-seoul-001",
        long amount = 45000, string currency = "KRW", string? city = "Seoul", string? category = "tour", string platform = "ios", string country = "KR") => new()
    {
        ["booking_id"] = bookingId,
        ["user_id"] = user,
        ["product_id"] = product,
        ["status"] = status,
        ["amount"] = amount,
        ["currency"] = currency,
        ["city"] = city,
        ["category"] = category,
        ["platform"] = platform,
        ["country"] = country,
        ["created_at"] = Encode(updatedAt.AddMinutes(-10), times),
        ["updated_at"] = Encode(updatedAt, times),
    };

    public static JsonObject Source(Connector connector, string snapshot = "false") => connector == Connector.PostgreSql
        ? new JsonObject
        {
            ["version"] = "2.7.3.Final", ["connector"] = "postgresql", ["name"] = "shop", ["ts_ms"] = Now.ToUnixTimeMilliseconds(),
            ["snapshot"] = snapshot, ["db"] = "shop", ["sequence"] = "[\"24023928\",\"24023928\"]", ["schema"] = "public", ["table"] = "bookings",
            ["txId"] = 555, ["lsn"] = 24023928, ["xmin"] = null,
        }
        : new JsonObject
        {
            ["version"] = "2.7.3.Final", ["connector"] = "mysql", ["name"] = "shop", ["ts_ms"] = Now.ToUnixTimeMilliseconds(),
            ["snapshot"] = snapshot, ["db"] = "shop", ["sequence"] = null, ["table"] = "bookings", ["server_id"] = 223344, ["gtid"] = null,
            ["file"] = "mysql-bin.000003", ["pos"] = 154, ["row"] = 0, ["thread"] = 7, ["query"] = null,
        };

    public static JsonObject Envelope(string op, JsonObject? before, JsonObject? after, Connector connector, string snapshot = "false") => new()
    {
        ["before"] = before?.DeepClone(),
        ["after"] = after?.DeepClone(),
        ["source"] = Source(connector, snapshot),
        ["op"] = op,
        ["ts_ms"] = Now.ToUnixTimeMilliseconds() + 12,
        ["transaction"] = null,
    };

    /// <summary>The envelope inside JsonConverter's schema wrapper, with the Connect schema of the table's columns.</summary>
    public static JsonObject WithSchema(JsonObject payload, TimeColumn times, string amountType = "int64", string? amountName = null)
    {
        JsonObject Columns(string field) => new()
        {
            ["type"] = "struct",
            ["optional"] = true,
            ["name"] = "shop.public.bookings.Value",
            ["field"] = field,
            ["fields"] = new JsonArray(
                Column("int64", "booking_id", optional: false),
                Column("string", "user_id", optional: false),
                Column("string", "product_id", optional: false),
                Column("string", "status", optional: false),
                Column(amountType, "amount", optional: false, amountName),
                Column("string", "currency", optional: false),
                Column("string", "city"),
                Column("string", "category"),
                Column("string", "platform", optional: false),
                Column("string", "country", optional: false),
                Column(times == TimeColumn.Zoned ? "string" : "int64", "created_at", optional: false, SemanticName(times)),
                Column(times == TimeColumn.Zoned ? "string" : "int64", "updated_at", optional: false, SemanticName(times))),
        };

        var schema = new JsonObject
        {
            ["type"] = "struct",
            ["optional"] = false,
            ["name"] = "shop.public.bookings.Envelope",
            ["version"] = 2,
            ["fields"] = new JsonArray(
                Columns("before"),
                Columns("after"),
                new JsonObject { ["type"] = "struct", ["optional"] = false, ["name"] = "io.debezium.connector.postgresql.Source", ["field"] = "source", ["fields"] = new JsonArray() },
                new JsonObject { ["type"] = "string", ["optional"] = false, ["field"] = "op" },
                new JsonObject { ["type"] = "int64", ["optional"] = true, ["field"] = "ts_ms" }),
        };
        return new JsonObject { ["schema"] = schema, ["payload"] = payload };
    }

    public static byte[] Bytes(JsonNode node) => Encoding.UTF8.GetBytes(node.ToJsonString());

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
