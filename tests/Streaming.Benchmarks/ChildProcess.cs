using System.Diagnostics;
using System.Reflection;

namespace Streaming.Benchmarks;

/// <summary>
/// This benchmark program started again as a child process, with another command (its first argument). The program is
/// the entry assembly: Streaming.Benchmarks, or a benchmark program that references it (Streaming.Benchmarks.Peers).
/// </summary>
internal static class ChildProcess
{
    /// <summary>Runs under `dotnet Program.dll` or as its own executable: either way the same program.</summary>
    public static ProcessStartInfo StartInfo(params IEnumerable<string> arguments)
    {
        var self = Environment.ProcessPath ?? throw new InvalidOperationException("Unknown process path.");
        var start = new ProcessStartInfo(self) { UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            start.ArgumentList.Add((Assembly.GetEntryAssembly() ?? typeof(ChildProcess).Assembly).Location);
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        return start;
    }
}
