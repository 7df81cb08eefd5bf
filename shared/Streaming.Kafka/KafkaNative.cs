using System.Runtime.InteropServices;
using Confluent.Kafka;

namespace Streaming.Kafka;

/// <summary>
/// Loads the system librdkafka once per process, with a message that says what to do when it is missing.
/// <see cref="KafkaClients"/> calls it before building a client; it is machinery, not API.
/// </summary>
internal static class KafkaNative
{
    public const string LibraryName = "librdkafka.so.1";
    private static readonly Lock Gate = new();
    private static bool loaded;

    public static void EnsureLoaded()
    {
        lock (Gate)
        {
            if (loaded)
            {
                return;
            }

            // Confluent.Kafka 1.9.3 dlopens "libdl", which Debian 12 ships only as libdl.so.2.
            NativeLibrary.SetDllImportResolver(typeof(Library).Assembly, static (name, _, _) =>
                name == "libdl" ? NativeLibrary.Load("libdl.so.2") : IntPtr.Zero);
            if (!NativeLibrary.TryLoad(LibraryName, out _))
            {
                throw new InvalidOperationException(
                    "librdkafka is not installed. Install it with 'apt-get install -y librdkafka1 librdkafka-dev' (./run does this for you).");
            }

            Library.Load(LibraryName);
            loaded = true;
        }
    }
}
