using System.Reflection;
using System.Runtime.InteropServices;
using Confluent.Kafka;

namespace Streaming.Kafka;

/// <summary>
/// Loads the librdkafka that the librdkafka.redist package bundles, once per process, and binds every P/Invoke of
/// Confluent.Kafka (and of <see cref="BindImports"/>'ed assemblies, such as the local mock cluster) to it.
/// The package's default <c>librdkafka.so</c> needs <c>libsasl2.so.3</c>, which Debian 12 lacks, and the runtime
/// would then fall back to whatever system librdkafka exists; its <c>centos8-librdkafka.so</c> needs only glibc.
/// <see cref="KafkaClients"/> calls it before building a client; it is machinery, not API.
/// </summary>
internal static class KafkaNative
{
    /// <summary>The name P/Invokes use for librdkafka; <see cref="BindImports"/> resolves it to the loaded library.</summary>
    public const string LibraryName = "librdkafka";

    /// <summary>The redist's build for glibc-based Linux without SASL/Kerberos system libraries.</summary>
    public const string BundledFileName = "centos8-librdkafka.so";

    private const string RedistFolder = "runtimes/linux-x64/native";
    private static readonly Lock Gate = new();
    private static readonly HashSet<Assembly> Bound = [];
    private static IntPtr handle;

    /// <summary>Where the loaded library came from (null before <see cref="EnsureLoaded"/>).</summary>
    public static string? LoadedPath { get; private set; }

    public static void EnsureLoaded()
    {
        lock (Gate)
        {
            if (handle != IntPtr.Zero)
            {
                return;
            }

            if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64)
            {
                throw new PlatformNotSupportedException(
                    $"The fleet runs on linux-x64 (glibc); this is {RuntimeInformation.RuntimeIdentifier}.");
            }

            var path = Locate();
            handle = NativeLibrary.Load(path);
            LoadedPath = path;
            BindImportsLocked(typeof(Library).Assembly);
        }
    }

    /// <summary>Makes <paramref name="assembly"/>'s imports of <see cref="LibraryName"/> use the library Confluent.Kafka uses.</summary>
    public static void BindImports(Assembly assembly)
    {
        EnsureLoaded();
        lock (Gate)
        {
            BindImportsLocked(assembly);
        }
    }

    private static void BindImportsLocked(Assembly assembly)
    {
        if (Bound.Add(assembly))
        {
            NativeLibrary.SetDllImportResolver(assembly, Resolve);
        }
    }

    // Confluent.Kafka asks for "librdkafka" and, on its fallbacks, for e.g. "centos8-librdkafka.so"; its explicit
    // loader asks for "libdl", which Debian 12 ships only as libdl.so.2.
    private static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath) =>
        name.Contains("rdkafka", StringComparison.Ordinal) ? handle
        : name == "libdl" ? NativeLibrary.Load("libdl.so.2")
        : IntPtr.Zero;

    /// <summary>Next to the app (build output or `dotnet publish`), else in the NuGet cache the build restored from.</summary>
    private static string Locate()
    {
        var baseDirectory = AppContext.BaseDirectory;
        var candidates = new List<string>
        {
            Path.Combine(baseDirectory, RedistFolder, BundledFileName),
            // A RID-specific publish flattens runtimes/<rid>/native/ into the app folder.
            Path.Combine(baseDirectory, BundledFileName),
        };
        var version = typeof(Library).Assembly.GetName().Version;
        if (version is not null)
        {
            var packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } configured
                ? configured
                : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
            candidates.Add(Path.Combine(packages, "librdkafka.redist", $"{version.Major}.{version.Minor}.{version.Build}", RedistFolder, BundledFileName));
        }

        return candidates.FirstOrDefault(File.Exists) ?? throw new InvalidOperationException(
            $"The bundled librdkafka ({BundledFileName} from the librdkafka.redist package) was not found; looked at: "
            + string.Join(", ", candidates)
            + ". Build or publish the app with its Confluent.Kafka package reference so that " + RedistFolder + "/ is copied next to it.");
    }
}
