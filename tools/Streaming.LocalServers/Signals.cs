using System.Runtime.InteropServices;

namespace Streaming.LocalServers;

/// <summary>SIGTERM for a graceful stop (Process.Kill sends SIGKILL); SIGSTOP and SIGCONT to make a server hang and wake.</summary>
public static partial class Signals
{
    private const int SigTerm = 15;
    private const int SigCont = 18;
    private const int SigStop = 19;

    public static void Terminate(int pid) => _ = Kill(pid, SigTerm);

    public static void Suspend(int pid) => _ = Kill(pid, SigStop);

    public static void Resume(int pid) => _ = Kill(pid, SigCont);

    [LibraryImport("libc", EntryPoint = "kill")]
    private static partial int Kill(int pid, int signal);
}
