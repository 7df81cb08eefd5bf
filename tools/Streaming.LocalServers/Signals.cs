using System.Runtime.InteropServices;

namespace Streaming.LocalServers;

/// <summary>Signals to child processes: SIGTERM for a graceful stop (Process.Kill sends SIGKILL), SIGSTOP/SIGCONT for a hang.</summary>
public static partial class Signals
{
    private const int SigKill = 9;
    private const int SigTerm = 15;
    private const int SigCont = 18;
    private const int SigStop = 19;

    public static void Terminate(int pid) => _ = Kill(pid, SigTerm);

    /// <summary>SIGKILL: a crash, without the waiting of <see cref="System.Diagnostics.Process.Kill()"/>.</summary>
    public static void KillNow(int pid) => _ = Kill(pid, SigKill);

    /// <summary>SIGSTOP: the process hangs (keeps its sockets open, answers nothing) until <see cref="Resume"/>.</summary>
    public static void Suspend(int pid) => _ = Kill(pid, SigStop);

    public static void Resume(int pid) => _ = Kill(pid, SigCont);

    [LibraryImport("libc", EntryPoint = "kill")]
    private static partial int Kill(int pid, int signal);
}
