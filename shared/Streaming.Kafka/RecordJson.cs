using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Streaming.Kafka;

/// <summary>Reads a record's JSON value, or says why it cannot be read (the reason goes to the dead-letter topic).</summary>
public static class RecordJson
{
    public static bool TryRead<T>(byte[]? value, JsonTypeInfo<T> type, [NotNullWhen(true)] out T? result, [NotNullWhen(false)] out string? reason)
        where T : class
    {
        result = null;
        try
        {
            result = value is null ? null : JsonSerializer.Deserialize(value, type);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or NotSupportedException or ArgumentException or FormatException or OverflowException)
        {
            // Besides JsonException: strings with invalid UTF-8 or a lone surrogate, values a converter refuses.
            reason = $"not a valid {type.Type.Name}: {ex.Message}";
            return false;
        }

        reason = result is null ? "empty record" : null;
        return result is not null;
    }

    /// <summary>Reads the value, then refuses it if <paramref name="problem"/> names one (e.g. a required field that is empty).</summary>
    public static bool TryRead<T>(byte[]? value, JsonTypeInfo<T> type, Func<T, string?> problem, [NotNullWhen(true)] out T? result, [NotNullWhen(false)] out string? reason)
        where T : class
    {
        if (!TryRead(value, type, out result, out reason))
        {
            return false;
        }

        reason = problem(result);
        if (reason is null)
        {
            return true;
        }

        result = null;
        return false;
    }
}
