using System.Runtime.InteropServices;
using System.Text;
using Streaming.Kafka;

namespace Streaming.LocalServers;

/// <summary>
/// A Kafka-protocol cluster on loopback for one machine: librdkafka's mock cluster, reached by P/Invoke.
/// Other processes connect to <see cref="BootstrapServers"/> as to any broker. See README.md for its limits.
/// </summary>
public sealed partial class LocalKafkaCluster : IDisposable
{
    private const int ProducerType = 0;
    private IntPtr handle;
    private IntPtr cluster;

    private LocalKafkaCluster(IntPtr handle, IntPtr cluster, string bootstrapServers, int brokers)
    {
        this.handle = handle;
        this.cluster = cluster;
        BootstrapServers = bootstrapServers;
        Brokers = brokers;
    }

    public string BootstrapServers { get; }

    /// <summary>How many brokers the cluster has; the mock numbers them 1 to <see cref="Brokers"/>.</summary>
    public int Brokers { get; }

    /// <summary>Starts <paramref name="brokers"/> brokers and creates <paramref name="topics"/> (name to partition count).</summary>
    public static LocalKafkaCluster Start(int brokers, IReadOnlyDictionary<string, int> topics)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(brokers, 1);
        // The mock API is exported by the same librdkafka the clients use: bind these imports to that one library.
        KafkaNative.BindImports(typeof(LocalKafkaCluster).Assembly);
        var errors = new byte[512];
        var conf = Native.ConfNew();
        Native.ConfSet(conf, "log_level", "3", errors, (nuint)errors.Length);
        var rk = Native.New(ProducerType, conf, errors, (nuint)errors.Length);
        if (rk == IntPtr.Zero)
        {
            throw new InvalidOperationException("librdkafka could not create a client: " + Encoding.UTF8.GetString(errors).TrimEnd('\0'));
        }

        var mock = Native.MockClusterNew(rk, brokers);
        if (mock == IntPtr.Zero)
        {
            Native.Destroy(rk);
            throw new InvalidOperationException("librdkafka could not start its mock cluster (are loopback ports available?)");
        }

        var bootstrap = Marshal.PtrToStringUTF8(Native.MockClusterBootstraps(mock))
            ?? throw new InvalidOperationException("The mock cluster reported no bootstrap address.");
        var local = new LocalKafkaCluster(rk, mock, bootstrap, brokers);
        foreach (var (topic, partitions) in topics)
        {
            local.CreateTopic(topic, partitions);
        }

        return local;
    }

    /// <summary>Creates a topic through the mock API (the mock cluster does not serve CreateTopics).</summary>
    public void CreateTopic(string topic, int partitions, int replicationFactor = 1)
    {
        ObjectDisposedException.ThrowIf(cluster == IntPtr.Zero, this);
        var error = Native.MockTopicCreate(cluster, topic, partitions, replicationFactor);
        if (error != 0)
        {
            throw new InvalidOperationException($"Creating topic '{topic}' failed with librdkafka error {error}.");
        }
    }

    /// <summary>Takes broker <paramref name="brokerId"/> (1-based) down: its connections close and new ones are refused until <see cref="BrokerUp"/>.</summary>
    public void BrokerDown(int brokerId) => Check(Native.MockBrokerSetDown(Live(), brokerId), $"taking broker {brokerId} down");

    public void BrokerUp(int brokerId) => Check(Native.MockBrokerSetUp(Live(), brokerId), $"bringing broker {brokerId} up");

    /// <summary>
    /// Makes the next requests of Kafka API <paramref name="apiKey"/> (0 Produce, 1 Fetch, 8 OffsetCommit, 9 OffsetFetch,
    /// 11 JoinGroup, 12 Heartbeat, ...) fail with <paramref name="errors"/> in order (librdkafka error codes), whoever sends them.
    /// </summary>
    public void PushRequestErrors(short apiKey, IReadOnlyList<int> errors)
    {
        var codes = errors.ToArray();
        Native.MockPushRequestErrorsArray(Live(), apiKey, (nuint)codes.Length, codes);
    }

    /// <summary>Moves the leadership of one partition to broker <paramref name="brokerId"/>.</summary>
    public void MovePartitionLeader(string topic, int partition, int brokerId) =>
        Check(Native.MockPartitionSetLeader(Live(), topic, partition, brokerId), $"moving the leader of {topic}[{partition}] to broker {brokerId}");

    private IntPtr Live()
    {
        ObjectDisposedException.ThrowIf(cluster == IntPtr.Zero, this);
        return cluster;
    }

    private static void Check(int error, string what)
    {
        if (error != 0)
        {
            throw new InvalidOperationException($"{what} failed with librdkafka error {error}.");
        }
    }

    public void Dispose()
    {
        if (cluster != IntPtr.Zero)
        {
            Native.MockClusterDestroy(cluster);
            cluster = IntPtr.Zero;
        }

        if (handle != IntPtr.Zero)
        {
            Native.Destroy(handle);
            handle = IntPtr.Zero;
        }
    }

    private static partial class Native
    {
        [LibraryImport(KafkaNative.LibraryName, EntryPoint = "rd_kafka_conf_new")]
        internal static partial IntPtr ConfNew();

        [LibraryImport(KafkaNative.LibraryName, EntryPoint = "rd_kafka_conf_set", StringMarshalling = StringMarshalling.Utf8)]
        internal static partial int ConfSet(IntPtr conf, string name, string value, byte[] errors, nuint errorsSize);

        [LibraryImport(KafkaNative.LibraryName, EntryPoint = "rd_kafka_new")]
        internal static partial IntPtr New(int type, IntPtr conf, byte[] errors, nuint errorsSize);

        [LibraryImport(KafkaNative.LibraryName, EntryPoint = "rd_kafka_destroy")]
        internal static partial void Destroy(IntPtr rk);

        [LibraryImport(KafkaNative.LibraryName, EntryPoint = "rd_kafka_mock_cluster_new")]
        internal static partial IntPtr MockClusterNew(IntPtr rk, int brokers);

        [LibraryImport(KafkaNative.LibraryName, EntryPoint = "rd_kafka_mock_cluster_destroy")]
        internal static partial void MockClusterDestroy(IntPtr cluster);

        [LibraryImport(KafkaNative.LibraryName, EntryPoint = "rd_kafka_mock_cluster_bootstraps")]
        internal static partial IntPtr MockClusterBootstraps(IntPtr cluster);

        [LibraryImport(KafkaNative.LibraryName, EntryPoint = "rd_kafka_mock_topic_create", StringMarshalling = StringMarshalling.Utf8)]
        internal static partial int MockTopicCreate(IntPtr cluster, string topic, int partitions, int replicationFactor);

        [LibraryImport(KafkaNative.LibraryName, EntryPoint = "rd_kafka_mock_broker_set_down")]
        internal static partial int MockBrokerSetDown(IntPtr cluster, int brokerId);

        [LibraryImport(KafkaNative.LibraryName, EntryPoint = "rd_kafka_mock_broker_set_up")]
        internal static partial int MockBrokerSetUp(IntPtr cluster, int brokerId);

        [LibraryImport(KafkaNative.LibraryName, EntryPoint = "rd_kafka_mock_push_request_errors_array")]
        internal static partial void MockPushRequestErrorsArray(IntPtr cluster, short apiKey, nuint count, int[] errors);

        [LibraryImport(KafkaNative.LibraryName, EntryPoint = "rd_kafka_mock_partition_set_leader", StringMarshalling = StringMarshalling.Utf8)]
        internal static partial int MockPartitionSetLeader(IntPtr cluster, string topic, int partition, int brokerId);
    }
}
