using System.Collections.Concurrent;
using System.Text.Json;

namespace Streaming.Benchmarks.Widgets;

/// <summary>
/// Many subscribers of /v1/products/{id}/live/stream, subscriber i on product i mod products. Each reads the events'
/// bookings_last_24h; a round is seen by a subscriber when that count reaches the round's number.
/// </summary>
internal sealed class SseFanOut(HttpClient gateway, int subscribers, int products)
{
    private readonly TaskCompletionSource connected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int connectedCount;
    private Round? current;

    public Task AllConnected => connected.Task;

    public List<Task> Start(CancellationToken cancellationToken) =>
        [.. Enumerable.Range(0, subscribers).Select(i => Task.Run(() => ReadAsync(WidgetTraffic.Product(i % products), cancellationToken), cancellationToken))];

    /// <summary>From now on, count subscribers whose product shows at least <paramref name="bookings"/> bookings.</summary>
    public Round ExpectBookings(int bookings) => current = new Round(bookings, subscribers);

    private async Task ReadAsync(string product, CancellationToken cancellationToken)
    {
        var seenRound = 0;
        var first = true;
        try
        {
            using var response = await gateway.GetAsync($"/v1/products/{product}/live/stream", HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            response.EnsureSuccessStatusCode();
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken));
            while (await reader.ReadLineAsync(cancellationToken) is { } line)
            {
                if (!line.StartsWith("data:", StringComparison.Ordinal))
                {
                    continue;
                }

                var at = DateTimeOffset.UtcNow;
                if (first)
                {
                    first = false;
                    if (Interlocked.Increment(ref connectedCount) == subscribers)
                    {
                        connected.TrySetResult();
                    }
                }

                var bookings = JsonDocument.Parse(line.AsMemory(5)).RootElement.GetProperty("bookings_last_24h").GetInt64();
                if (current is { } round && bookings >= round.Bookings && seenRound < round.Bookings)
                {
                    seenRound = round.Bookings;
                    round.Seen(product, at);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The benchmark is over.
        }
        catch (Exception e) when (e is HttpRequestException or IOException)
        {
            connected.TrySetException(new InvalidOperationException($"The stream of {product} failed: {e.Message}", e));
        }
    }

    internal sealed class Round(int bookings, int subscribers)
    {
        private readonly ConcurrentBag<(string Product, DateTimeOffset At)> arrivals = [];
        private readonly TaskCompletionSource all = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int Bookings => bookings;

        public void Seen(string product, DateTimeOffset at)
        {
            arrivals.Add((product, at));
            if (arrivals.Count >= subscribers)
            {
                all.TrySetResult();
            }
        }

        /// <summary>Each subscriber's product and arrival time, and how many subscribers did not see the round in time.</summary>
        public async Task<(List<(string Product, DateTimeOffset At)> Received, int Late)> WaitAsync(TimeSpan timeout)
        {
            await Task.WhenAny(all.Task, Task.Delay(timeout));
            var received = arrivals.ToList();
            return (received, subscribers - received.Count);
        }
    }
}
