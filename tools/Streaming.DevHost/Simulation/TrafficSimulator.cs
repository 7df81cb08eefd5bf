using System.Net.Http.Json;
using Streaming.Events;

namespace Streaming.DevHost.Simulation;

/// <summary>Posts generated traffic to the ingest gateway at a steady rate, in batches, and counts the outcome.</summary>
public sealed class TrafficSimulator(string ingestUrl, string apiKey, int eventsPerSecond, int seed, TimeProvider clock)
{
    private const int TicksPerSecond = 5;
    private long accepted;
    private long rejected;

    public long Accepted => Interlocked.Read(ref accepted);

    public long Rejected => Interlocked.Read(ref rejected);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var generator = new TrafficGenerator(new Catalog(seed), seed);
        using var http = new HttpClient { BaseAddress = new Uri(ingestUrl), Timeout = TimeSpan.FromSeconds(10) };
        http.DefaultRequestHeaders.Add("X-Api-Key", apiKey);
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1.0 / TicksPerSecond), clock);
        var perTick = Math.Max(1, eventsPerSecond / TicksPerSecond);
        while (await timer.WaitForNextTickAsync(cancellationToken))
        {
            var batch = generator.Next(perTick, clock.GetUtcNow());
            try
            {
                using var response = await http.PostAsJsonAsync("/v1/events", batch, EventJsonContext.Default.ListIncomingEvent, cancellationToken);
                Interlocked.Add(ref response.IsSuccessStatusCode ? ref accepted : ref rejected, batch.Count);
            }
            catch (HttpRequestException)
            {
                Interlocked.Add(ref rejected, batch.Count);
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                Interlocked.Add(ref rejected, batch.Count);
            }
        }
    }
}
