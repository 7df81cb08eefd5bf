using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using CsCheck;
using Xunit.Abstractions;

namespace Streaming.Events.Tests;

/// <summary>
/// Property tests of every entry point of <see cref="AppEventReader"/> (TryRead, TryReadRoute, TryReadProjection) on the
/// same inputs: events as the serializer writes them, the same damaged, rebuilt field by field with hostile values,
/// and arbitrary bytes. Whatever the input, no exception escapes, the three accept exactly the same inputs (and the
/// JSON-reader path alone agrees), and a refusal says why. Each property counts its cases so the suite can show it ran
/// at least 100,000 per entry point.
/// </summary>
public sealed class AppEventReaderProperties(ITestOutputHelper output)
{
    private static readonly DateTimeOffset Base = new(2026, 11, 22, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Pieces of text, valid UTF-16 each, that the serializer escapes or writes as they are.</summary>
    private static readonly string[] Pieces =
    [
        "a", "Z", "0", "9", " ", "-", "_", ".", "p", "tour", "\"", "\\", "/", "\n", "\t", "\u0000", "\u001f", "\u007f", "\u0080", "é", "東京",
        "\u2028", "\u202e", "😀", "<script>", "+", "ÿ", "\ufeff", "\uffff", "null", "{", "}", ",", ":",
    ];

    private static readonly string[] Types = [EventTypes.ProductView, EventTypes.BookingConfirmed, EventTypes.Search, EventTypes.WishlistAdd, "x"];

    private static readonly Gen<string> Text = Gen.Frequency<string>(
        (4, Gen.OneOf("u1", "p-7", "ios", "KR", "Seoul", "tour", "", "e-123456789012345")),
        (1, Gen.OneOf(Pieces).Array[0, 6].Select(string.Concat)),
        (1, Gen.Int[65, 90].Select(n => new string('c', n))));

    private static readonly Gen<DateTimeOffset> Time = Gen.Select(Gen.Long[-TimeSpan.TicksPerDay * 400, TimeSpan.TicksPerDay * 400], Gen.Int[-14 * 60, 14 * 60], Gen.Int[0, 3],
        (ticks, minutes, round) => Base.AddTicks(round == 0 ? ticks : ticks / TimeSpan.TicksPerSecond * TimeSpan.TicksPerSecond).ToOffset(TimeSpan.FromMinutes(round == 1 ? 0 : minutes)));

    private static readonly Gen<AppEvent> Events = Gen.Select(
        Gen.Select(Text, Gen.OneOf(Types), Text, Text, Text.Null(0.2)),
        Gen.Select(Time, Text, Text, Text.Null(0.3), Gen.Frequency<long>((1, Gen.Long), (3, Gen.Long[-100_000, 100_000]), (1, Gen.Const(long.MinValue))).Nullable(0.5)),
        Gen.Select(Text.Null(0.3), Time, Text.Null(0.3)),
        (a, b, c) => new AppEvent(a.Item1, a.Item2, a.Item3, a.Item4, a.Item5, b.Item1, b.Item2, b.Item3, b.Item4, b.Item5, c.Item1, c.Item2, c.Item3));

    private static readonly string[] Names =
        ["event_id", "type", "user_id", "session_id", "product_id", "occurred_at", "platform", "country", "city", "amount", "currency", "received_at", "category"];

    /// <summary>Raw JSON values that are hard for a reader: escapes that make no text, huge numbers, deep nesting, wrong types.</summary>
    private static readonly string[] HostileValues =
    [
        "\"\\ud800\"", "\"\\udc00\"", "\"a\\ud800\\u0041\"", "\"\\ud83d\\ude00\"", "\"\\u0000\"", "\"\\x\"", "\"\\u12\"", "\"\\\"\"",
        "1e400", "-1e400", "123456789012345678901234567890", "9223372036854775808", "-9223372036854775809", "1.5", "-0", "0", "01",
        "true", "false", "null", "{}", "[]", "{\"a\":[1,2,{\"b\":null}]}", new string('[', 70) + new string(']', 70),
        new string('[', 40) + new string(']', 40), "\"2026-11-22T10:15:30+14:00\"", "\"0001-01-01T00:00:00+01:00\"", "\"9999-12-31T23:59:59-01:00\"",
        "\"2026-02-29T10:15:30Z\"", "\"Mon, 07 Dec 2026 16:28:20 +00:00\"", "\" 2026-11-22T10:15:30Z\"", "\"2026-11-22T10:15:30.12345678Z\"",
        "\"\"", "\"" + new string('x', 300) + "\"", "\"\\u002B\"",
    ];

    private static readonly byte[] InterestingBytes = "{}[]\",:\\0123456789-+.eEnulZTu \t\r\n\0a"u8.ToArray().Concat(new byte[] { 0x80, 0xBF, 0xC0, 0xC3, 0xE2, 0xED, 0xF0, 0xF4, 0xF5, 0xFF }).ToArray();

    /// <summary>Events as the serializer writes them read back exactly, by every entry point.</summary>
    [Fact]
    public void Every_entry_point_reads_what_the_serializer_writes()
    {
        var cases = Run(Events, e =>
        {
            var bytes = JsonSerializer.SerializeToUtf8Bytes(e, EventJsonContext.Default.AppEvent);
            var read = CheckAll(bytes) ?? throw new InvalidOperationException($"refused: {Encoding.UTF8.GetString(bytes)}");
            Assert.Equal(e, read);
            Assert.Equal((e.OccurredAt.Offset, e.ReceivedAt.Offset), (read.OccurredAt.Offset, read.ReceivedAt.Offset));
        }, iterations: 30_000);
        Assert.Equal(30_000, cases);
    }

    /// <summary>The serializer's bytes damaged: a byte changed, removed, doubled or inserted, or cut short.</summary>
    [Fact]
    public void No_damaged_event_makes_an_entry_point_throw_or_disagree()
    {
        var damage = Gen.Select(Gen.Int[0, 4], Gen.Int[0, int.MaxValue], Gen.OneOf(InterestingBytes)).Array[1, 3];
        var cases = Run(Gen.Select(Events, damage), (e, changes) =>
        {
            var bytes = JsonSerializer.SerializeToUtf8Bytes(e, EventJsonContext.Default.AppEvent).ToList();
            foreach (var (kind, where, value) in changes)
            {
                var at = where % (bytes.Count + 1);
                switch (kind)
                {
                    case 0 when at < bytes.Count: bytes[at] = value; break;
                    case 1 when at < bytes.Count: bytes.RemoveAt(at); break;
                    case 2: bytes.Insert(at, value); break;
                    case 3 when at < bytes.Count: bytes.Insert(at, bytes[at]); break;
                    default: bytes.RemoveRange(at, bytes.Count - at); break;
                }
            }

            CheckAll([.. bytes]);
        }, iterations: 30_000);
        Assert.Equal(30_000, cases);
    }

    /// <summary>
    /// Events rebuilt field by field: fields shuffled, repeated (duplicate keys), left out, given a hostile value,
    /// joined by a newer producer's fields, with whitespace between tokens.
    /// </summary>
    [Fact]
    public void No_hostile_value_in_any_field_makes_an_entry_point_throw_or_disagree()
    {
        var edits = Gen.Select(Gen.Int[0, 5], Gen.OneOf(Names.Append("v2").Append("\\u0074ype").ToArray()), Gen.OneOf(HostileValues)).Array[1, 4];
        var cases = Run(Gen.Select(Events, edits, Gen.Int[0, 3]), (e, changes, spacing) =>
        {
            var fields = Fields(e);
            foreach (var (kind, name, value) in changes)
            {
                var at = fields.FindIndex(f => f.Name == name);
                switch (kind)
                {
                    case 0 or 1 when at >= 0: fields[at] = (name, value); break;
                    case 2: fields.Add((name, value)); break; // a repeated key (or a new one)
                    case 3 when at >= 0: fields.RemoveAt(at); break;
                    case 4: fields.Insert(fields.Count / 2, ("newer_" + name, value)); break;
                    default: fields.Reverse(); break;
                }
            }

            var separator = spacing switch { 0 => "", 1 => " ", 2 => "\n\t", _ => "\r\n  " };
            var json = "{" + separator + string.Join("," + separator, fields.Select(f => $"\"{f.Name}\":{separator}{f.Value}")) + separator + "}";
            CheckAll(Encoding.UTF8.GetBytes(json));
        }, iterations: 30_000);
        Assert.Equal(30_000, cases);
    }

    /// <summary>Arbitrary bytes, and arbitrary sequences of JSON tokens.</summary>
    [Fact]
    public void No_arbitrary_input_makes_an_entry_point_throw_or_disagree()
    {
        var tokens = Gen.OneOf(["{", "}", "[", "]", ",", ":", "\"type\"", "\"event_id\"", "\"x\"", "1", "1e400", "null", "\"\\ud800\"", "\"2026-11-22T10:00:00Z\"", " "]).Array[0, 40]
            .Select(t => Encoding.UTF8.GetBytes(string.Concat(t)));
        var cases = Run(Gen.Frequency<byte[]>((1, Gen.Byte.Array[0, 300]), (1, Gen.OneOf(InterestingBytes).Array[0, 300]), (1, tokens)), bytes => CheckAll(bytes), iterations: 15_000);
        Assert.Equal(15_000, cases);
    }

    /// <summary>The event's fields as name and raw JSON value, as the serializer writes them.</summary>
    private static List<(string Name, string Value)> Fields(AppEvent e)
    {
        using var document = JsonDocument.Parse(JsonSerializer.SerializeToUtf8Bytes(e, EventJsonContext.Default.AppEvent));
        return [.. document.RootElement.EnumerateObject().Select(p => (p.Name, p.Value.GetRawText()))];
    }

    /// <summary>
    /// Reads the input with every entry point: none throws, all accept or all refuse (as the JSON-reader path alone
    /// does), a refusal has a reason, an acceptance the same fields everywhere. Returns the event read, or null.
    /// </summary>
    private static AppEvent? CheckAll(byte[] input)
    {
        var accepted = AppEventReader.TryRead(input, out var read, out var reason);
        var reference = AppEventReader.TryReadAny(input, out var expected, out var referenceReason);
        var routed = AppEventReader.TryReadRoute(input, out var route, out var routeReason);
        var projected = AppEventReader.TryReadProjection(input, out var projection, out var projectionReason);
        var shown = Encoding.UTF8.GetString(input);
        Assert.True(accepted == reference && accepted == routed && accepted == projected,
            $"TryRead {accepted}, JSON reader {reference}, route {routed}, projection {projected}: {shown}");
        if (!accepted)
        {
            foreach (var why in new[] { reason, referenceReason, routeReason, projectionReason })
            {
                Assert.True(why is { Length: > 20 } && (why.StartsWith("not a valid AppEvent: ", StringComparison.Ordinal)), $"reason '{why}' for {shown}");
            }

            return null;
        }

        Assert.Equal(expected, read);
        Assert.Equal((expected!.OccurredAt.Offset, expected.ReceivedAt.Offset), (read!.OccurredAt.Offset, read.ReceivedAt.Offset));
        Assert.Equal((read.Type, read.ProductId, read.OccurredAt, read.OccurredAt.Offset, read.ReceivedAt, read.Amount),
            (route!.Type, route.ProductId, route.OccurredAt, route.OccurredAt.Offset, route.ReceivedAt, route.Amount));
        Assert.Equal((read.Type, read.ProductId, read.OccurredAt, read.OccurredAt.Offset, read.City, read.Category),
            (projection.Type, projection.ProductId, projection.OccurredAt, projection.OccurredAt.Offset, projection.ReadCity(), projection.ReadCategory()));
        Assert.True(projection.UserId.SequenceEqual(Encoding.UTF8.GetBytes(read.UserId)), $"user_id bytes of {shown}");
        Assert.True(projection.EventId.SequenceEqual(Encoding.UTF8.GetBytes(read.EventId)), $"event_id bytes of {shown}");
        return read;
    }

    private long Run<T>(Gen<T> gen, Action<T> check, int iterations) => Count(counted => gen.Sample(x => { check(x); counted(); }, iter: iterations));

    private long Run<T1, T2>(Gen<(T1, T2)> gen, Action<T1, T2> check, int iterations) =>
        Count(counted => gen.Sample((a, b) => { check(a, b); counted(); }, iter: iterations));

    private long Run<T1, T2, T3>(Gen<(T1, T2, T3)> gen, Action<T1, T2, T3> check, int iterations) =>
        Count(counted => gen.Sample((a, b, c) => { check(a, b, c); counted(); }, iter: iterations));

    /// <summary>Runs a property, counting the cases that passed, and says how many in how long (per entry point: each case reads with all three).</summary>
    private long Count(Action<Action> run)
    {
        long cases = 0;
        var clock = Stopwatch.StartNew();
        run(() => Interlocked.Increment(ref cases));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{cases:N0} cases per entry point in {clock.Elapsed.TotalSeconds:0.00} s"));
        return cases;
    }
}
