using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Hosting;

namespace Streaming.ServiceDefaults;

/// <summary>
/// When the dev host or a test starts this service, it passes its process id; if that process dies
/// without stopping us (SIGKILL, crash), we stop too instead of lingering on its ports.
/// </summary>
internal sealed class ParentProcessWatcher(IHostApplicationLifetime lifetime) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var value = Environment.GetEnvironmentVariable(ServiceDefaultsExtensions.ParentPidVariable);
        if (!int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var pid))
        {
            return;
        }

        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            if (!IsAlive(pid))
            {
                lifetime.StopApplication();
                return;
            }
        }
    }

    private static bool IsAlive(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
