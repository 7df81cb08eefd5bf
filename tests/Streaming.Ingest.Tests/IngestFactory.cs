using System.Globalization;
using System.Text;
using Confluent.Kafka;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Streaming.Kafka;
using Streaming.LocalServers;

namespace Streaming.Ingest.Tests;

/// <summary>The ingest service in process, writing to a local Kafka, with a clock the tests set.</summary>
public sealed class IngestFactory : WebApplicationFactory<Program>
{
    public const string ApiKey = "ingest-test-key-0123456789abcdefgh";
    public const int MaxBodyBytes = 4096;
    public const int MaxEventsPerRequest = 5;
    public static readonly DateTimeOffset Now = new(2026, 11, 21, 10, 0, 0, TimeSpan.Zero);

    private readonly LocalKafkaCluster kafka = LocalKafkaCluster.Start(1, Topics.DefaultPartitions);

    private readonly FakeTimeProvider clock = new(Now);

    /// <summary>More configuration, e.g. "Clients:batch:Keys:0", applied after the defaults above.</summary>
    public Dictionary<string, string> Settings { get; } = [];

    /// <summary>The clock the service reads; quota buckets refill only when a test advances it.</summary>
    public FakeTimeProvider Clock => clock;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("Kafka:BootstrapServers", kafka.BootstrapServers);
        builder.UseSetting("Clients:app:Keys:0", ApiKey);
        builder.UseSetting("Clients:app:Scopes:0", "ingest");
        // The clock stands still, so the buckets never refill: the property tests' thousands of requests need room.
        builder.UseSetting("Clients:app:Quota:RequestsBurst", "1000000");
        builder.UseSetting("Clients:app:Quota:EventsBurst", "1000000");
        builder.UseSetting("Ingest:MaxBodyBytes", MaxBodyBytes.ToString(CultureInfo.InvariantCulture));
        builder.UseSetting("Ingest:MaxEventsPerRequest", MaxEventsPerRequest.ToString(CultureInfo.InvariantCulture));
        foreach (var (key, value) in Settings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureTestServices(services => services.AddSingleton<TimeProvider>(clock));
    }

    /// <summary>
    /// Every record on the events topic up to and including the one whose key is <paramref name="key"/> and whose
    /// value contains <paramref name="marker"/>; a record of the same key sent before the marker is in the same
    /// partition before it, so it is in the list too.
    /// </summary>
    public List<ConsumeResult<string, byte[]>> ReadEventsUntil(string key, string marker, TimeSpan timeout)
    {
        var clients = new KafkaClients(Options.Create(new KafkaOptions { BootstrapServers = kafka.BootstrapServers }));
        using var consumer = clients.CreateConsumerBuilder("reader-" + Guid.NewGuid().ToString("N"), "reader").Build();
        consumer.Assign(Enumerable.Range(0, Topics.DefaultPartitions[Topics.Events]).Select(p => new TopicPartitionOffset(Topics.Events, p, Offset.Beginning)));
        var records = new List<ConsumeResult<string, byte[]>>();
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is not { IsPartitionEOF: false } record)
            {
                continue;
            }

            records.Add(record);
            if (record.Message.Key == key && Encoding.UTF8.GetString(record.Message.Value).Contains(marker, StringComparison.Ordinal))
            {
                consumer.Close();
                return records;
            }
        }

        consumer.Close();
        Assert.Fail($"No record with key {key} and '{marker}' within {timeout.TotalSeconds:0} s; read {records.Count} others.");
        return records;
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            kafka.Dispose();
        }
    }
}
