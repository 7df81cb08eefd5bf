using Streaming.DevHost.Supervision;

namespace Streaming.DevHost.Fleet;

/// <summary>
/// A service process under a <see cref="Supervisor"/>: <paramref name="current"/> reads where its process is kept,
/// <paramref name="replace"/> puts the new one there when it starts again, and a restart counts once the new process
/// answers <paramref name="healthPath"/> (within <paramref name="startTimeout"/>).
/// </summary>
public sealed class SupervisedService(
    Func<ServiceProcess> current, Action<ServiceProcess> replace, string healthPath, TimeSpan startTimeout) : ISupervisedProcess
{
    public string Name => LocalFleet.ShortName(current().Name);

    public string LogFile => current().LogFile;

    public Task<int> WaitForExitAsync(CancellationToken cancellationToken) => current().WaitForExitAsync(cancellationToken);

    public async Task RestartAsync(CancellationToken cancellationToken)
    {
        var next = current().StartAgain();
        replace(next);
        await next.WaitUntilHealthyAsync(healthPath, startTimeout, cancellationToken);
    }
}
