using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using System.Web;

namespace Streaming.ClickHouse.Tests.Chdb;

/// <summary>
/// ClickHouse's HTTP interface, as far as <see cref="ClickHouseClient"/> uses it, answered by chDB in this process: a
/// statement in the body, or <c>query=INSERT ... FORMAT f</c> with the data in the body; <c>database=</c> and settings
/// in the query string; errors as a 500 with ClickHouse's text. So the fleet's own client, migrator and RowBinary
/// layouts run unchanged against ClickHouse 26.x.
/// </summary>
internal sealed partial class ChdbHttpHandler(ChdbSession session) : HttpMessageHandler
{
    // One statement at a time on the connection, and each request's USE and SETs go with its statement.
    private readonly SemaphoreSlim gate = new(1, 1);

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var parameters = HttpUtility.ParseQueryString(request.RequestUri?.Query ?? "");
        var body = request.Content is null ? [] : await request.Content.ReadAsByteArrayAsync(cancellationToken);
        await gate.WaitAsync(cancellationToken);
        try
        {
            return await Task.Run(() => Answer(parameters.AllKeys.OfType<string>().ToDictionary(k => k, k => parameters[k] ?? ""), body), cancellationToken);
        }
        finally
        {
            gate.Release();
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            gate.Dispose();
        }

        base.Dispose(disposing);
    }

    private HttpResponseMessage Answer(Dictionary<string, string> parameters, byte[] body)
    {
        try
        {
            // Without database= the server's default database applies, whatever an earlier request chose.
            session.Query("USE " + Sql.Identifier(parameters.GetValueOrDefault("database", "default")));
            foreach (var (name, value) in parameters.Where(p => p.Key is not ("database" or "query")))
            {
                session.Query($"SET {Sql.Identifier(name)} = {Sql.String(value)}");
            }

            if (parameters.TryGetValue("query", out var query))
            {
                var insert = InsertWithFormat().Match(query);
                if (!insert.Success)
                {
                    throw new ChdbException("This stand-in for the HTTP interface takes only INSERT ... FORMAT f in query=.", query);
                }

                session.Insert(insert.Groups["insert"].Value, insert.Groups["format"].Value, body);
                return new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent([]) };
            }

            // TabSeparated is what the server answers in when the statement names no format.
            return new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(session.Query(Encoding.UTF8.GetString(body))) };
        }
        catch (ChdbException ex)
        {
            return new HttpResponseMessage(HttpStatusCode.InternalServerError) { Content = new StringContent(ex.EngineText) };
        }
    }

    [GeneratedRegex(@"^\s*(?<insert>INSERT\s+INTO\s.+?)\s+FORMAT\s+(?<format>[A-Za-z]+)\s*$", RegexOptions.Singleline | RegexOptions.IgnoreCase)]
    private static partial Regex InsertWithFormat();
}
