using System.Diagnostics;
using System.Text;
using Confluent.Kafka;

namespace Streaming.Kafka.Telemetry;

/// <summary>
/// W3C trace context (<c>traceparent</c>, <c>tracestate</c>) in record headers, written and read through the process's
/// <see cref="DistributedContextPropagator"/> (the one ASP.NET Core and HttpClient use).
/// </summary>
internal static class TraceHeaders
{
    public const string TraceParent = "traceparent";
    public const string TraceState = "tracestate";

    /// <summary>The headers that carry <paramref name="activity"/>'s context, encoded once (they are shared by every record sent under it).</summary>
    public static IReadOnlyList<(string Key, byte[] Value)> Encode(Activity activity)
    {
        var fields = new List<(string, byte[])>(2);
        DistributedContextPropagator.Current.Inject(activity, fields, static (carrier, key, value) =>
        {
            if (carrier is List<(string, byte[])> list && value is not null)
            {
                list.Add((key, Encoding.UTF8.GetBytes(value)));
            }
        });
        return fields;
    }

    /// <summary>The producer's context a record carries, if any.</summary>
    public static bool TryExtract(Headers? headers, out ActivityContext context)
    {
        context = default;
        if (headers is null || headers.Count == 0)
        {
            return false;
        }

        DistributedContextPropagator.Current.ExtractTraceIdAndState(headers, static (object? carrier, string name, out string? value, out IEnumerable<string>? values) =>
        {
            values = null;
            value = carrier is Headers h && h.TryGetLastBytes(name, out var bytes) ? Encoding.UTF8.GetString(bytes) : null;
        }, out var traceParent, out var traceState);
        return traceParent is not null && ActivityContext.TryParse(traceParent, traceState, isRemote: true, out context);
    }

    /// <summary>The raw traceparent bytes, to tell records of one producer span apart from the next without parsing.</summary>
    public static bool TryGetTraceParent(Headers? headers, out byte[] traceParent)
    {
        traceParent = [];
        return headers is not null && headers.Count > 0 && headers.TryGetLastBytes(TraceParent, out traceParent);
    }
}
