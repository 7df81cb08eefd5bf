using System.Net.Http.Json;
using Streaming.Events;

namespace Streaming.DevHost.Simulation;

/// <summary>
/// Posts generated traffic to the ingest gateway at a steady rate, in batches, and counts the outcome. A rate of 0 sends
/// nothing. With <paramref name="bookingChanges"/> (CDC mode) the bookings are not posted: they become rows of a
/// simulated bookings table whose change events go to the CDC topic, after a snapshot of the rows seeded at start.
/// With <paramref name="truth"/> (`./run chaos`) it behaves as an app that must not lose events: a batch that is not
/// accepted (no answer, 5xx, 429) is posted again, the same events, until it is, and each accepted batch is reported to
/// <paramref name="truth"/>; once <see cref="RunAsync"/> is cancelled, the batch in hand is still posted (for up to
/// <see cref="DrainTimeout"/>), so that whatever ingest may have taken is in the truth.
/// </summary>
public sealed class TrafficSimulator(
    string ingestUrl, string apiKey, int eventsPerSecond, int seed, TimeProvider clock, BookingChangeWriter? bookingChanges = null,
    Action<IReadOnlyList<IncomingEvent>>? truth = null)
{
    /// <summary>How long a batch in hand is still posted after the simulator is told to stop.</summary>
    public static readonly TimeSpan DrainTimeout = TimeSpan.FromMinutes(3);

    /// <summary>Bookings in the simulated table before streaming starts (CDC mode): read by the snapshot.</summary>
    public const int SeededBookings = 200;

    private const int TicksPerSecond = 5;
    private long accepted;
    private long rejected;
    private long retried;
    private long unsettled;

    public long Accepted => Interlocked.Read(ref accepted);

    public long Rejected => Interlocked.Read(ref rejected);

    /// <summary>Posts repeated because the one before was not accepted (only with a truth to keep).</summary>
    public long Retried => Interlocked.Read(ref retried);

    /// <summary>Events whose batch was still not accepted when the drain ended: ingest may or may not hold them.</summary>
    public long Unsettled => Interlocked.Read(ref unsettled);

    /// <summary>Change events written to the CDC topic (CDC mode), else null.</summary>
    public long? ChangesWritten => bookingChanges?.Written;

    /// <summary>
    /// Events to send at tick <paramref name="tick"/> (0, 1, …) so that every second sends exactly
    /// <paramref name="eventsPerSecond"/>: 300/s is 60 a tick, 7/s is 1, 1, 2, 1, 2, and 0/s is none.
    /// </summary>
    public static int EventsAtTick(int eventsPerSecond, long tick)
    {
        var inSecond = tick % TicksPerSecond;
        return (int)((eventsPerSecond * (inSecond + 1) / TicksPerSecond) - (eventsPerSecond * inSecond / TicksPerSecond));
    }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        if (eventsPerSecond == 0)
        {
            // --rate 0: the fleet runs for events posted by hand; nothing is generated.
            return;
        }

        var catalog = new Catalog(seed);
        var generator = new TrafficGenerator(catalog, seed);
        if (bookingChanges is not null)
        {
            bookingChanges.Table.Seed(catalog, SeededBookings, clock.GetUtcNow());
            bookingChanges.Write(bookingChanges.Table.Snapshot(clock.GetUtcNow()));
        }

        using var http = new HttpClient { BaseAddress = new Uri(ingestUrl), Timeout = TimeSpan.FromSeconds(10) };
        http.DefaultRequestHeaders.Add("X-Api-Key", apiKey);
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1.0 / TicksPerSecond), clock);
        for (var tick = 0L; await timer.WaitForNextTickAsync(cancellationToken); tick++)
        {
            var count = EventsAtTick(eventsPerSecond, tick);
            if (count == 0)
            {
                continue;
            }

            var batch = generator.Next(count, clock.GetUtcNow());
            if (bookingChanges is not null)
            {
                var bookings = batch.Where(e => EventTypes.WithAmount.Contains(e.Type!)).ToList();
                var changes = bookings.SelectMany(b => bookingChanges.Table.Apply(b, clock.GetUtcNow())).ToList();
                if (tick % (TicksPerSecond * 30) == 0)
                {
                    // Now and then an abandoned hold is deleted: a delete and a tombstone, neither a cancellation.
                    changes.AddRange(bookingChanges.Table.DeleteAbandoned(clock.GetUtcNow()));
                }

                bookingChanges.Write(changes);
                batch = [.. batch.Where(e => !EventTypes.WithAmount.Contains(e.Type!))];
            }

            if (truth is null)
            {
                var status = await PostAsync(http, batch, cancellationToken);
                Interlocked.Add(ref status is >= 200 and < 300 ? ref accepted : ref rejected, batch.Count);
            }
            else
            {
                await PostUntilAcceptedAsync(http, batch, cancellationToken);
            }
        }
    }

    /// <summary>The status ingest answered, or null when it did not answer (in time).</summary>
    private static async Task<int?> PostAsync(HttpClient http, List<IncomingEvent> batch, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await http.PostAsJsonAsync("/v1/events", batch, EventJsonContext.Default.ListIncomingEvent, cancellationToken);
            return (int)response.StatusCode;
        }
        catch (HttpRequestException)
        {
            return null;
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }

    private async Task PostUntilAcceptedAsync(HttpClient http, List<IncomingEvent> batch, CancellationToken stop)
    {
        using var drain = new CancellationTokenSource();
        using var draining = stop.Register(() => drain.CancelAfter(DrainTimeout));
        var backoff = TimeSpan.FromMilliseconds(250);
        for (var attempt = 1; ; attempt++)
        {
            if (attempt > 1)
            {
                Interlocked.Increment(ref retried);
            }

            var status = drain.IsCancellationRequested ? null : await PostAsync(http, batch, drain.Token);
            if (status is >= 200 and < 300)
            {
                Interlocked.Add(ref accepted, batch.Count);
                truth!(batch);
                return;
            }

            if (status is 400 or 401 or 403 or 413)
            {
                // Refused for what it is: posting it again changes nothing, and ingest took none of it.
                Interlocked.Add(ref rejected, batch.Count);
                return;
            }

            try
            {
                await Task.Delay(backoff, clock, drain.Token);
            }
            catch (OperationCanceledException)
            {
                Interlocked.Add(ref unsettled, batch.Count);
                throw;
            }

            backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
        }
    }
}
