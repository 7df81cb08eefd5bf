using System.Diagnostics;
using System.Globalization;
using System.Text;
using CsCheck;
using Xunit;
using Xunit.Abstractions;

namespace Streaming.Testing;

/// <summary>
/// CsCheck generators of hostile record values for the readers' property tests: arbitrary bytes, JSON whose strings hold
/// escaped lone surrogates, control and bidi characters, numbers beyond every range, deep nesting, objects built from
/// the fields a reader knows (with plausible and hostile values), and any of these with invalid UTF-8 spliced in.
/// Compiled into each test project that fuzzes a reader (one source file, linked).
/// </summary>
public static class HostileJson
{
    /// <summary>A reader of record values: the result, or false with the reason.</summary>
    public delegate bool Reader<T>(byte[]? value, out T? result, out string? reason);

    /// <summary>
    /// Samples <paramref name="iter"/> values: the reader never throws, every refusal says why, and what it reads passes
    /// <paramref name="check"/>. Reports cases, how many were read and the time; fails if too few were read for the
    /// generator to have reached the reader's checks.
    /// </summary>
    public static void AssertReaderIsTotal<T>(Gen<byte[]> values, Reader<T> read, Action<T> check, ITestOutputHelper output, long iter = 100_000)
        where T : class
    {
        var started = Stopwatch.GetTimestamp();
        var accepted = 0L;
        values.Sample(value =>
        {
            if (read(value, out var result, out var reason))
            {
                check(result!);
                Interlocked.Increment(ref accepted);
            }
            else
            {
                Assert.False(string.IsNullOrWhiteSpace(reason));
            }
        }, iter: iter);
        output.WriteLine($"{iter} cases ({accepted} read) in {Stopwatch.GetElapsedTime(started).TotalSeconds:0.0} s");
        Assert.True(accepted > iter / 100, $"only {accepted} of {iter} generated values were readable: the generator should reach the reader's checks");
    }

    /// <summary>JSON string literals: plain text, escapes of lone surrogates and control characters, long ones.</summary>
    public static readonly Gen<string> String = Gen.Frequency(
        (4, Gen.String[0, 12].Select(Quote)),
        (2, Gen.OneOf(@"\ud800", @"\udfff", @"a\ud800b", @"\udc00\ud800", @"\u0000", @"\u202e", @"\u2028", @"\\", @"\""", " ", "", "<script>",
            @"\uD83D\uDE00", @"\x", @"\u12")
            .Select(body => "\"" + body + "\"")),
        (1, Gen.Int[1, 1000].Select(n => "\"" + new string('x', n) + "\"")));

    /// <summary>JSON numbers, many outside long, double or decimal, and a few that are not JSON.</summary>
    public static readonly Gen<string> Number = Gen.Frequency(
        (3, Gen.Long.Select(n => n.ToString(CultureInfo.InvariantCulture))),
        (1, Gen.Int[0, 10_000].Select(n => n.ToString(CultureInfo.InvariantCulture))),
        (1, Gen.Double.Select(d => d.ToString("R", CultureInfo.InvariantCulture))),
        (2, Gen.OneOf("1e400", "-1e400", "1E-400", "-0", "123456789012345678901234567890", "9223372036854775808", "-9223372036854775809",
            "0.5", "1e18", "01", "NaN", "1.7976931348623157E+309", "99999999999999999999999e99999")));

    public static readonly Gen<string> Scalar = Gen.Frequency(
        (4, String), (3, Number), (1, Gen.Const("true")), (1, Gen.Const("false")), (2, Gen.Const("null")));

    /// <summary>Any JSON value up to <paramref name="depth"/> levels of arrays and objects with keys from <paramref name="keys"/>.</summary>
    public static Gen<string> Value(string[] keys, int depth) => depth == 0 ? Scalar : Gen.Frequency(
        (4, Scalar),
        (1, Value(keys, depth - 1).Array[0, 4].Select(items => "[" + string.Join(",", items) + "]")),
        (1, Gen.Select(Gen.OneOf(keys).Select(Quote), Value(keys, depth - 1)).Array[0, 4]
            .Select(members => "{" + string.Join(",", members.Select(m => m.Item1 + ":" + m.Item2)) + "}")));

    /// <summary>
    /// An object of <paramref name="fields"/>: each present with probability 3/4, its value from its generator; sometimes
    /// an unknown or a repeated key too.
    /// </summary>
    public static Gen<string> Object(params (string Key, Gen<string> Value)[] fields) =>
        fields.Aggregate(Gen.Const(new List<string>()), (members, field) =>
                members.SelectMany(list => Gen.Frequency((3, field.Value.Select(v => (string?)(Quote(field.Key) + ":" + v))), (1, Gen.Const((string?)null)))
                    .Select(member => member is null ? list : [.. list, member])))
            .SelectMany(list => Gen.Frequency(
                (6, Gen.Const(list)),
                (1, Scalar.Select(v => (List<string>)[.. list, "\"unknown_field\":" + v])),
                (1, Gen.Const(list.Count > 0 ? (List<string>)[.. list, list[0]] : list))))
            .Select(members => "{" + string.Join(",", members) + "}");

    /// <summary>Arrays or objects nested up to a few thousand levels (System.Text.Json stops at 64).</summary>
    public static readonly Gen<byte[]> DeepNesting = Gen.Select(Gen.Int[1, 300], Gen.Bool).Select((n, arrays) => Encoding.UTF8.GetBytes(arrays
        ? new string('[', n) + new string(']', n)
        : string.Concat(Enumerable.Repeat("{\"after\":", n)) + "1" + new string('}', n)));

    /// <summary>Invalid UTF-8: a lone continuation byte, an overlong form, an encoded surrogate, a cut sequence, bytes never used.</summary>
    public static readonly Gen<byte[]> InvalidUtf8 = Gen.OneOf<byte[]>([0x80], [0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xE2, 0x82], [0xFF], [0xFE, 0xFF], [0xC3, 0x28]);

    /// <summary>
    /// The UTF-8 bytes of <paramref name="json"/>, a third of the time with invalid UTF-8 spliced in at a random place
    /// (often inside a string) or with a random byte overwritten.
    /// </summary>
    public static Gen<byte[]> Bytes(Gen<string> json) =>
        Gen.Select(json, Gen.Int[0, 5], Gen.Double[0, 1], InvalidUtf8, Gen.Byte).Select((text, mode, at, bad, noise) =>
        {
            var bytes = Encoding.UTF8.GetBytes(text);
            var position = (int)(at * bytes.Length);
            return mode switch
            {
                0 => [.. bytes.AsSpan(0, position), .. bad, .. bytes.AsSpan(position)],
                1 when bytes.Length > 0 => Overwrite(bytes, Math.Min(position, bytes.Length - 1), noise),
                _ => bytes,
            };
        });

    /// <summary>Arbitrary bytes, the same bytes as a JSON string's content, and deep nesting.</summary>
    public static readonly Gen<byte[]> Garbage = Gen.Frequency(
        (3, Gen.Byte.Array[0, 256]),
        (2, Gen.Byte.Array[0, 64].Select(b => (byte[])[(byte)'"', .. b, (byte)'"'])),
        (1, DeepNesting));

    public static string Quote(string text) => System.Text.Json.JsonSerializer.Serialize(text);

    private static byte[] Overwrite(byte[] bytes, int position, byte value)
    {
        bytes[position] = value;
        return bytes;
    }
}
