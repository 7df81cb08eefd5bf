using System.Globalization;
using Streaming.DevHost.Fleet;

namespace Streaming.DevHost.Chaos;

/// <summary>One process's resources at one moment (GC heap only for the .NET services, from their /metrics).</summary>
public sealed record SoakSample(DateTimeOffset At, string Process, int Pid, long RssBytes, long? GcHeapBytes, int Threads, int OpenFiles);

/// <summary>How one resource of one process moved over the campaign: its last value and its least-squares slope per hour.</summary>
public sealed record SoakSlope(string Process, string Resource, double Last, double PerHour, int Samples);

/// <summary>
/// Every <paramref name="interval"/>, each service's and local server's resident memory, threads and open file
/// descriptors (from /proc), and each service's GC heap (the runtime's last-collection heap size on its /metrics),
/// appended to a CSV file; at the end, each resource's slope per hour over the process's last incarnation.
/// </summary>
public sealed class SoakSampler(LocalFleet fleet, string csvFile, TimeSpan interval)
{
    /// <summary>The runtime meter's heap size after the last collection, one series per generation (summed).</summary>
    private static readonly string[] GcHeapSeries = ["dotnet_gc_last_collection_heap_size_bytes", "process_runtime_dotnet_gc_heap_size_bytes"];

    private readonly List<SoakSample> samples = [];
    private readonly Lock gate = new();

    public IReadOnlyList<SoakSample> Samples
    {
        get
        {
            lock (gate)
            {
                return [.. samples];
            }
        }
    }

    public async Task RunAsync(CancellationToken stop)
    {
        await File.WriteAllTextAsync(csvFile, "time_utc,process,pid,rss_bytes,gc_heap_bytes,threads,open_fds\n", stop);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        using var timer = new PeriodicTimer(interval);
        try
        {
            do
            {
                var now = DateTimeOffset.UtcNow;
                var processes = fleet.Services.Where(s => !s.HasExited).Select(s => (Name: LocalFleet.ShortName(s.Name), Pid: (int?)s.ProcessId, Url: (string?)s.Url))
                    .Append(("ClickHouse", fleet.ClickHouse.ProcessId, null))
                    .Append(("Redis", fleet.Redis.ProcessId, null))
                    .Where(p => p.Pid is not null)
                    .ToList();
                var read = await Task.WhenAll(processes.Select(p => SampleAsync(http, now, p.Name, p.Pid!.Value, p.Url, stop)));
                var taken = read.OfType<SoakSample>().ToList();
                lock (gate)
                {
                    samples.AddRange(taken);
                }

                await File.AppendAllTextAsync(csvFile, string.Concat(taken.Select(s => string.Create(CultureInfo.InvariantCulture,
                    $"{s.At:O},{s.Process},{s.Pid},{s.RssBytes},{s.GcHeapBytes},{s.Threads},{s.OpenFiles}\n"))), stop);
            }
            while (await timer.WaitForNextTickAsync(stop));
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // The campaign is over.
        }
    }

    /// <summary>
    /// Per process and resource, the slope per hour over the samples of its last incarnation (the pid it had last),
    /// leaving out its first minute (start-up); null when fewer than three samples remain.
    /// </summary>
    public IReadOnlyList<SoakSlope> Slopes()
    {
        var slopes = new List<SoakSlope>();
        foreach (var process in Samples.GroupBy(s => s.Process))
        {
            var lastPid = process.Last().Pid;
            var incarnation = process.Where(s => s.Pid == lastPid).ToList();
            var steady = incarnation.Where(s => s.At >= incarnation[0].At.AddMinutes(1)).ToList();
            if (steady.Count < 3)
            {
                continue;
            }

            void Add(string resource, Func<SoakSample, double?> value)
            {
                var points = steady.Where(s => value(s) is not null).Select(s => ((s.At - steady[0].At).TotalHours, value(s)!.Value)).ToList();
                if (points.Count >= 3)
                {
                    slopes.Add(new SoakSlope(process.Key, resource, points[^1].Value, Slope(points), points.Count));
                }
            }

            Add("rss_mb", s => s.RssBytes / 1048576.0);
            Add("gc_heap_mb", s => s.GcHeapBytes / 1048576.0);
            Add("threads", s => s.Threads);
            Add("open_fds", s => s.OpenFiles);
        }

        return slopes;
    }

    /// <summary>Least squares: the change of y per unit of x.</summary>
    public static double Slope(IReadOnlyList<(double X, double Y)> points)
    {
        var meanX = points.Average(p => p.X);
        var meanY = points.Average(p => p.Y);
        var spread = points.Sum(p => (p.X - meanX) * (p.X - meanX));
        return spread == 0 ? 0 : points.Sum(p => (p.X - meanX) * (p.Y - meanY)) / spread;
    }

    private static async Task<SoakSample?> SampleAsync(HttpClient http, DateTimeOffset at, string name, int pid, string? url, CancellationToken stop)
    {
        try
        {
            long rss = 0;
            var threads = 0;
            foreach (var line in await File.ReadAllLinesAsync($"/proc/{pid}/status", stop))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    rss = long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
                }
                else if (line.StartsWith("Threads:", StringComparison.Ordinal))
                {
                    threads = int.Parse(line["Threads:".Length..].Trim(), CultureInfo.InvariantCulture);
                }
            }

            var files = Directory.GetFileSystemEntries($"/proc/{pid}/fd").Length;
            var heap = url is null ? null : await GcHeapAsync(http, url, stop);
            return new SoakSample(at, name, pid, rss, heap, threads, files);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException)
        {
            // The process ended between the listing and the reading.
            return null;
        }
    }

    private static async Task<long?> GcHeapAsync(HttpClient http, string url, CancellationToken stop)
    {
        try
        {
            var page = await http.GetStringAsync(url + "/metrics", stop);
            foreach (var series in GcHeapSeries)
            {
                // "name{labels} value [timestamp]" or "name value [timestamp]".
                var values = page.Split('\n').Where(l => l.StartsWith(series + "{", StringComparison.Ordinal) || l.StartsWith(series + " ", StringComparison.Ordinal))
                    .Select(l => double.Parse(l[(l.Contains('}', StringComparison.Ordinal) ? l.LastIndexOf('}') + 1 : series.Length)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture))
                    .ToList();
                if (values.Count > 0)
                {
                    return (long)values.Sum();
                }
            }

            return null;
        }
        catch (Exception ex) when (ex is HttpRequestException or FormatException or TaskCanceledException && !stop.IsCancellationRequested)
        {
            return null;
        }
    }
}
