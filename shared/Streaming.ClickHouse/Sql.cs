using System.Globalization;
using System.Text;

namespace Streaming.ClickHouse;

/// <summary>
/// The one place where values become SQL literals. ClickHouse 18.16 has no query parameters,
/// so every query built from input goes through these functions, never through concatenation.
/// </summary>
public static class Sql
{
    /// <summary>A single-quoted string literal with backslash, quote and control characters escaped.</summary>
    public static string String(string value)
    {
        var builder = new StringBuilder(value.Length + 2);
        builder.Append('\'');
        foreach (var c in value)
        {
            switch (c)
            {
                case '\\': builder.Append(@"\\"); break;
                case '\'': builder.Append(@"\'"); break;
                case '\n': builder.Append(@"\n"); break;
                case '\r': builder.Append(@"\r"); break;
                case '\t': builder.Append(@"\t"); break;
                case '\0': builder.Append(@"\0"); break;
                case '\b': builder.Append(@"\b"); break;
                case '\f': builder.Append(@"\f"); break;
                default: builder.Append(c); break;
            }
        }

        return builder.Append('\'').ToString();
    }

    /// <summary>A DateTime literal from Unix seconds, independent of the server's time zone.</summary>
    public static string DateTime(DateTimeOffset value) =>
        "toDateTime(" + value.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture) + ")";

    public static string Integer(long value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>A back-quoted identifier; only plain names are accepted.</summary>
    public static string Identifier(string name)
    {
        if (name.Length == 0 || name.Length > 128 || !(char.IsAsciiLetter(name[0]) || name[0] == '_')
            || !name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
        {
            throw new ArgumentException($"'{name}' is not a plain identifier.", nameof(name));
        }

        return "`" + name + "`";
    }
}
