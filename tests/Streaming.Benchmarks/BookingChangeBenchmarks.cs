using System.Globalization;
using BenchmarkDotNet.Attributes;
using Streaming.Aggregator.BookingChanges;
using Streaming.DevHost.Simulation;
using Streaming.Events;

namespace Streaming.Benchmarks;

/// <summary>
/// The CDC translator's work per change event: reading a Debezium change event with its schema wrapper (PostgreSQL
/// connector, JsonConverter with schemas, about 2.5 KB) and translating it into a booking event, or into nothing.
/// </summary>
[MemoryDiagnoser]
public class BookingChangeBenchmarks
{
    private byte[][] changes = [];
    private BookingChangeTranslator translator = null!;
    private int next;

    [GlobalSetup]
    public void Setup()
    {
        var now = DateTimeOffset.UtcNow;
        var catalog = new Catalog(seed: 1);
        var table = new BookingTableChanges(seed: 1);
        var random = new Random(1);
        var records = new List<ChangeRecord>();
        while (records.Count < 4096)
        {
            var user = catalog.Users[random.Next(catalog.Users.Count)];
            var product = catalog.Products[random.Next(catalog.Products.Count)];
            var type = random.NextDouble() < 0.9 ? EventTypes.BookingConfirmed : EventTypes.BookingCancelled;
            records.AddRange(table.Apply(new IncomingEvent("b", type, user.Id, "s", product.Id, now.AddMinutes(-1).ToString("O", CultureInfo.InvariantCulture),
                user.Platform, user.Country, product.City, product.PriceMinor, product.Currency, product.Category), now));
        }

        changes = [.. records.Take(4096).Select(r => r.Value!)];
        var limits = new EventLimits();
        // Room for every booking: each change is translated as if seen for the first time or replayed, as it comes.
        translator = new BookingChangeTranslator(new BookingStatusMemory(1_000_000), new IncomingEventValidator(TimeProvider.System, limits), limits, TimeProvider.System);
    }

    [Benchmark]
    public BookingChange? Read() => BookingChangeReader.TryRead(changes[next++ & 4095], out var change, out _) ? change : null;

    [Benchmark]
    public Translation? ReadAndTranslate() =>
        BookingChangeReader.TryRead(changes[next++ & 4095], out var change, out _) ? translator.Translate(change) : null;
}
