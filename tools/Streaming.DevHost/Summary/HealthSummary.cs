using System.Globalization;
using Streaming.DevHost.Supervision;

namespace Streaming.DevHost.Summary;

/// <summary>
/// The summary line's health segment: "all services up", or which processes are down (with their exit code and when
/// the supervisor starts them again), then "restarted Aggregator 2x, ClickHouse 1x" once anything was restarted.
/// </summary>
public static class HealthSummary
{
    /// <param name="exited">Services whose process has exited (named as the summary names them).</param>
    /// <param name="supervised">The supervisor's view, or null when nothing restarts exited processes.</param>
    /// <param name="now">For "next start in N s".</param>
    public static string Format(IReadOnlyList<string> exited, IReadOnlyList<SupervisedStatus>? supervised, DateTimeOffset now)
    {
        if (supervised is null)
        {
            return exited.Count == 0 ? "all services up" : "DOWN: " + string.Join(",", exited) + " (see logs)";
        }

        var down = supervised.Where(s => s.Down).Select(s => s.Name + " (" + Why(s, now) + ")")
            .Concat(exited.Where(name => !supervised.Any(s => s.Name == name && s.Down)).Select(name => name + " (exited)"))
            .ToList();
        var state = down.Count == 0 ? "all services up" : "DOWN: " + string.Join(", ", down);
        var restarted = supervised.Where(s => s.Restarts > 0).Select(s => string.Create(CultureInfo.InvariantCulture, $"{s.Name} {s.Restarts}x")).ToList();
        return restarted.Count == 0 ? state : state + "; restarted " + string.Join(", ", restarted);
    }

    private static string Why(SupervisedStatus status, DateTimeOffset now)
    {
        var code = status.LastExitCode is { } exitCode ? string.Create(CultureInfo.InvariantCulture, $"exit {exitCode}, ") : "";
        return status.NextStart switch
        {
            null => code + "did not start again, see its log",
            { } at when at > now => code + string.Create(CultureInfo.InvariantCulture, $"next start in {Math.Ceiling((at - now).TotalSeconds):0} s"),
            _ => code + "starting",
        };
    }
}
