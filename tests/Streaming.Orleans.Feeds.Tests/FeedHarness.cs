using System.Globalization;
using System.Reflection;
using System.Text;
using Confluent.Kafka;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Streaming.Kafka;
using Streaming.Reposts;

namespace Streaming.Orleans.Feeds.Tests;

/// <summary>
/// A feed's world without Kafka or a silo: partitions as lists of records, a consumer that reads them from positions
/// it can be told to seek, and grains that apply in memory, write on flush, and lose what they did not write in a crash.
/// Record values are "grain-key:payload"; the payload "throw" makes the map throw, "poison" makes the grain refuse
/// any call that carries it, "ev {id} {content}" gives the record an event identity (for a feed that drops re-posts).
/// </summary>
internal sealed class FeedWorld
{
    public const string Topic = "input";

    public Dictionary<int, List<ConsumeResult<string, byte[]>>> Log { get; } = [];

    public Dictionary<string, FakeGrain> Grains { get; } = new(StringComparer.Ordinal);

    /// <summary>Offsets stored (committed) per partition.</summary>
    public Dictionary<int, long> Stored { get; } = [];

    public List<(long Offset, int Partition, string Reason)> DeadLetters { get; } = [];

    /// <summary>While set, grain calls fail as an unavailable silo does (time-out).</summary>
    public bool SiloDown { get; set; }

    /// <summary>While set, grains cannot write (as Redis down).</summary>
    public bool StorageDown { get; set; }

    /// <summary>While set, storing an offset throws (the process dies between the grains' write and the commit).</summary>
    public bool CrashOnStore { get; set; }

    /// <summary>The next this many dead letters are refused by the producer at once (its queue broken, the brokers gone).</summary>
    public int LetterRefusals { get; set; }

    public FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 12, 7, 12, 0, 0, TimeSpan.Zero));

    public void Append(int partition, string key, string payload = "ok")
    {
        if (!Log.TryGetValue(partition, out var records))
        {
            records = [];
            Log[partition] = records;
        }

        records.Add(new ConsumeResult<string, byte[]>
        {
            TopicPartitionOffset = new TopicPartitionOffset(Topic, partition, records.Count),
            Message = new Message<string, byte[]> { Key = key, Value = Encoding.UTF8.GetBytes(key + ":" + payload), Timestamp = new Timestamp(Clock.GetUtcNow()) },
        });
    }

    public FakeGrain GrainOf(string key)
    {
        if (!Grains.TryGetValue(key, out var grain))
        {
            grain = new FakeGrain(this);
            Grains[key] = grain;
        }

        return grain;
    }

    /// <summary>Every grain loses what it did not write (a silo crash): new activations.</summary>
    public void CrashGrains()
    {
        foreach (var grain in Grains.Values)
        {
            grain.Crash();
        }
    }

    /// <summary>The records a correct feed must have written: all but those whose map throws, whose key is blank or that are poison.</summary>
    public IEnumerable<(int Partition, long Offset, string Key)> Good() =>
        from p in Log
        from r in p.Value
        let text = Encoding.UTF8.GetString(r.Message.Value)
        let key = text[..text.IndexOf(':', StringComparison.Ordinal)]
        let payload = text[(text.IndexOf(':', StringComparison.Ordinal) + 1)..]
        where payload == "ok" && !string.IsNullOrWhiteSpace(key)
        select (p.Key, r.Offset.Value, key);

    /// <summary>Each good record written exactly once by its grain, nothing else written.</summary>
    public void AssertExactlyOnce()
    {
        var expected = Good().Select(g => (g.Key, g.Partition, g.Offset)).OrderBy(x => x).ToList();
        var written = Grains.SelectMany(g => g.Value.Written.Select(w => (g.Key, w.Partition, w.Offset))).OrderBy(x => x).ToList();
        Assert.Equal(expected, written);
    }

    /// <summary>Records that must be dead-lettered: the map throws, the grain refuses them, or the key is blank.</summary>
    public IEnumerable<(int Partition, long Offset)> Bad() =>
        from p in Log
        from r in p.Value
        let text = Encoding.UTF8.GetString(r.Message.Value)
        let payload = text[(text.IndexOf(':', StringComparison.Ordinal) + 1)..]
        where payload is "throw" or "poison" || string.IsNullOrWhiteSpace(text[..text.IndexOf(':', StringComparison.Ordinal)])
        select (p.Key, r.Offset.Value);

    /// <summary>
    /// Called as an offset is stored: everything below it that a grain must hold is written, and every record below it
    /// that must be dead-lettered has its letter.
    /// </summary>
    public void CheckStore(int partition, long offset)
    {
        foreach (var (_, bad) in Bad().Where(b => b.Partition == partition && b.Offset < offset))
        {
            Assert.True(DeadLetters.Any(l => l.Partition == partition && l.Offset == bad),
                $"offset {offset} of partition {partition} stored while offset {bad} had no dead letter");
        }

        foreach (var (p, o, key) in Good().Where(g => g.Partition == partition && g.Offset < offset))
        {
            Assert.True(Grains.TryGetValue(key, out var grain) && grain.Written.Contains((p, o)),
                $"offset {offset} of partition {partition} stored while {key} had not written offset {o}");
        }
    }
}

internal sealed record TestItem(int Partition, long Offset, string Payload);

internal sealed class FakeGrain(FeedWorld world)
{
    public Guid Activation { get; private set; } = Guid.NewGuid();

    /// <summary>In memory: what this activation holds (written or not), in order.</summary>
    public List<(int Partition, long Offset)> Applied { get; private set; } = [];

    public List<(int Partition, long Offset)> Written { get; private set; } = [];

    public Task<FeedReply> ApplyAsync(TestItem[] items)
    {
        if (world.SiloDown)
        {
            return Task.FromException<FeedReply>(new TimeoutException("the silo does not answer"));
        }

        if (items.Any(i => i.Payload == "poison"))
        {
            return Task.FromException<FeedReply>(new InvalidOperationException("this grain refuses poison"));
        }

        foreach (var item in items)
        {
            // Ignores what it applied already, by source position (as the fleet's grains do).
            var last = Applied.Where(a => a.Partition == item.Partition).Select(a => a.Offset).DefaultIfEmpty(-1).Max();
            Assert.True(item.Offset > last || Applied.Contains((item.Partition, item.Offset)),
                $"offset {item.Offset} of partition {item.Partition} came after offset {last}: out of order, it would be lost");
            if (item.Offset > last)
            {
                Applied.Add((item.Partition, item.Offset));
            }
        }

        return Task.FromResult(new FeedReply(Activation));
    }

    public Task<Guid> FlushAsync()
    {
        if (world.StorageDown)
        {
            return Task.FromException<Guid>(new TimeoutException("storage does not answer"));
        }

        Written = [.. Applied];
        return Task.FromResult(Activation);
    }

    public void Crash()
    {
        Applied = [.. Written];
        Activation = Guid.NewGuid();
    }
}

/// <summary>A feed over <see cref="FeedWorld"/>: one fake grain per key.</summary>
/// <param name="onSend">Sees every grain call's items.</param>
/// <param name="poisonAfterFailures">As <c>Kafka:PoisonAfterFailures</c>.</param>
/// <param name="reposts">Whether it drops re-posts (records "ev {id} {content}" carry an identity).</param>
internal sealed class TestFeed(FeedWorld world, GrainFeedOptions settings, Action<TestItem[]>? onSend = null, int poisonAfterFailures = 3, bool reposts = false)
    : GrainFeed<TestItem>(new Output(world), settings, poisonAfterFailures, world.Clock, NullLogger.Instance, new Lifetime())
{
    protected override bool DropsReposts => reposts;

    protected override string InputTopic => FeedWorld.Topic;

    protected override string ConsumerGroup => "test";

    public void Read(IConsumer<string, byte[]> consumer, ConsumeResult<string, byte[]> record) => Handle(consumer, record);

    public void Quiet(IConsumer<string, byte[]> consumer) => Idle(consumer);

    protected override void Map(ConsumeResult<string, byte[]> record, FeedEntries<TestItem> entries)
    {
        var text = Encoding.UTF8.GetString(record.Message.Value);
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        var payload = text[(colon + 1)..];
        if (payload == "throw")
        {
            throw new FormatException("unreadable");
        }

        if (payload.Split(' ') is ["ev", var id, var content])
        {
            entries.Identity = new EventIdentity(EventIdentity.IdOf("user", id), uint.Parse(content, CultureInfo.InvariantCulture));
        }

        entries.Add(new FeedTarget("g", text[..colon]), new TestItem(record.Partition.Value, record.Offset.Value, payload));
    }

    protected override Task<FeedReply> SendAsync(FeedTarget target, TestItem[] items, bool write)
    {
        onSend?.Invoke(items);
        return world.GrainOf(target.Key).ApplyAsync(items);
    }

    protected override Task<Guid> FlushAsync(FeedTarget target) => world.GrainOf(target.Key).FlushAsync();

    private sealed class Output(FeedWorld world) : IFeedOutput
    {
        public void DeadLetter(string group, ConsumeResult<string, byte[]> record, string reason)
        {
            if (world.LetterRefusals > 0)
            {
                world.LetterRefusals--;
                throw new DeadLetterNotWrittenException("the producer refused the letter", new KafkaException(Confluent.Kafka.ErrorCode.Local_QueueFull));
            }

            world.DeadLetters.Add((record.Offset.Value, record.Partition.Value, reason));
        }

        public void Flush() { }
    }

    private sealed class Lifetime : IHostApplicationLifetime
    {
        public CancellationToken ApplicationStarted => CancellationToken.None;

        public CancellationToken ApplicationStopping => CancellationToken.None;

        public CancellationToken ApplicationStopped => CancellationToken.None;

        public void StopApplication() { }
    }
}

/// <summary>
/// One group member: its assigned partitions, a read position each (moved by seeks), paused or not. Reads round-robin
/// over its partitions, as a consumer returns runs of records.
/// </summary>
internal sealed class Member
{
    private readonly FeedWorld world;
    private readonly Dictionary<int, long> positions = [];
    private int turn;

    public Member(FeedWorld world, TestFeed feed, params int[] partitions)
    {
        this.world = world;
        Feed = feed;
        var proxy = DispatchProxy.Create<IConsumer<string, byte[]>, ConsumerProxy>();
        ((ConsumerProxy)(object)proxy).Member = this;
        Consumer = proxy;
        foreach (var partition in partitions)
        {
            Assign(partition);
        }
    }

    public TestFeed Feed { get; }

    public IConsumer<string, byte[]> Consumer { get; }

    public bool Paused { get; private set; }

    /// <summary>How many times the feed paused this member's input.</summary>
    public int Pauses { get; private set; }

    public int[] Partitions => [.. positions.Keys.Order()];

    /// <summary>Takes <paramref name="partition"/> from its stored offset (or the start).</summary>
    public void Assign(int partition) => positions[partition] = world.Stored.GetValueOrDefault(partition);

    public void Revoke(params int[] partitions)
    {
        Feed.Revoked(Consumer, partitions);
        foreach (var partition in partitions)
        {
            positions.Remove(partition);
        }
    }

    /// <summary>Reads up to <paramref name="records"/> records (fewer if paused or at the end); true if any.</summary>
    public bool Read(int records = int.MaxValue)
    {
        var read = false;
        for (var i = 0; i < records && !Paused; i++)
        {
            var partitions = Partitions.Where(p => positions[p] < world.Log.GetValueOrDefault(p)?.Count).ToArray();
            if (partitions.Length == 0)
            {
                break;
            }

            var partition = partitions[turn++ % partitions.Length];
            var record = world.Log[partition][(int)positions[partition]];
            positions[partition]++;
            Feed.Read(Consumer, record);
            read = true;
        }

        return read;
    }

    /// <summary>Reads to the end, with quiet polls and barriers, as the loop would (bounded, so a loop that never ends fails).</summary>
    public void Drain()
    {
        for (var round = 0; round < 1_000; round++)
        {
            var read = Read(7);
            Feed.Quiet(Consumer);
            if (!read && Feed.Barrier(Consumer) && !Paused && AtEnd())
            {
                return;
            }
        }

        Assert.Fail("the feed did not get to the end of its partitions");
    }

    private bool AtEnd() => positions.All(p => p.Value >= world.Log.GetValueOrDefault(p.Key)?.Count);

    /// <summary>The consumer calls a feed makes, on this member.</summary>
    public class ConsumerProxy : DispatchProxy
    {
        internal Member Member { get; set; } = null!;

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
        {
            var member = Member;
            switch (targetMethod?.Name)
            {
                case nameof(IConsumer<string, byte[]>.Seek):
                    var to = (TopicPartitionOffset)args![0]!;
                    if (!member.positions.ContainsKey(to.Partition.Value))
                    {
                        throw new KafkaException(Confluent.Kafka.ErrorCode.Local_State);
                    }

                    member.positions[to.Partition.Value] = to.Offset.Value;
                    return null;
                case nameof(IConsumer<string, byte[]>.StoreOffset) when args![0] is TopicPartitionOffset stored:
                    if (member.world.CrashOnStore)
                    {
                        throw new InvalidOperationException("the process died before the commit");
                    }

                    member.world.CheckStore(stored.Partition.Value, stored.Offset.Value);
                    member.world.Stored[stored.Partition.Value] = stored.Offset.Value;
                    return null;
                case nameof(IConsumer<string, byte[]>.Pause):
                    member.Paused = true;
                    member.Pauses++;
                    return null;
                case nameof(IConsumer<string, byte[]>.Resume):
                    member.Paused = false;
                    return null;
                case "get_" + nameof(IConsumer<string, byte[]>.Assignment):
                    return member.Partitions.Select(p => new TopicPartition(FeedWorld.Topic, p)).ToList();
                default:
                    throw new NotSupportedException(targetMethod?.Name);
            }
        }
    }
}
