using System.Runtime.InteropServices;
using System.Text;

namespace Streaming.ClickHouse.Tests.Chdb;

/// <summary>
/// A connection to chDB, the ClickHouse engine inside this process, with its data under one folder. chDB runs one
/// engine per process and a connection one statement at a time: callers serialise their calls.
/// </summary>
internal sealed unsafe class ChdbSession : IDisposable
{
    private nint connectionPointer;

    private ChdbSession(nint connectionPointer) => this.connectionPointer = connectionPointer;

    /// <summary>chDB's own version, e.g. 26.7.3 (the ClickHouse it embeds reports its version through version()).</summary>
    public static string LibraryVersion
    {
        get
        {
            ChdbNative.Load();
            return Marshal.PtrToStringUTF8(ChdbNative.Version()) ?? "";
        }
    }

    /// <summary>Boots the engine on <paramref name="dataPath"/>; <paramref name="settings"/> are "--name=value" session settings.</summary>
    public static ChdbSession Open(string dataPath, params string[] settings)
    {
        ChdbNative.Load();
        string[] arguments = ["clickhouse", "--path=" + dataPath, .. settings];
        var utf8 = arguments.Select(a => Marshal.StringToCoTaskMemUTF8(a)).ToArray();
        try
        {
            fixed (nint* argv = utf8)
            {
                var pointer = ChdbNative.Connect(arguments.Length, (byte**)argv);
                return pointer == 0
                    ? throw new InvalidOperationException($"chDB did not open a connection on {dataPath} (arguments: {string.Join(' ', arguments)}).")
                    : new ChdbSession(pointer);
            }
        }
        finally
        {
            foreach (var a in utf8)
            {
                Marshal.FreeCoTaskMem(a);
            }
        }
    }

    private nint Connection => connectionPointer == 0
        ? throw new ObjectDisposedException(nameof(ChdbSession))
        : *(nint*)connectionPointer;

    /// <summary>Runs one statement; returns its output in <paramref name="format"/> unless the statement names its own.</summary>
    public byte[] Query(string sql, string format = "TabSeparated")
    {
        var query = Encoding.UTF8.GetBytes(sql);
        var formatBytes = Encoding.ASCII.GetBytes(format);
        nint result;
        fixed (byte* q = query)
        fixed (byte* f = formatBytes)
        {
            result = ChdbNative.Query(Connection, q, (nuint)query.Length, f, (nuint)formatBytes.Length);
        }

        return TakeResult(result, sql);
    }

    /// <summary>
    /// Runs <paramref name="insert"/> (an INSERT without FORMAT) with <paramref name="data"/> in <paramref name="format"/>.
    /// The data goes through chDB's insert stream, not the query text: inline data would end at the first newline
    /// byte, which RowBinary is full of.
    /// </summary>
    public void Insert(string insert, string format, ReadOnlySpan<byte> data)
    {
        var query = Encoding.UTF8.GetBytes(insert);
        var formatBytes = Encoding.ASCII.GetBytes(format);
        nint stream;
        fixed (byte* q = query)
        fixed (byte* f = formatBytes)
        {
            stream = ChdbNative.StreamInsert(Connection, q, (nuint)query.Length, f, (nuint)formatBytes.Length);
        }

        try
        {
            ThrowIfError(ChdbNative.StreamInsertError(stream), insert);
            fixed (byte* d = data)
            {
                if (ChdbNative.StreamAppend(stream, d, (nuint)data.Length) != 0)
                {
                    ThrowIfError(ChdbNative.StreamInsertError(stream), insert);
                    throw new ChdbException("chDB refused the insert's data without saying why.", insert);
                }
            }

            TakeResult(ChdbNative.StreamDone(stream), insert);
        }
        finally
        {
            ChdbNative.DestroyInsertStream(stream);
        }
    }

    public void Dispose()
    {
        if (connectionPointer != 0)
        {
            // Closing the last connection shuts the engine down; the fixture does this once, at the end of the run.
            ChdbNative.CloseConnection(connectionPointer);
            connectionPointer = 0;
        }
    }

    private static byte[] TakeResult(nint result, string sql)
    {
        if (result == 0)
        {
            throw new ChdbException("chDB returned no result.", sql);
        }

        try
        {
            ThrowIfError(ChdbNative.ResultError(result), sql);
            var length = checked((int)ChdbNative.ResultLength(result));
            var buffer = ChdbNative.ResultBuffer(result);
            return length == 0 || buffer == 0 ? [] : new ReadOnlySpan<byte>((void*)buffer, length).ToArray();
        }
        finally
        {
            ChdbNative.DestroyResult(result);
        }
    }

    private static void ThrowIfError(nint error, string sql)
    {
        if (error != 0)
        {
            var text = Marshal.PtrToStringUTF8(error);
            if (!string.IsNullOrEmpty(text))
            {
                throw new ChdbException(text, sql);
            }
        }
    }
}

/// <summary>An error chDB reported, with ClickHouse's own text (e.g. "Code: 47. DB::Exception: Unknown expression identifier ...").</summary>
internal sealed class ChdbException(string engineText, string sql) : Exception(engineText)
{
    public string EngineText { get; } = engineText;

    public string Sql { get; } = sql;
}
