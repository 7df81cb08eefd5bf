using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Streaming.ServiceDefaults.Clients;

/// <summary>What a configured key must be, and its SHA-256 digest, the only form the fleet keeps and compares.</summary>
public static class ApiKeyRules
{
    public const int MinLength = 32;
    public const string HashPrefix = "sha256:";
    public const int DigestBytes = 32;

    /// <summary>Words that mark a value someone forgot to replace (compared in lower case, letters and digits only).</summary>
    private static readonly string[] PlaceholderWords =
        ["changeme", "replaceme", "placeholder", "yourkey", "yourapikey", "apikeyhere", "keyhere", "insertkey", "example", "dummy", "notset", "redacted"];

    /// <summary>Fewer distinct characters than this ("aaaa…", "0000…") is a filler, not a secret.</summary>
    private const int MinDistinctCharacters = 6;

    /// <summary>Why <paramref name="key"/> is refused, said after the setting's name; null when it is acceptable. Never quotes the key.</summary>
    public static string? Problem(string? key)
    {
        if (string.IsNullOrWhiteSpace(key))
        {
            return "is blank";
        }

        if (key.StartsWith(HashPrefix, StringComparison.OrdinalIgnoreCase))
        {
            var hex = key.AsSpan(HashPrefix.Length);
            return hex.Length == 2 * DigestBytes && IsHex(hex) ? null : $"is not a SHA-256 hash: {HashPrefix} must be followed by 64 hex digits";
        }

        foreach (var c in key)
        {
            // HTTP trims a header value and carries visible ASCII only: such a key could never be presented.
            if (c is < '!' or > '~')
            {
                return "contains a space, a control or a non-ASCII character, which an X-Api-Key header cannot carry";
            }
        }

        if (key.Length < MinLength)
        {
            return string.Create(CultureInfo.InvariantCulture, $"is shorter than {MinLength} characters");
        }

        return IsPlaceholder(key) ? "is a placeholder (CHANGE-ME and the like); generate a key, e.g. openssl rand -base64 32" : null;
    }

    public static bool IsPlaceholder(string key)
    {
        var letters = new string([.. key.Where(char.IsAsciiLetterOrDigit).Select(char.ToLowerInvariant)]);
        return PlaceholderWords.Any(w => letters.Contains(w, StringComparison.Ordinal)) || key.Distinct().Count() < MinDistinctCharacters;
    }

    /// <summary>The digest of a configured key that <see cref="Problem"/> accepted: hashed, or decoded from sha256:hex.</summary>
    public static byte[] ConfiguredDigest(string key) =>
        key.StartsWith(HashPrefix, StringComparison.OrdinalIgnoreCase) ? Convert.FromHexString(key.AsSpan(HashPrefix.Length)) : SHA256.HashData(Encoding.UTF8.GetBytes(key));

    /// <summary>The digest of a presented key; every presented key costs one hash, whatever its length or content.</summary>
    public static void PresentedDigest(ReadOnlySpan<char> key, Span<byte> digest)
    {
        const int StackLimit = 512;
        var length = Encoding.UTF8.GetMaxByteCount(key.Length);
        var bytes = length <= StackLimit ? stackalloc byte[StackLimit] : new byte[length];
        var written = Encoding.UTF8.GetBytes(key, bytes);
        SHA256.HashData(bytes[..written], digest);
    }

    private static bool IsHex(ReadOnlySpan<char> text)
    {
        foreach (var c in text)
        {
            if (!char.IsAsciiHexDigit(c))
            {
                return false;
            }
        }

        return true;
    }
}
