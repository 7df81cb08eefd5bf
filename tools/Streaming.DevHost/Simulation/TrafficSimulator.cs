using System.Net.Http.Json;
using Streaming.Events;

namespace Streaming.DevHost.Simulation;

/// <summary>
/// Posts generated traffic to the ingest gateway at a steady rate, in batches, and counts the outcome. A rate of 0 sends
/// nothing. With <paramref name="bookingChanges"/> (CDC mode) the bookings are not posted: they become rows of a
/// simulated bookings table whose change events go to the CDC topic, after a snapshot of the rows seeded at start.
/// </summary>
public sealed class TrafficSimulator(string ingestUrl, string apiKey, int eventsPerSecond, int seed, TimeProvider clock, BookingChangeWriter? bookingChanges = null)
{
    /// <summary>Bookings in the simulated table before streaming starts (CDC mode): read by the snapshot.</summary>
    public const int SeededBookings = 200;

    private const int TicksPerSecond = 5;
    private long accepted;
    private long rejected;

    public long Accepted => Interlocked.Read(ref accepted);

    public long Rejected => Interlocked.Read(ref rejected);

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
