using System.Runtime.InteropServices;

namespace Streaming.ClickHouse.Tests.Chdb;

/// <summary>
/// The part of libchdb.so's C API (chdb.h of chDB 26.7) these tests use. The library is not on the loader's path: it
/// comes from the npm package <c>@chdb/lib-linux-x64-gnu</c> that <c>./run test</c> installs under .local/chdb, and
/// <see cref="Load"/> points the "chdb" imports at that file.
/// </summary>
internal static partial class ChdbNative
{
    private const string LibraryName = "chdb";

    /// <summary>The npm package that ships libchdb.so; tools/chdb/package.json pins its version.</summary>
    public const string PackageName = "@chdb/lib-linux-x64-gnu";

    /// <summary>The folder (relative to the repository) that <c>./run</c> installs tools/chdb/package.json into.</summary>
    public const string InstallFolder = ".local/chdb";

    /// <summary>Overrides where libchdb.so is looked for (a file path).</summary>
    public const string LibraryVariable = "CHDB_LIBRARY";

    private static readonly Lock Gate = new();
    private static bool loaded;

    /// <summary>Loads libchdb.so once per process; throws with what to do when it is missing or will not load.</summary>
    public static void Load()
    {
        lock (Gate)
        {
            if (loaded)
            {
                return;
            }

            var path = LibraryPath();
            if (!File.Exists(path))
            {
                throw new InvalidOperationException(
                    $"libchdb.so (ClickHouse 26.x as a library) is not at {path}. These tests check the fleet's SQL on current " +
                    $"ClickHouse through it: './run test' installs it (by hand: see tools/chdb/README.md), or set {LibraryVariable} " +
                    "to a libchdb.so.");
            }

            nint handle;
            try
            {
                handle = NativeLibrary.Load(path);
            }
            catch (DllNotFoundException ex)
            {
                throw new InvalidOperationException($"libchdb.so at {path} did not load: {ex.Message}", ex);
            }

            NativeLibrary.SetDllImportResolver(
                typeof(ChdbNative).Assembly, (name, _, _) => name == LibraryName ? handle : 0);
            // chDB would otherwise install process-wide handlers for SIGSEGV and others, which the .NET runtime owns.
            SetSignalHandlersEnabled(0);
            loaded = true;
        }
    }

    private static string LibraryPath()
    {
        var configured = Environment.GetEnvironmentVariable(LibraryVariable);
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return Path.GetFullPath(configured);
        }

        var root = RepositoryFolder.Find() ?? throw new InvalidOperationException(
            $"The repository (Streaming.sln) was not found above {AppContext.BaseDirectory}; set {LibraryVariable} to a libchdb.so.");
        return Path.Combine(root, InstallFolder, "node_modules", PackageName, "libchdb.so");
    }

    [LibraryImport(LibraryName, EntryPoint = "chdb_version")]
    public static partial nint Version();

    [LibraryImport(LibraryName, EntryPoint = "chdb_set_signal_handlers_enabled")]
    private static partial void SetSignalHandlersEnabled(int enabled);

    /// <summary>Returns a chdb_connection* (a pointer to the handle), or 0.</summary>
    [LibraryImport(LibraryName, EntryPoint = "chdb_connect")]
    public static unsafe partial nint Connect(int argc, byte** argv);

    [LibraryImport(LibraryName, EntryPoint = "chdb_close_conn")]
    public static partial void CloseConnection(nint connectionPointer);

    [LibraryImport(LibraryName, EntryPoint = "chdb_query_n")]
    public static unsafe partial nint Query(nint connection, byte* query, nuint queryLength, byte* format, nuint formatLength);

    [LibraryImport(LibraryName, EntryPoint = "chdb_result_buffer")]
    public static partial nint ResultBuffer(nint result);

    [LibraryImport(LibraryName, EntryPoint = "chdb_result_length")]
    public static partial nuint ResultLength(nint result);

    /// <summary>A NUL-terminated message, or 0 when the statement succeeded.</summary>
    [LibraryImport(LibraryName, EntryPoint = "chdb_result_error")]
    public static partial nint ResultError(nint result);

    [LibraryImport(LibraryName, EntryPoint = "chdb_destroy_query_result")]
    public static partial void DestroyResult(nint result);

    /// <summary>Starts an INSERT (without FORMAT or data) whose data arrives through <see cref="StreamAppend"/>.</summary>
    [LibraryImport(LibraryName, EntryPoint = "chdb_stream_insert_n")]
    public static unsafe partial nint StreamInsert(nint connection, byte* query, nuint queryLength, byte* format, nuint formatLength);

    /// <summary>0 on success.</summary>
    [LibraryImport(LibraryName, EntryPoint = "chdb_stream_append")]
    public static unsafe partial int StreamAppend(nint stream, byte* data, nuint length);

    /// <summary>Commits the insert; returns a result to check and destroy like a query's.</summary>
    [LibraryImport(LibraryName, EntryPoint = "chdb_stream_done")]
    public static partial nint StreamDone(nint stream);

    [LibraryImport(LibraryName, EntryPoint = "chdb_stream_insert_error")]
    public static partial nint StreamInsertError(nint stream);

    [LibraryImport(LibraryName, EntryPoint = "chdb_destroy_insert_stream")]
    public static partial void DestroyInsertStream(nint stream);
}
