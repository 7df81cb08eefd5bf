using System.Diagnostics;

namespace Streaming.Benchmarks;

/// <summary>This benchmark program started again as a child process, with another command (its first argument).</summary>
internal static class ChildProcess
{
    /// <summary>Runs under `dotnet Streaming.Benchmarks.dll` or as its own executable: either way the same program.</summary>
    public static ProcessStartInfo StartInfo(params IEnumerable<string> arguments)
    {
        var self = Environment.ProcessPath ?? throw new InvalidOperationException("Unknown process path.");
        var start = new ProcessStartInfo(self) { UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            start.ArgumentList.Add(typeof(ChildProcess).Assembly.Location);
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        return start;
    }
}
