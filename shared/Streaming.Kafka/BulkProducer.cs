using System.Buffers.Binary;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using Confluent.Kafka;
using Streaming.Kafka.Telemetry;

namespace Streaming.Kafka;

/// <summary>
/// A producer for a stage that streams many records to one topic and, before it commits its input, only needs to know
/// that every record sent so far was delivered (a repartition stage). It drives librdkafka directly: a record is one
/// native call (topic handle, key, value, source position, trace context and timestamp together), and a delivery report
/// is a failure count, without the .NET client's per-record message, header, handle and report objects and its four
/// native calls per record (in the product-events stage they were a third of its CPU). Settings are
/// <see cref="KafkaClients.CreateProducer"/>'s: idempotent, all replicas acknowledge, each partition's records in send
/// order (the readers drop re-sends by source position, which relies on that order). Records sent are counted for the
/// stage as <see cref="RecordProducer"/> counts them, and carry the current sampled activity's trace context.
/// Not thread-safe: one sending thread (the stage's loop); reports are served on a thread of its own.
/// </summary>
public sealed unsafe partial class BulkProducer : IDisposable
{
    private const int ProducerType = 0; // RD_KAFKA_PRODUCER
    private const int QueueFull = -184; // RD_KAFKA_RESP_ERR__QUEUE_FULL
    private const int CopyPayload = 0x2; // RD_KAFKA_MSG_F_COPY
    private const int MaxKeyBytes = 512;
    private static readonly byte[] PositionHeaderName = Encoding.UTF8.GetBytes(SourcePosition.HeaderName + "\0");

    private readonly IntPtr kafka;
    private readonly IntPtr topicHandle;
    private readonly string topic;
    private readonly GCHandle self;
    private readonly Thread poller;
    private readonly StageCounters.Counter? sent;
    private volatile bool stopping;
    private int failures;
    private string? firstError;
    private TraceBlob? lastTrace;

    /// <param name="stage">Names the stage in <c>streaming.stage.records.out</c>.</param>
    /// <param name="settings">librdkafka settings over the fleet's (tests: timeouts, queue sizes).</param>
    internal BulkProducer(KafkaOptions options, string stage, string topic, TimeSpan linger, IReadOnlyDictionary<string, string>? settings = null)
    {
        KafkaNative.BindImports(typeof(BulkProducer).Assembly);
        this.topic = topic;
        self = GCHandle.Alloc(this, GCHandleType.Weak);
        var config = Native.ConfNew();
        try
        {
            Set(config, "bootstrap.servers", options.BootstrapServers);
            Set(config, "client.id", stage);
            Set(config, "acks", "all");
            Set(config, "enable.idempotence", "true");
            Set(config, "linger.ms", ((int)linger.TotalMilliseconds).ToString(System.Globalization.CultureInfo.InvariantCulture));
            Set(config, "compression.type", "none");
            Set(config, "message.timeout.ms", "30000");
            foreach (var (name, value) in settings ?? new Dictionary<string, string>())
            {
                Set(config, name, value);
            }

            Native.ConfSetDeliveryCallback(config, &OnDelivery);
            Native.ConfSetOpaque(config, GCHandle.ToIntPtr(self));
            var error = stackalloc byte[512];
            kafka = Native.New(ProducerType, config, error, 512);
            if (kafka == IntPtr.Zero)
            {
                throw new InvalidOperationException($"Could not create the producer of {stage}: {Marshal.PtrToStringUTF8((IntPtr)error)}");
            }
        }
        catch
        {
            if (kafka == IntPtr.Zero)
            {
                Native.ConfDestroy(config); // rd_kafka_new owns the configuration only once it succeeded
            }

            self.Free();
            throw;
        }

        topicHandle = Native.TopicNew(kafka, topic, IntPtr.Zero);
        if (topicHandle == IntPtr.Zero)
        {
            Native.Destroy(kafka);
            self.Free();
            throw new ArgumentException($"librdkafka refused the topic name '{topic}'.", nameof(topic));
        }

        sent = StageCounters.For(stage).Output(topic);
        poller = new Thread(Poll) { IsBackground = true, Name = "bulk-producer" };
        poller.Start();
    }

    /// <summary>Sends a record (its bytes are copied) to the topic; the partitioner picks the partition from the key.</summary>
    /// <param name="source">Where the record came from, carried in the header readers drop re-sends by.</param>
    public void Send(string key, byte[] value, SourcePosition source, DateTimeOffset timestamp)
    {
        var keyLength = Encoding.UTF8.GetByteCount(key);
        Span<byte> keyBytes = keyLength <= MaxKeyBytes ? stackalloc byte[MaxKeyBytes] : new byte[keyLength];
        keyLength = Encoding.UTF8.GetBytes(key, keyBytes);
        Span<byte> position = stackalloc byte[12];
        source.Write(position);
        var trace = Activity.Current is { Recorded: true } activity ? TraceOf(activity) : null;
        var fields = stackalloc Field[Field.Max];
        fixed (byte* keyPointer = keyBytes)
        fixed (byte* valuePointer = &MemoryMarshal.GetArrayDataReference(value)) // not null when empty: an empty value, not none
        fixed (byte* positionPointer = position)
        fixed (byte* positionName = PositionHeaderName)
        fixed (byte* traceBytes = trace?.Bytes)
        {
            var count = 0;
            fields[count++] = Field.Number(Field.TopicHandle, (long)topicHandle);
            fields[count++] = Field.Memory(Field.Key, keyPointer, keyLength);
            fields[count++] = Field.Memory(Field.Value, valuePointer, value.Length);
            fields[count++] = Field.Number(Field.Flags, CopyPayload);
            fields[count++] = Field.Number(Field.Timestamp, timestamp.ToUnixTimeMilliseconds());
            fields[count++] = Field.Header(positionName, positionPointer, 12);
            foreach (var (name, at, length) in trace?.Headers ?? [])
            {
                fields[count++] = Field.Header(traceBytes + name, traceBytes + at, length);
            }

            while (true)
            {
                var error = Native.Produce(kafka, fields, count);
                if (error == IntPtr.Zero)
                {
                    break;
                }

                var code = Native.ErrorCodeOf(error);
                var reason = Marshal.PtrToStringUTF8(Native.ErrorString(error)) ?? "unknown";
                Native.ErrorDestroy(error);
                if (code != QueueFull)
                {
                    throw new KafkaException(new Error((ErrorCode)code, $"{reason} (topic {topic})"));
                }

                // The local queue is full: wait for deliveries, as the stage should go at the brokers' pace.
                Native.Poll(kafka, 100);
            }
        }

        sent?.Increment();
    }

    /// <summary>
    /// Waits for every record sent so far; throws if any was not delivered (after the client's own retries), so the
    /// caller stops and resumes from its last commit instead of committing past lost output.
    /// </summary>
    public void FlushAndThrowIfFailed(TimeSpan timeout)
    {
        Native.Flush(kafka, (int)timeout.TotalMilliseconds);
        var pending = Native.OutQueueLength(kafka);
        if (pending > 0)
        {
            throw new UndeliveredOutputException($"{pending} records still undelivered after {timeout.TotalSeconds:0} s; stopping before committing.");
        }

        if (Volatile.Read(ref failures) is > 0 and var failed)
        {
            throw new UndeliveredOutputException($"{failed} records were not delivered, first: {Volatile.Read(ref firstError)}; stopping before committing.");
        }
    }

    public void Dispose()
    {
        if (stopping)
        {
            return;
        }

        stopping = true;
        poller.Join();
        Native.Flush(kafka, 10_000);
        Native.TopicDestroy(topicHandle);
        Native.Destroy(kafka);
        self.Free();
    }

    private void Poll()
    {
        while (!stopping)
        {
            Native.Poll(kafka, 100);
        }
    }

    /// <summary>librdkafka's delivery report for one record: only a failure is recorded.</summary>
    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void OnDelivery(IntPtr kafka, IntPtr message, IntPtr opaque)
    {
        var error = *(int*)message; // rd_kafka_message_t.err, its first field
        if (error != 0 && GCHandle.FromIntPtr(opaque).Target is BulkProducer producer && Interlocked.Increment(ref producer.failures) == 1)
        {
            Volatile.Write(ref producer.firstError, $"{(ErrorCode)error}: {Marshal.PtrToStringUTF8(Native.ErrorName(error))} (topic {producer.topic})");
        }
    }

    private static void Set(IntPtr config, string name, string value)
    {
        var error = stackalloc byte[512];
        if (Native.ConfSet(config, name, value, error, 512) != 0)
        {
            throw new ArgumentException($"Producer setting {name}={value}: {Marshal.PtrToStringUTF8((IntPtr)error)}");
        }
    }

    /// <summary>The trace headers of <paramref name="activity"/>, encoded once for all the records sent under it.</summary>
    private TraceBlob TraceOf(Activity activity)
    {
        if (lastTrace is null || !ReferenceEquals(lastTrace.Activity, activity))
        {
            lastTrace = TraceBlob.Of(activity);
        }

        return lastTrace;
    }

    /// <summary>Header names (NUL-terminated) and values in one array, which a send pins once.</summary>
    private sealed record TraceBlob(Activity Activity, byte[] Bytes, (int Name, int At, int Length)[] Headers)
    {
        public static TraceBlob Of(Activity activity)
        {
            var bytes = new List<byte>();
            var headers = new List<(int, int, int)>();
            foreach (var (name, value) in TraceHeaders.Encode(activity).Take(Field.Max - 6))
            {
                var at = bytes.Count;
                bytes.AddRange(Encoding.UTF8.GetBytes(name));
                bytes.Add(0);
                headers.Add((at, bytes.Count, value.Length));
                bytes.AddRange(value);
            }

            return new TraceBlob(activity, [.. bytes, 0], [.. headers]);
        }
    }

    /// <summary>rd_kafka_vu_t: the field's type (RD_KAFKA_VTYPE_..), then a 64-byte union: a number, or (pointer, size), or (name, value, size).</summary>
    [StructLayout(LayoutKind.Explicit, Size = 72)]
    private struct Field
    {
        public const int Max = 10;
        public const int TopicHandle = 2;
        public const int Value = 4;
        public const int Key = 5;
        public const int Flags = 7;
        public const int Timestamp = 8;
        private const int HeaderType = 9;

        [FieldOffset(0)]
        private int type;

        [FieldOffset(8)]
        private long first; // a number (little-endian: an int field reads its low half), or a pointer

        [FieldOffset(16)]
        private long second;

        [FieldOffset(24)]
        private long third;

        public static Field Number(int type, long value) => new() { type = type, first = value };

        public static Field Memory(int type, byte* pointer, int size) => new() { type = type, first = (long)pointer, second = size };

        public static Field Header(byte* name, byte* value, int size) => new() { type = HeaderType, first = (long)name, second = (long)value, third = size };
    }

    private static partial class Native
    {
        [LibraryImport(KafkaNative.LibraryName, EntryPoint = "rd_kafka_conf_new")]
        public static partial IntPtr ConfNew();

        [LibraryImport(KafkaNative.LibraryName, EntryPoint = "rd_kafka_conf_set", StringMarshalling = StringMarshalling.Utf8)]
        public static partial int ConfSet(IntPtr config, string name, string value, byte* error, nint errorSize);

        [LibraryImport(KafkaNative.LibraryName, EntryPoint = "rd_kafka_conf_set_dr_msg_cb")]
        public static partial void ConfSetDeliveryCallback(IntPtr config, delegate* unmanaged[Cdecl]<IntPtr, IntPtr, IntPtr, void> callback);

        [LibraryImport(KafkaNative.LibraryName, EntryPoint = "rd_kafka_conf_set_opaque")]
        public static partial void ConfSetOpaque(IntPtr config, IntPtr opaque);

        [LibraryImport(KafkaNative.LibraryName, EntryPoint = "rd_kafka_conf_destroy")]
        public static partial void ConfDestroy(IntPtr config);

        [LibraryImport(KafkaNative.LibraryName, EntryPoint = "rd_kafka_new")]
        public static partial IntPtr New(int type, IntPtr config, byte* error, nint errorSize);

        [LibraryImport(KafkaNative.LibraryName, EntryPoint = "rd_kafka_destroy")]
        public static partial void Destroy(IntPtr kafka);

        [LibraryImport(KafkaNative.LibraryName, EntryPoint = "rd_kafka_topic_new", StringMarshalling = StringMarshalling.Utf8)]
        public static partial IntPtr TopicNew(IntPtr kafka, string topic, IntPtr config);

        [LibraryImport(KafkaNative.LibraryName, EntryPoint = "rd_kafka_topic_destroy")]
        public static partial void TopicDestroy(IntPtr topic);

        [LibraryImport(KafkaNative.LibraryName, EntryPoint = "rd_kafka_produceva")]
        public static partial IntPtr Produce(IntPtr kafka, Field* fields, nint count);

        [LibraryImport(KafkaNative.LibraryName, EntryPoint = "rd_kafka_error_code")]
        public static partial int ErrorCodeOf(IntPtr error);

        [LibraryImport(KafkaNative.LibraryName, EntryPoint = "rd_kafka_error_string")]
        public static partial IntPtr ErrorString(IntPtr error);

        [LibraryImport(KafkaNative.LibraryName, EntryPoint = "rd_kafka_error_destroy")]
        public static partial void ErrorDestroy(IntPtr error);

        [LibraryImport(KafkaNative.LibraryName, EntryPoint = "rd_kafka_err2str")]
        public static partial IntPtr ErrorName(int code);

        [LibraryImport(KafkaNative.LibraryName, EntryPoint = "rd_kafka_poll")]
        public static partial int Poll(IntPtr kafka, int timeoutMs);

        [LibraryImport(KafkaNative.LibraryName, EntryPoint = "rd_kafka_flush")]
        public static partial int Flush(IntPtr kafka, int timeoutMs);

        [LibraryImport(KafkaNative.LibraryName, EntryPoint = "rd_kafka_outq_len")]
        public static partial int OutQueueLength(IntPtr kafka);
    }
}
