using System.Globalization;
using System.Text;
using System.Text.Json;
using CsCheck;
using Streaming.Events;

namespace Streaming.Ingest.Tests;

/// <summary>CsCheck generators of POST /v1/events bodies: valid batches, and hostile ones built from them.</summary>
public static class EventBodies
{
    /// <summary>The characters no string field may hold: C0, DEL, C1, bidirectional controls, line and paragraph separators.</summary>
    public static readonly char[] Forbidden =
    [
        .. Enumerable.Range(0, 0x20).Select(i => (char)i), .. Enumerable.Range(0x7F, 0x21).Select(i => (char)i),
        '\u061C', '\u200E', '\u200F', '\u202A', '\u202B', '\u202C', '\u202D', '\u202E', '\u2066', '\u2067', '\u2068', '\u2069', '\u2028', '\u2029',
    ];

    public static readonly string[] StringFields =
        ["event_id", "type", "user_id", "session_id", "product_id", "occurred_at", "platform", "country", "city", "category", "currency"];

    private const string Letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    private const string IdChars = Letters + "-_.:/@+#%~=!?&()[]{}*,;|$^ 서울東京éü";
    private const string NameChars = Letters + " -'.,()&<>/서울東京éüß";

    /// <summary>Strings of <paramref name="min"/> to <paramref name="max"/> characters drawn from <paramref name="chars"/>.</summary>
    public static Gen<string> Text(string chars, int min, int max) => Gen.Char[chars].Array[min, max].Select(a => new string(a));

    private static readonly string[] Types = [.. EventTypes.All.Order(StringComparer.Ordinal)];
    private static readonly string[] PlatformNames = [.. Platforms.All.Order(StringComparer.Ordinal)];

    public static readonly Gen<string> EventId = Text(Letters + "-_.:", 1, EventLimits.MaxIdLength);

    public static readonly Gen<string> Id = Text(IdChars, 1, EventLimits.MaxIdLength)
        .Where(s => !char.IsWhiteSpace(s[0]) && !char.IsWhiteSpace(s[^1]));

    /// <summary>Absent, empty (counts as absent) or a name with a visible character.</summary>
    public static readonly Gen<string?> Name = Gen.Select(Gen.Int[0, 5], Text(NameChars, 1, EventLimits.MaxTextLength), (pick, name) =>
        pick switch { 0 => null, 1 => "", _ => string.IsNullOrWhiteSpace(name) ? "x" + name[1..] : name });

    /// <summary>RFC 3339 in every form it allows, within the accepted age: any offset, 0-7 fractional digits, 'T'/'t', 'Z'/'z'.</summary>
    public static Gen<string> OccurredAt(DateTimeOffset now) => Gen.Select(
        Gen.Long[TimeSpan.FromMinutes(-4).Ticks, TimeSpan.FromDays(7).Ticks - TimeSpan.FromMinutes(1).Ticks], Gen.Int[-12 * 4, 14 * 4], Gen.Int[0, 7], Gen.Int[0, 3],
        (ago, quarters, digits, letters) =>
        {
            var at = now.AddTicks(-ago).ToOffset(TimeSpan.FromMinutes(15 * quarters));
            var text = new StringBuilder(at.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture));
            if (digits > 0)
            {
                text.Append('.').Append(at.ToString("fffffff", CultureInfo.InvariantCulture)[..digits]);
            }

            text.Append(at.Offset == TimeSpan.Zero && letters < 2 ? "Z" : at.ToString("zzz", CultureInfo.InvariantCulture));
            if ((letters & 1) == 1)
            {
                text.Replace('T', 't').Replace('Z', 'z');
            }

            return text.ToString();
        });

    public static Gen<IncomingEvent> Event(DateTimeOffset now) => Gen.Select(
        Gen.Select(EventId, Gen.Int[0, Types.Length - 1], Id, Id, Id, Gen.Bool),
        Gen.Select(OccurredAt(now), Gen.Int[0, PlatformNames.Length - 1], Text("ABCDEFGHIJKLMNOPQRSTUVWXYZ", 2, 2), Name, Name),
        Gen.Select(Gen.Long[0, 10_000_000_000], Text("ABCDEFGHIJKLMNOPQRSTUVWXYZ", 3, 3)),
        (ids, rest, money) =>
        {
            var (eventId, typeIndex, user, session, product, productOnAny) = ids;
            var (occurredAt, platform, country, city, category) = rest;
            var type = Types[typeIndex];
            var withAmount = EventTypes.WithAmount.Contains(type);
            return new IncomingEvent(
                eventId, type, user, session, EventTypes.WithProduct.Contains(type) || productOnAny ? product : null, occurredAt, PlatformNames[platform], country,
                city, withAmount ? money.Item1 : null, withAmount ? money.Item2 : null, category);
        });

    public static Gen<List<IncomingEvent>> Batch(DateTimeOffset now, int maxEvents) => Event(now).List[1, maxEvents];

    public static byte[] Json(List<IncomingEvent> events) => JsonSerializer.SerializeToUtf8Bytes(events, EventJsonContext.Default.ListIncomingEvent);

    /// <summary>A JSON string literal of <paramref name="text"/>, escaping every non-ASCII character (lone surrogates too).</summary>
    public static string Literal(string text)
    {
        var literal = new StringBuilder("\"");
        foreach (var c in text)
        {
            _ = c is >= ' ' and < '\u007F' and not ('"' or '\\') ? literal.Append(c) : literal.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}");
        }

        return literal.Append('"').ToString();
    }
}
