using System.Globalization;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Confluent.Kafka;
using Streaming.Events;
using Streaming.Kafka;
using Streaming.Orleans.Feeds;
using Streaming.Profiles.ProductEvents;
using Streaming.Reposts;

namespace Streaming.Benchmarks;

/// <summary>
/// What dropping re-posts adds per event to the profiles silo's consumer: the read (<see cref="ProductEventRecord"/>,
/// which also hashes the user and event id bytes and fingerprints what a profile counts by), and the check of one
/// identity against a partition's table (<see cref="RepostFilter"/>) that remembers <see cref="Remembered"/> identities (an hour at about 300 events/s
/// per partition: the table is far larger than the caches, as in a silo). Each operation is one event.
/// </summary>
[MemoryDiagnoser]
public class RepostFilterBenchmarks
{
    private const int Events = 50_000;
    private const int Remembered = 1_000_000;
    private static readonly long T0 = new DateTimeOffset(2026, 11, 23, 10, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
    private ConsumeResult<string, byte[]>[] records = [];
    private EventIdentity[] identities = [];
    private (byte[] User, byte[] EventId, string Product, long Kind, long Ticks)[] fields = [];
    private RepostFilter filter = null!;
    private long offset;

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(7);
        var at = new DateTimeOffset(2026, 11, 23, 10, 0, 0, TimeSpan.Zero);
        records = [.. Enumerable.Range(0, Events).Select(i =>
        {
            var type = i % 10 == 0 ? EventTypes.BookingConfirmed : EventTypes.ProductView;
            var e = new AppEvent("b" + i.ToString(CultureInfo.InvariantCulture), type, "u" + random.Next(20_000).ToString(CultureInfo.InvariantCulture), "s-u1",
                "p" + random.Next(2_000).ToString(CultureInfo.InvariantCulture), at.AddMilliseconds(i), "ios", "KR", "Seoul", null, null, at, "tour");
            return new ConsumeResult<string, byte[]>
            {
                Topic = "product-events",
                Partition = new Partition(0),
                Offset = new Offset(i),
                Message = new Message<string, byte[]>
                {
                    Key = e.ProductId!, Value = JsonSerializer.SerializeToUtf8Bytes(e, EventJsonContext.Default.AppEvent),
                    Headers = new SourcePosition(1, i).ToHeaders(), Timestamp = new Timestamp(e.OccurredAt),
                },
            };
        })];
        fields = [.. records.Select(r => JsonSerializer.Deserialize(r.Message.Value, EventJsonContext.Default.AppEvent)!)
            .Select(e => (System.Text.Encoding.UTF8.GetBytes(e.UserId), System.Text.Encoding.UTF8.GetBytes(e.EventId), e.ProductId!, (long)e.Type.Length, e.OccurredAt.UtcTicks))];
        identities = [.. records.Select(r => ProductEventRecord.TryRead(r, out _, out _, out var identity, out _) ? identity : default)];
        filter = new RepostFilter(TimeSpan.FromHours(1));
        for (var i = 0; i < Remembered; i++)
        {
            filter.Check(offset, TimeOf(offset++), new EventIdentity(EventIdentity.IdOf("x" + i.ToString(CultureInfo.InvariantCulture), "e"), 1));
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"table: {filter.Identities:N0} identities in {filter.Bytes:N0} bytes"));
    }

    /// <summary>Records an hour apart <see cref="Remembered"/> records: the table stays about that full.</summary>
    private static long TimeOf(long offset) => T0 + (offset * 3_600_000 / Remembered);

    /// <summary>The silo's read of a record (the event reader's projection into a <c>ProductEvent</c>), identity included.</summary>
    [Benchmark(OperationsPerInvoke = Events)]
    public int Parse()
    {
        var parsed = 0;
        foreach (var record in records)
        {
            parsed += ProductEventRecord.TryRead(record, out _, out _, out _, out _) ? 1 : 0;
        }

        return parsed;
    }

    /// <summary>What the read does for the identity alone: the two ids' hashes and the fingerprint (a view's).</summary>
    [Benchmark(OperationsPerInvoke = Events)]
    public ulong IdentityAlone()
    {
        var sum = 0UL;
        foreach (var (user, eventId, product, kind, ticks) in fields)
        {
            sum += EventIdentity.IdOfUtf8(user, eventId) + default(ContentHash).Add(kind).Add(ticks).Add(product).ToUInt32();
        }

        return sum;
    }

    /// <summary>
    /// One check per event against the big table: new identities at new offsets, time moving on so that the table
    /// drops what expired when it fills up, as in a silo. Half are re-posts of the event checked just before.
    /// </summary>
    [Benchmark(OperationsPerInvoke = Events)]
    public int Check()
    {
        var counted = 0;
        var salt = (ulong)offset;
        for (var i = 0; i < identities.Length; i++)
        {
            var identity = i % 2 == 1 ? identities[i - 1] : identities[i];
            counted += filter.Check(offset, TimeOf(offset++), identity with { Id = identity.Id ^ salt }) == RepostVerdict.Count ? 1 : 0;
        }

        filter.Stored(offset); // the barrier's stored offset: the re-posts' offsets are forgotten
        return counted;
    }
}
