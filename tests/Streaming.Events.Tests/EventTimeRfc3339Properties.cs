using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using CsCheck;

namespace Streaming.Events.Tests;

/// <summary>The strict occurred_at parse accepts what every writer of events writes, to the tick and with its offset.</summary>
public sealed class EventTimeRfc3339Properties
{
    private static readonly Gen<DateTimeOffset> Instants = Gen.Select(Gen.Long[DateTime.MinValue.Ticks, DateTime.MaxValue.Ticks], Gen.Int[-14 * 60, 14 * 60], (ticks, minutes) =>
    {
        var offset = TimeSpan.FromMinutes(minutes);
        var local = Math.Clamp(ticks + offset.Ticks, DateTime.MinValue.Ticks, DateTime.MaxValue.Ticks);
        return new DateTimeOffset(Math.Clamp(local - offset.Ticks, DateTime.MinValue.Ticks, DateTime.MaxValue.Ticks) + offset.Ticks, offset);
    });

    [Fact]
    public void The_round_trip_format_parses_back_to_the_same_instant_and_offset() =>
        Instants.Sample(at =>
        {
            Assert.True(EventTime.TryParseRfc3339(at.ToString("O", CultureInfo.InvariantCulture), out var read));
            Assert.Equal(at, read);
            Assert.Equal(at.Offset, read.Offset);
        }, iter: 20_000);

    [Fact]
    public void What_the_json_writer_writes_parses_back_to_the_same_instant_and_offset() =>
        Instants.Sample(at =>
        {
            var json = new ArrayBufferWriter<byte>();
            using (var writer = new Utf8JsonWriter(json))
            {
                writer.WriteStringValue(at);
            }

            Assert.True(EventTime.TryParseRfc3339(Encoding.UTF8.GetString(json.WrittenSpan).Trim('"'), out var read));
            Assert.Equal(at, read);
            Assert.Equal(at.Offset, read.Offset);
        }, iter: 20_000);

    [Fact]
    public void No_near_miss_makes_the_strict_parse_throw_and_what_it_accepts_the_lenient_parse_reads_alike() =>
        Gen.Select(Instants, Gen.Int[0, 40], Gen.Char["0123456789-:.+TtZz \u0660\n"], Gen.Int[0, 3], (at, position, c, how) =>
        {
            var text = at.ToString(at.Offset == TimeSpan.Zero && how == 0 ? "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'" : "O", CultureInfo.InvariantCulture);
            position = Math.Min(position, text.Length);
            return how switch
            {
                1 => text[..position] + c + text[Math.Min(position + 1, text.Length)..],
                2 => text.Insert(position, c.ToString()),
                3 => text.Remove(Math.Min(position, text.Length - 1), 1),
                _ => text,
            };
        }).Sample(text =>
        {
            if (EventTime.TryParseRfc3339(text, out var strict))
            {
                // Lower-case 't' and 'z' are RFC 3339 but not every lenient parser's; upper-case them for the comparison.
                Assert.True(EventTime.TryParseKeepingOffset(text.ToUpperInvariant(), out var lenient), text);
                Assert.Equal(strict, lenient);
                Assert.Equal(strict.Offset, lenient.Offset);
            }
        }, iter: 50_000);
}
