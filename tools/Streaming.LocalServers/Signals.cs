using System.Runtime.InteropServices;

namespace Streaming.LocalServers;

/// <summary>SIGTERM for a graceful stop (Process.Kill sends SIGKILL).</summary>
public static partial class Signals
{
    private const int SigTerm = 15;

    public static void Terminate(int pid) => _ = Kill(pid, SigTerm);

    [LibraryImport("libc", EntryPoint = "kill")]
    private static partial int Kill(int pid, int signal);
}
