using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text.Json;
using Streaming.Events;

namespace Streaming.Aggregator.BookingChanges;

/// <summary>
/// Reads a Debezium change event of the bookings table from a record's value: the standard envelope (<c>before</c>,
/// <c>after</c>, <c>op</c>, <c>source</c>, <c>ts_ms</c>) as Kafka Connect's JsonConverter writes it, with the schema
/// wrapper (<c>{"schema": …, "payload": …}</c>, schemas.enable=true) or without it. A null value is a tombstone.
/// Timestamps follow the schema's semantic type when there is one (ZonedTimestamp strings, Timestamp milliseconds,
/// MicroTimestamp microseconds, NanoTimestamp nanoseconds); without a schema, a string is ISO-8601 with an offset and a
/// number's unit is told by its magnitude (<see cref="EpochUnitOf"/>). Anything else is refused with a reason.
/// </summary>
public static class BookingChangeReader
{
    public const int MaxBookingIdLength = 40;

    private const string ZonedTimestamp = "io.debezium.time.ZonedTimestamp";
    private const string MilliTimestamp = "io.debezium.time.Timestamp";
    private const string ConnectTimestamp = "org.apache.kafka.connect.data.Timestamp";
    private const string MicroTimestamp = "io.debezium.time.MicroTimestamp";
    private const string NanoTimestamp = "io.debezium.time.NanoTimestamp";
    private const string ConnectDecimal = "org.apache.kafka.connect.data.Decimal";
    private const string VariableScaleDecimal = "io.debezium.data.VariableScaleDecimal";

    public static bool TryRead(byte[]? value, [NotNullWhen(true)] out BookingChange? change, [NotNullWhen(false)] out string? reason)
    {
        change = null;
        if (value is null || value.Length == 0)
        {
            change = new BookingChange(ChangeOperation.Tombstone, null, null, null, null, null);
            reason = null;
            return true;
        }

        try
        {
            using var document = JsonDocument.Parse(value);
            return TryRead(document.RootElement, out change, out reason);
        }
        catch (JsonException ex)
        {
            reason = $"not JSON: {ex.Message}";
            return false;
        }
        catch (InvalidOperationException ex)
        {
            // JsonElement.GetString on a string with invalid UTF-8 bytes or an escaped lone surrogate (\ud800).
            reason = $"a string is not valid Unicode text (invalid UTF-8 or a lone surrogate): {ex.Message}";
            return false;
        }
    }

    private static bool TryRead(JsonElement root, [NotNullWhen(true)] out BookingChange? change, [NotNullWhen(false)] out string? reason)
    {
        change = null;
        if (root.ValueKind != JsonValueKind.Object)
        {
            reason = "not a Debezium change event: the value is not a JSON object";
            return false;
        }

        var payload = root;
        JsonElement? schema = null;
        if (root.TryGetProperty("payload", out var wrapped) && root.TryGetProperty("schema", out var described))
        {
            if (wrapped.ValueKind == JsonValueKind.Null)
            {
                change = new BookingChange(ChangeOperation.Tombstone, null, null, null, null, null);
                reason = null;
                return true;
            }

            payload = wrapped;
            schema = described.ValueKind == JsonValueKind.Object ? described : null;
            if (payload.ValueKind != JsonValueKind.Object)
            {
                reason = "not a Debezium change event: payload is not a JSON object";
                return false;
            }
        }

        if (!payload.TryGetProperty("op", out var opElement) || opElement.ValueKind != JsonValueKind.String)
        {
            reason = "not a Debezium change event: op is missing (the standard envelope is needed, not a flattened row from ExtractNewRecordState)";
            return false;
        }

        var operation = opElement.GetString() switch
        {
            "c" => ChangeOperation.Create,
            "u" => ChangeOperation.Update,
            "d" => ChangeOperation.Delete,
            "r" => ChangeOperation.Read,
            "t" => ChangeOperation.Truncate,
            _ => (ChangeOperation?)null,
        };
        if (operation is null)
        {
            reason = $"op '{Truncate(opElement.GetString())}' is not a row change (expected c, u, d, r or t)";
            return false;
        }

        var (connector, snapshot) = SourceOf(payload);
        if (operation == ChangeOperation.Truncate)
        {
            change = new BookingChange(ChangeOperation.Truncate, null, null, null, connector, snapshot);
            reason = null;
            return true;
        }

        BookingRow? after = null;
        if (operation != ChangeOperation.Delete)
        {
            if (!payload.TryGetProperty("after", out var afterElement) || afterElement.ValueKind != JsonValueKind.Object)
            {
                reason = $"after is missing: a change with op '{opElement.GetString()}' must carry the row after it";
                return false;
            }

            if (!TryReadRow(afterElement, ColumnTypes(schema, "after"), "after", out after, out reason))
            {
                return false;
            }
        }

        BookingRow? before = null;
        string? beforeKey = null;
        if (payload.TryGetProperty("before", out var beforeElement) && beforeElement.ValueKind == JsonValueKind.Object)
        {
            // PostgreSQL's REPLICA IDENTITY DEFAULT gives only the key columns; such an image says nothing of the status.
            if (beforeElement.TryGetProperty("status", out var status) && status.ValueKind != JsonValueKind.Null)
            {
                if (!TryReadRow(beforeElement, ColumnTypes(schema, "before"), "before", out before, out reason))
                {
                    return false;
                }
            }
            else if (!TryId(beforeElement, "booking_id", "before", out beforeKey, out reason, required: false))
            {
                return false;
            }
        }

        if (after is not null && before is not null && after.BookingId != before.BookingId)
        {
            reason = $"before.booking_id '{before.BookingId}' differs from after.booking_id '{after.BookingId}': a booking's id must not change";
            return false;
        }

        change = new BookingChange(operation.Value, before, after, beforeKey, connector, snapshot);
        reason = null;
        return true;
    }

    /// <summary>
    /// The unit of an epoch number without a schema, by magnitude: below 10^14 milliseconds, below 10^17 microseconds,
    /// else nanoseconds. Each reading covers the years 1973 to 5138 on its own, so no timestamp of a real booking is ambiguous.
    /// </summary>
    public static EpochUnit EpochUnitOf(long value)
    {
        var magnitude = Math.Abs((decimal)value);
        return magnitude < 100_000_000_000_000m ? EpochUnit.Milliseconds
            : magnitude < 100_000_000_000_000_000m ? EpochUnit.Microseconds
            : EpochUnit.Nanoseconds;
    }

    private static (string? Connector, string? Snapshot) SourceOf(JsonElement payload)
    {
        if (!payload.TryGetProperty("source", out var source) || source.ValueKind != JsonValueKind.Object)
        {
            return (null, null);
        }

        var connector = source.TryGetProperty("connector", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString() : null;
        var snapshot = source.TryGetProperty("snapshot", out var s) ? s.ValueKind switch
        {
            JsonValueKind.String => s.GetString(),
            JsonValueKind.True => "true",
            JsonValueKind.False => "false",
            _ => null,
        } : null;
        return (connector, snapshot);
    }

    /// <summary>Column name → semantic type name (or literal type) from the schema of the envelope's <paramref name="image"/> field.</summary>
    private static Dictionary<string, string> ColumnTypes(JsonElement? schema, string image)
    {
        var types = new Dictionary<string, string>(StringComparer.Ordinal);
        if (schema is not { } root || !root.TryGetProperty("fields", out var fields) || fields.ValueKind != JsonValueKind.Array)
        {
            return types;
        }

        foreach (var field in fields.EnumerateArray())
        {
            if (field.ValueKind != JsonValueKind.Object || !field.TryGetProperty("field", out var name) || name.ValueKind != JsonValueKind.String
                || name.GetString() != image || !field.TryGetProperty("fields", out var columns) || columns.ValueKind != JsonValueKind.Array)
            {
                continue;
            }

            foreach (var column in columns.EnumerateArray())
            {
                if (column.ValueKind == JsonValueKind.Object && column.TryGetProperty("field", out var columnName) && columnName.ValueKind == JsonValueKind.String)
                {
                    var semantic = column.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString() : null;
                    var literal = column.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
                    types[columnName.GetString()!] = semantic ?? literal ?? "";
                }
            }
        }

        return types;
    }

    private static bool TryReadRow(JsonElement row, Dictionary<string, string> types, string image, [NotNullWhen(true)] out BookingRow? booking, [NotNullWhen(false)] out string? reason)
    {
        booking = null;
        if (!TryId(row, "booking_id", image, out var bookingId, out reason, required: true)
            || !TryId(row, "user_id", image, out var userId, out reason, required: true)
            || !TryId(row, "product_id", image, out var productId, out reason, required: true)
            || !TryStatus(row, image, out var status, out reason)
            || !TryAmount(row, types, image, out var amount, out reason)
            || !TryText(row, "currency", image, out var currency, out reason, required: true)
            || !TryText(row, "city", image, out var city, out reason, required: false)
            || !TryText(row, "category", image, out var category, out reason, required: false)
            || !TryText(row, "platform", image, out var platform, out reason, required: true)
            || !TryText(row, "country", image, out var country, out reason, required: true)
            || !TryTime(row, "created_at", types, image, out var createdAt, out reason, required: false)
            || !TryTime(row, "updated_at", types, image, out var updatedAt, out reason, required: true))
        {
            return false;
        }

        if (bookingId!.Length > MaxBookingIdLength || !bookingId.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or ':'))
        {
            reason = $"{image}.booking_id must be at most {MaxBookingIdLength} letters, digits or - _ . : (it names the booking's events)";
            return false;
        }

        booking = new BookingRow(bookingId, userId!, productId!, status, amount, currency!, city, category, platform!, country!, createdAt, updatedAt!.Value);
        return true;
    }

    /// <summary>An id column: a string, or an integer (serial and bigint keys) written as its digits.</summary>
    private static bool TryId(JsonElement row, string column, string image, out string? value, [NotNullWhen(false)] out string? reason, bool required)
    {
        value = null;
        reason = null;
        if (!row.TryGetProperty(column, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            reason = required ? $"{image}.{column} is missing" : null;
            return !required;
        }

        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                value = element.GetString();
                break;
            case JsonValueKind.Number when element.TryGetInt64(out var number):
                value = number.ToString(CultureInfo.InvariantCulture);
                break;
            default:
                reason = $"{image}.{column} must be a string or an integer";
                return false;
        }

        if (string.IsNullOrEmpty(value))
        {
            reason = $"{image}.{column} is empty";
            return false;
        }

        return true;
    }

    private static bool TryText(JsonElement row, string column, string image, out string? value, [NotNullWhen(false)] out string? reason, bool required)
    {
        value = null;
        reason = null;
        if (!row.TryGetProperty(column, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            reason = required ? $"{image}.{column} is missing" : null;
            return !required;
        }

        if (element.ValueKind != JsonValueKind.String)
        {
            reason = $"{image}.{column} must be a string";
            return false;
        }

        value = element.GetString();
        return true;
    }

    private static bool TryStatus(JsonElement row, string image, out BookingStatus status, [NotNullWhen(false)] out string? reason)
    {
        status = default;
        if (!TryText(row, "status", image, out var text, out reason, required: true))
        {
            return false;
        }

        switch (text)
        {
            case "pending": status = BookingStatus.Pending; return true;
            case "confirmed": status = BookingStatus.Confirmed; return true;
            case "cancelled": status = BookingStatus.Cancelled; return true;
            default:
                reason = $"{image}.status '{Truncate(text)}' is not one of pending, confirmed, cancelled";
                return false;
        }
    }

    /// <summary>Whole minor units: an integer column, or its digits as a string (decimal.handling.mode=string).</summary>
    private static bool TryAmount(JsonElement row, Dictionary<string, string> types, string image, out long amount, [NotNullWhen(false)] out string? reason)
    {
        amount = 0;
        reason = null;
        if (types.TryGetValue("amount", out var type) && type is ConnectDecimal or VariableScaleDecimal)
        {
            reason = $"{image}.amount is a DECIMAL encoded as bytes ({type}); store minor units in an integer column, or set the connector's decimal.handling.mode=string";
            return false;
        }

        if (!row.TryGetProperty("amount", out var element) || element.ValueKind == JsonValueKind.Null)
        {
            reason = $"{image}.amount is missing";
            return false;
        }

        var parsed = element.ValueKind switch
        {
            JsonValueKind.Number => element.TryGetInt64(out var number) ? number : (long?)null,
            JsonValueKind.String => long.TryParse(element.GetString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number) ? number : null,
            _ => null,
        };
        if (parsed is null)
        {
            reason = $"{image}.amount must be a whole number of minor units (an integer, or its digits as a string)";
            return false;
        }

        amount = parsed.Value;
        return true;
    }

    private static bool TryTime(JsonElement row, string column, Dictionary<string, string> types, string image, out DateTimeOffset? value, [NotNullWhen(false)] out string? reason, bool required)
    {
        value = null;
        reason = null;
        if (!row.TryGetProperty(column, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            reason = required ? $"{image}.{column} is missing" : null;
            return !required;
        }

        types.TryGetValue(column, out var type);
        if (element.ValueKind == JsonValueKind.String)
        {
            if (type is not (null or "" or "string" or ZonedTimestamp))
            {
                reason = $"{image}.{column} is a string but its schema says {type}";
                return false;
            }

            if (!EventTime.TryParse(element.GetString(), out var parsed))
            {
                reason = $"{image}.{column} '{Truncate(element.GetString())}' is not an ISO-8601 timestamp with an offset (io.debezium.time.ZonedTimestamp)";
                return false;
            }

            value = parsed;
            return true;
        }

        if (element.ValueKind != JsonValueKind.Number || !element.TryGetInt64(out var epoch))
        {
            reason = $"{image}.{column} must be an ISO-8601 string or an integer epoch time";
            return false;
        }

        var unit = type switch
        {
            MilliTimestamp or ConnectTimestamp => EpochUnit.Milliseconds,
            MicroTimestamp => EpochUnit.Microseconds,
            NanoTimestamp => EpochUnit.Nanoseconds,
            null or "" or "int64" => EpochUnitOf(epoch),
            _ => (EpochUnit?)null,
        };
        if (unit is null)
        {
            reason = $"{image}.{column} has schema type {type}, which is not a timestamp (expected {ZonedTimestamp}, {MilliTimestamp}, {MicroTimestamp} or {NanoTimestamp})";
            return false;
        }

        try
        {
            var ticks = unit switch
            {
                EpochUnit.Milliseconds => checked(epoch * TimeSpan.TicksPerMillisecond),
                EpochUnit.Microseconds => checked(epoch * TimeSpan.TicksPerMicrosecond),
                _ => epoch / TimeSpan.NanosecondsPerTick,
            };
            value = DateTimeOffset.UnixEpoch.AddTicks(ticks);
            return true;
        }
        catch (Exception ex) when (ex is ArgumentOutOfRangeException or OverflowException)
        {
            reason = $"{image}.{column} {epoch} is out of range";
            return false;
        }
    }

    private static string Truncate(string? text) => text is { Length: > 40 } ? text[..40] + "…" : text ?? "";
}

/// <summary>The unit of an integer timestamp: io.debezium.time.Timestamp, MicroTimestamp, NanoTimestamp.</summary>
public enum EpochUnit
{
    Milliseconds,
    Microseconds,
    Nanoseconds,
}
