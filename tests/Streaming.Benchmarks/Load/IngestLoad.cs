using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Streaming.DevHost.Simulation;
using Streaming.Events;

namespace Streaming.Benchmarks.Load;

/// <summary>What the load generator has sent so far, in events.</summary>
internal readonly record struct IngestCounters(long Sent, long Accepted, long Failed);

/// <summary>
/// Posts the demo's simulated traffic (sessions, skewed product popularity, bookings; events stamped with the wall
/// clock) to ingest at an asked rate, in batches of up to 1,000 events, over several keep-alive connections (32 by default): ingest
/// answers once Kafka acknowledged a batch, so a few connections would cap the rate at a few batches per round trip.
/// Batches are due on a schedule; a worker that finds its batch overdue sends at once, so a slow ingest shows as a
/// lower achieved rate rather than as a queue in this process (more than 1 s of arrears is forgiven).
/// </summary>
internal sealed class IngestLoad : IAsyncDisposable
{
    public const int MaxBatch = 1_000;
    private static readonly MediaTypeHeaderValue Json = new("application/json");
    private readonly HttpClient http;
    private readonly Lock gate = new();
    private readonly Stopwatch clock = Stopwatch.StartNew();
    private readonly CancellationTokenSource stop = new();
    private readonly Task[] workers;
    private List<double> latencies = [];
    private double rate;
    private double nextDue;
    private long sent;
    private long accepted;
    private long failed;

    public IngestLoad(string ingestUrl, string apiKey, int connections)
    {
        http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = connections, PooledConnectionLifetime = Timeout.InfiniteTimeSpan })
        {
            BaseAddress = new Uri(ingestUrl),
            Timeout = TimeSpan.FromSeconds(10),
        };
        http.DefaultRequestHeaders.Add("X-Api-Key", apiKey);
        var catalog = new Catalog(seed: 1);
        workers = [.. Enumerable.Range(0, connections).Select(i => Task.Run(() => WorkAsync(new TrafficGenerator(catalog, seed: 100 + i))))];
    }

    /// <summary>Failed requests by what happened: the status code, "timeout" or "no connection".</summary>
    public ConcurrentDictionary<string, int> Failures { get; } = new();

    public IngestCounters Counters => new(Interlocked.Read(ref sent), Interlocked.Read(ref accepted), Interlocked.Read(ref failed));

    /// <summary>Events per request at a rate: about 20 requests a second, 100 to 1,000 events each.</summary>
    public static int BatchSize(double eventsPerSecond) => (int)Math.Clamp(eventsPerSecond / 20, Math.Min(100, eventsPerSecond), MaxBatch);

    /// <summary>From now on, this many events a second; 0 stops sending.</summary>
    public void SetRate(double eventsPerSecond)
    {
        lock (gate)
        {
            rate = eventsPerSecond;
            nextDue = clock.Elapsed.TotalSeconds;
        }
    }

    /// <summary>Request latencies (ms) since the last call.</summary>
    public List<double> TakeLatencies()
    {
        lock (gate)
        {
            var taken = latencies;
            latencies = [];
            return taken;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        await Task.WhenAll(workers);
        http.Dispose();
        stop.Dispose();
    }

    private (int Batch, double Due) NextBatch()
    {
        lock (gate)
        {
            var now = clock.Elapsed.TotalSeconds;
            if (rate <= 0)
            {
                return (0, now + 0.05);
            }

            var batch = BatchSize(rate);
            var due = Math.Max(nextDue, now - 1);
            nextDue = due + (batch / rate);
            return (batch, due);
        }
    }

    private async Task WorkAsync(TrafficGenerator generator)
    {
        while (!stop.IsCancellationRequested)
        {
            var (batch, due) = NextBatch();
            var wait = due - clock.Elapsed.TotalSeconds;
            try
            {
                if (wait > 0)
                {
                    await Task.Delay(TimeSpan.FromSeconds(wait), stop.Token);
                }

                if (batch > 0)
                {
                    await PostAsync(generator, batch);
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
        }
    }

    private async Task PostAsync(TrafficGenerator generator, int batch)
    {
        var events = generator.Next(batch, DateTimeOffset.UtcNow);
        if (events.Count > batch)
        {
            events.RemoveRange(batch, events.Count - batch); // a session step may add a second event
        }

        using var content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(events, EventJsonContext.Default.ListIncomingEvent));
        content.Headers.ContentType = Json;
        Interlocked.Add(ref sent, batch);
        var started = clock.Elapsed;
        string? failure;
        try
        {
            using var response = await http.PostAsync("/v1/events", content, stop.Token);
            failure = response.StatusCode == HttpStatusCode.Accepted ? null : ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture);
        }
        catch (HttpRequestException)
        {
            failure = "no connection";
        }
        catch (TaskCanceledException) when (!stop.IsCancellationRequested)
        {
            failure = "timeout";
        }

        Interlocked.Add(ref failure is null ? ref accepted : ref failed, batch);
        if (failure is not null)
        {
            Failures.AddOrUpdate(failure, 1, (_, n) => n + 1);
        }

        lock (gate)
        {
            latencies.Add((clock.Elapsed - started).TotalMilliseconds);
        }
    }
}
