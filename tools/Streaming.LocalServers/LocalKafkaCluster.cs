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

    private LocalKafkaCluster(IntPtr handle, IntPtr cluster, string bootstrapServers)
    {
        this.handle = handle;
        this.cluster = cluster;
        BootstrapServers = bootstrapServers;
    }

    public string BootstrapServers { get; }

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
        var local = new LocalKafkaCluster(rk, mock, bootstrap);
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
    }
}
