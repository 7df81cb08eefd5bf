using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Net.Http.Headers;

namespace Streaming.ServiceDefaults.RequestHead;

/// <summary>
/// The documented bounds of a request's head (request line and headers, docs/security.md "Input bounds"). Kestrel
/// refuses a head over its own limits before any middleware runs, with no hook for the body, so its 414 and 431 are
/// empty. Its limits therefore sit at <see cref="KestrelHeadroom"/> times these, and <see cref="RequestHeadLimitsMiddleware"/>
/// enforces these with problem+json. Both are measured as Kestrel measures an HTTP/1.1 request, so the documented
/// limits refuse exactly what Kestrel refused when its limits were these.
/// </summary>
public static class RequestHeadLimits
{
    /// <summary>The request line as sent: method, space, target (path and query, as sent), space, version, CRLF.</summary>
    public const int MaxRequestLineBytes = 8 * 1024;

    /// <summary>All header lines as sent, "name: value" and CRLF each (the blank line that ends them is not counted).</summary>
    public const int MaxHeadersBytes = 32 * 1024;

    /// <summary>Header lines: a header sent twice counts twice.</summary>
    public const int MaxHeaderCount = 100;

    /// <summary>
    /// Kestrel's limits over the documented ones. Four times leaves room for the usual mistakes (a URL built from a long
    /// list, a cookie that grew) to get an answer that says what was wrong; a head beyond it is abuse or a broken client.
    /// Kestrel holds a head in the connection's input buffer until it is parsed: at most (32 + 128) KiB a connection,
    /// within <see cref="MaxRequestBufferBytes"/>, and the strings made of it.
    /// </summary>
    public const int KestrelHeadroom = 4;

    /// <summary>Kestrel's bound on a connection's unread input (its default, pinned with the limits above).</summary>
    public const int MaxRequestBufferBytes = 1024 * 1024;

    /// <summary>"name: value" and CRLF around a header's name and value.</summary>
    private const int HeaderLineOverhead = 4;

    /// <summary>The two spaces and CRLF around a request line's method, target and version.</summary>
    private const int RequestLineOverhead = 4;

    internal static void RaiseKestrelLimits(KestrelServerLimits limits)
    {
        limits.MaxRequestLineSize = KestrelHeadroom * MaxRequestLineBytes;
        limits.MaxRequestHeadersTotalSize = KestrelHeadroom * MaxHeadersBytes;
        limits.MaxRequestHeaderCount = KestrelHeadroom * MaxHeaderCount;
        limits.MaxRequestBufferSize = MaxRequestBufferBytes;
    }

    /// <summary>
    /// The request line's bytes as Kestrel counts them for HTTP/1.1. For HTTP/2 and 3, which have no request line, the
    /// same sum of method, :path and version. Kestrel takes the target as ASCII only, so its characters are its bytes.
    /// </summary>
    public static int RequestLineBytes(HttpContext http)
    {
        var request = http.Request;
        var rawTarget = http.Features.Get<IHttpRequestFeature>()?.RawTarget;
        // A server that does not keep the target as sent (the test server) gets the decoded one.
        var targetLength = string.IsNullOrEmpty(rawTarget)
            ? (request.PathBase.Value?.Length ?? 0) + (request.Path.Value?.Length ?? 0) + (request.QueryString.Value?.Length ?? 0)
            : rawTarget.Length;
        return request.Method.Length + targetLength + request.Protocol.Length + RequestLineOverhead;
    }

    /// <summary>
    /// The header lines and their bytes as Kestrel counts them for HTTP/1.1 (with one space after the colon; Kestrel also
    /// counts any extra whitespace around a value, which it then drops). Values are UTF-8 or ASCII (Kestrel's default
    /// decoding), so their bytes are their UTF-8 length. For HTTP/2 and 3 the same measure, not Kestrel's.
    /// </summary>
    public static (long Bytes, int Count) HeaderSize(HttpRequest request)
    {
        // Kestrel keeps Content-Length as a number and its enumerator makes a new string of it each time: the header is
        // taken out while the others are counted and counted from its number, so that measuring allocates nothing.
        var contentLength = request.ContentLength;
        long bytes = 0;
        var count = 0;
        if (contentLength is { } length)
        {
            bytes = HeaderNames.ContentLength.Length + DecimalDigits(length) + HeaderLineOverhead;
            count = 1;
            request.ContentLength = null;
        }

        try
        {
            foreach (var (name, values) in request.Headers)
            {
                foreach (var value in values)
                {
                    bytes += name.Length + (value is null ? 0 : Encoding.UTF8.GetByteCount(value)) + HeaderLineOverhead;
                    count++;
                }
            }
        }
        finally
        {
            if (contentLength is not null)
            {
                request.ContentLength = contentLength;
            }
        }

        return (bytes, count);
    }

    private static int DecimalDigits(long value)
    {
        var digits = 1;
        while (value >= 10)
        {
            value /= 10;
            digits++;
        }

        return digits;
    }

    /// <summary>The status, title and detail of the refusal of <paramref name="http"/>'s head, or null when it is within bounds.</summary>
    public static (int Status, string Title, string Detail)? Refusal(HttpContext http)
    {
        var line = RequestLineBytes(http);
        if (line > MaxRequestLineBytes)
        {
            return (StatusCodes.Status414UriTooLong, "Request line too long", Invariant(
                $"The request line (method, path with query string, version) is {line:N0} bytes, more than {MaxRequestLineBytes:N0}; send a shorter URL."));
        }

        var (bytes, count) = HeaderSize(http.Request);
        if (count > MaxHeaderCount)
        {
            return (StatusCodes.Status431RequestHeaderFieldsTooLarge, "Too many request headers", Invariant(
                $"The request has {count:N0} header lines, more than {MaxHeaderCount:N0}."));
        }

        if (bytes > MaxHeadersBytes)
        {
            return (StatusCodes.Status431RequestHeaderFieldsTooLarge, "Request headers too large", Invariant(
                $"The request headers are {bytes:N0} bytes together, more than {MaxHeadersBytes:N0}."));
        }

        return null;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
