using Confluent.Kafka;

namespace Streaming.Kafka.Tests;

/// <summary>The fixture has started the mock cluster (P/Invoke) and clients have run before or after: one library serves all.</summary>
[Collection(LocalKafkaCollection.Name)]
public sealed class KafkaNativeTests(LocalKafka kafka)
{
    [Fact]
    public void The_bundled_glibc_only_librdkafka_2_16_is_the_only_one_loaded()
    {
        var clients = kafka.CreateClients(Topics.Events);
        using (var producer = clients.CreateProducer("native-test"))
        {
            producer.Send(clients.Options.Name(Topics.Events), "u1", "v"u8.ToArray());
            producer.FlushAndThrowIfFailed(TimeSpan.FromSeconds(30));
        }

        Assert.Equal("u1", Assert.Single(LocalKafka.Read(clients, Topics.Events, 1, TimeSpan.FromSeconds(30))).Message.Key);
        Assert.Equal("2.16.0", Library.VersionString);
        Assert.Equal(KafkaNative.BundledFileName, Path.GetFileName(KafkaNative.LoadedPath));
        // No system librdkafka was mapped beside it (the mock cluster's imports would have found Debian's).
        var mapped = File.ReadLines("/proc/self/maps")
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Last())
            .Where(path => path.Contains("rdkafka", StringComparison.Ordinal))
            .Distinct();
        Assert.Equal([KafkaNative.LoadedPath!], mapped);
    }
}
