using System.Globalization;

namespace Streaming.Benchmarks.Load;

/// <summary>CPU time from /proc: of one process with its descendants, and of the whole machine.</summary>
internal static class ProcessCpu
{
    // USER_HZ: /proc counts CPU time in these ticks; 100 on every Linux this runs on (getconf CLK_TCK).
    private const double TicksPerSecond = 100;

    /// <summary>The processes whose parent is <paramref name="parentPid"/>, with their command lines.</summary>
    public static List<(int Pid, string CommandLine)> Children(int parentPid)
    {
        var children = new List<(int, string)>();
        foreach (var pid in AllPids())
        {
            if (Stat(pid) is { } stat && stat.ParentPid == parentPid)
            {
                children.Add((pid, CommandLine(pid)));
            }
        }

        return children;
    }

    /// <summary>User plus system CPU time of each root process with every process below it (zero once it is gone).</summary>
    public static Dictionary<int, TimeSpan> TreeCpu(IReadOnlyCollection<int> roots)
    {
        var parents = new Dictionary<int, int>();
        var ticks = new Dictionary<int, long>();
        foreach (var p in AllPids())
        {
            if (Stat(p) is { } stat)
            {
                parents[p] = stat.ParentPid;
                ticks[p] = stat.Ticks;
            }
        }

        var totals = roots.ToDictionary(r => r, _ => 0L);
        foreach (var (p, t) in ticks)
        {
            // Charged to the nearest root above it (a root inside another root's tree keeps its own).
            for (var up = p; parents.TryGetValue(up, out var parent); up = parent)
            {
                if (totals.ContainsKey(up))
                {
                    totals[up] += t;
                    break;
                }
            }
        }

        return totals.ToDictionary(e => e.Key, e => TimeSpan.FromSeconds(e.Value / TicksPerSecond));
    }

    /// <summary>CPU time every core spent busy (not idle, not waiting for I/O) since boot.</summary>
    public static TimeSpan MachineBusy()
    {
        // "cpu  user nice system idle iowait irq softirq steal ..."
        var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1)
            .Take(8).Select(f => long.Parse(f, CultureInfo.InvariantCulture)).ToArray();
        return TimeSpan.FromSeconds((fields.Sum() - fields[3] - fields[4]) / TicksPerSecond);
    }

    private static IEnumerable<int> AllPids()
    {
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                yield return pid;
            }
        }
    }

    /// <summary>Parent pid and utime + stime, or null when the process is gone.</summary>
    private static (int ParentPid, long Ticks)? Stat(int pid)
    {
        string text;
        try
        {
            text = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }

        // "pid (comm) state ppid ... utime stime": comm may hold spaces and parentheses, so fields count from the last ')'.
        var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
        return (int.Parse(fields[1], CultureInfo.InvariantCulture),
            long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture));
    }

    private static string CommandLine(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/cmdline").Replace('\0', ' ').Trim();
        }
        catch (IOException)
        {
            return "";
        }
    }
}
