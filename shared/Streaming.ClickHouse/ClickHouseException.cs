namespace Streaming.ClickHouse;

/// <summary>An error answered by ClickHouse, with its own text (e.g. "Code: 47, ... Unknown identifier").</summary>
public sealed class ClickHouseException(int statusCode, string serverText, string query)
    : Exception($"ClickHouse answered {statusCode}: {serverText.Trim()} (query: {Shorten(query)})")
{
    public int StatusCode { get; } = statusCode;

    public string ServerText { get; } = serverText;

    private static string Shorten(string query) => query.Length > 200 ? query[..200] + "…" : query;
}
