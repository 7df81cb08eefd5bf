using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Streaming.Gateway.Tests;

/// <summary>
/// An HTTP/1.1 request written byte for byte (HttpClient adds headers of its own, so a head of an exact size needs a
/// socket), and its answer read to the end of the connection: the request should say "Connection: close".
/// </summary>
public static class RawHttp
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    public static async Task<RawResponse> SendAsync(Uri server, string head)
    {
        using var timeout = new CancellationTokenSource(Timeout);
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(server.Host, server.Port, timeout.Token);
        var stream = tcp.GetStream();
        using var answer = new MemoryStream();
        try
        {
            await stream.WriteAsync(Encoding.ASCII.GetBytes(head), timeout.Token);
            await stream.CopyToAsync(answer, timeout.Token);
        }
        catch (IOException) when (answer.Length > 0)
        {
            // A server that refuses a head closes the connection with some of it unread, which may reset it after the answer.
        }

        return RawResponse.Parse(Encoding.ASCII.GetString(answer.ToArray()));
    }
}

/// <summary>The status, content type and body (chunks joined) of an HTTP/1.1 answer.</summary>
public sealed record RawResponse(HttpStatusCode Status, string? MediaType, string Body)
{
    public static RawResponse Parse(string answer)
    {
        var endOfHead = answer.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        Assert.True(endOfHead > 0, $"No complete answer: '{answer}'");
        var lines = answer[..endOfHead].Split("\r\n");
        var status = (HttpStatusCode)int.Parse(lines[0].Split(' ')[1], CultureInfo.InvariantCulture);
        var headers = lines.Skip(1).Select(l => l.Split(':', 2)).ToDictionary(h => h[0].Trim(), h => h[1].Trim(), StringComparer.OrdinalIgnoreCase);
        var body = answer[(endOfHead + 4)..];
        if (headers.TryGetValue("Transfer-Encoding", out var encoding) && encoding == "chunked")
        {
            body = Unchunk(body);
        }

        return new RawResponse(status, headers.TryGetValue("Content-Type", out var type) ? type.Split(';')[0] : null, body);
    }

    private static string Unchunk(string chunked)
    {
        var body = new StringBuilder();
        var at = 0;
        while (true)
        {
            var endOfSize = chunked.IndexOf("\r\n", at, StringComparison.Ordinal);
            var size = int.Parse(chunked[at..endOfSize], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            if (size == 0)
            {
                return body.ToString();
            }

            body.Append(chunked, endOfSize + 2, size);
            at = endOfSize + 2 + size + 2;
        }
    }
}
