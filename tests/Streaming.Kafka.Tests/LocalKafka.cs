using Confluent.Kafka;
using Microsoft.Extensions.Options;
using Streaming.LocalServers;

namespace Streaming.Kafka.Tests;

/// <summary>One local Kafka for the tests that need a broker; each test uses topics of its own (a unique prefix).</summary>
public sealed class LocalKafka : IDisposable
{
    private readonly LocalKafkaCluster cluster = LocalKafkaCluster.Start(1, new Dictionary<string, int>());

    public string BootstrapServers => cluster.BootstrapServers;

    /// <summary>Clients for a fresh prefix, with the topics created at their default partition counts.</summary>
    public KafkaClients CreateClients(params string[] topics)
    {
        var options = new KafkaOptions { BootstrapServers = cluster.BootstrapServers, TopicPrefix = "t" + Guid.NewGuid().ToString("N")[..10] + "." };
        foreach (var topic in topics)
        {
            cluster.CreateTopic(options.Name(topic), Topics.DefaultPartitions[topic]);
        }

        return new KafkaClients(Options.Create(options));
    }

    /// <summary>Reads <paramref name="count"/> records from every partition of <paramref name="topic"/>, in each partition's order.</summary>
    public static List<ConsumeResult<string, byte[]>> Read(KafkaClients kafka, string topic, int count, TimeSpan timeout)
    {
        using var consumer = kafka.CreateConsumerBuilder("reader-" + Guid.NewGuid().ToString("N"), "reader").Build();
        var name = kafka.Options.Name(topic);
        consumer.Assign(Enumerable.Range(0, Topics.DefaultPartitions[topic]).Select(p => new TopicPartitionOffset(name, p, Offset.Beginning)));
        var records = new List<ConsumeResult<string, byte[]>>();
        var deadline = DateTime.UtcNow + timeout;
        while (records.Count < count && DateTime.UtcNow < deadline)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is { IsPartitionEOF: false } record)
            {
                records.Add(record);
            }
        }

        consumer.Close();
        Assert.True(records.Count == count, $"Read {records.Count} of {count} records from {name} within {timeout.TotalSeconds:0} s.");
        return records;
    }

    public void Dispose() => cluster.Dispose();
}

[CollectionDefinition(Name)]
public sealed class LocalKafkaCollection : ICollectionFixture<LocalKafka>
{
    public const string Name = "local kafka";
}
