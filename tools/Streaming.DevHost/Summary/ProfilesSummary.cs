using System.Globalization;
using System.Text.Json;
using Streaming.DevHost.Fleet;

namespace Streaming.DevHost.Summary;

/// <summary>One silo's /v1/profiles/status as the summary needs it; null when the silo did not answer.</summary>
public sealed record SiloStatus(long ProductsLive, long EventsApplied, long ConsumerLag);

/// <summary>
/// The summary line's profiles segment, from each silo's GET /v1/profiles/status: products live (activations summed
/// over the silos), events applied since each silo started, and the consumer lag of product-events (summed; "?" until
/// a silo has sampled it). A silo that does not answer is named, not fatal.
/// </summary>
public static class ProfilesSummary
{
    public const string StatusPath = "/v1/profiles/status";

    /// <summary>The status of every silo of <paramref name="fleet"/>, by service name, null for one that did not answer.</summary>
    public static async Task<IReadOnlyList<(string Silo, SiloStatus? Status)>> ReadAsync(LocalFleet fleet, HttpClient http, CancellationToken cancellationToken)
    {
        var silos = fleet.Services.Where(s => s.Name.StartsWith(LocalFleet.Profiles, StringComparison.Ordinal)).ToList();
        var statuses = await Task.WhenAll(silos.Select(s => ReadAsync(http, s.Url, cancellationToken)));
        return [.. silos.Select((s, i) => (s.Name, statuses[i]))];
    }

    public static async Task<SiloStatus?> ReadAsync(HttpClient http, string siloUrl, CancellationToken cancellationToken)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(2));
            using var status = JsonDocument.Parse(await http.GetStringAsync(siloUrl + StatusPath, timeout.Token));
            var root = status.RootElement;
            return new SiloStatus(root.GetProperty("products_live").GetInt64(), root.GetProperty("events_applied").GetInt64(), root.GetProperty("consumer_lag").GetInt64());
        }
        catch (Exception ex) when (ex is HttpRequestException or JsonException or KeyNotFoundException or InvalidOperationException or FormatException
                                       or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }

    /// <summary>"profiles 1,234 live, 40,000 applied, lag 12" and, for silos that did not answer, "(Profiles-2 down)".</summary>
    public static string Format(IReadOnlyList<(string Silo, SiloStatus? Status)> silos)
    {
        if (silos.Count == 0)
        {
            return "profiles: no silos";
        }

        var up = silos.Where(s => s.Status is not null).Select(s => s.Status!).ToList();
        var down = silos.Where(s => s.Status is null).Select(s => s.Silo.Replace("Streaming.", "", StringComparison.Ordinal)).ToList();
        var note = down.Count == 0 ? "" : $" ({string.Join(",", down)} down)";
        if (up.Count == 0)
        {
            return "profiles ?" + note;
        }

        var lags = up.Where(s => s.ConsumerLag >= 0).Select(s => s.ConsumerLag).ToList();
        var lag = lags.Count == 0 ? "?" : lags.Sum().ToString("N0", CultureInfo.InvariantCulture);
        return string.Create(CultureInfo.InvariantCulture,
            $"profiles {up.Sum(s => s.ProductsLive):N0} live, {up.Sum(s => s.EventsApplied):N0} applied, lag {lag}{note}");
    }
}
