namespace Streaming.PushTrigger.Silo;

/// <summary>
/// The push rules' "now" is a keyed <see cref="TimeProvider"/> (the process's clock by default), so that tests can
/// move the rules' time (quiet hours, caps, delayed checks) without moving the time Orleans itself runs on.
/// </summary>
public static class PushClock
{
    public const string Key = "push";

    public static IServiceCollection AddPushClock(this IServiceCollection services) =>
        services.AddKeyedSingleton(Key, static (sp, _) => sp.GetRequiredService<TimeProvider>());
}
