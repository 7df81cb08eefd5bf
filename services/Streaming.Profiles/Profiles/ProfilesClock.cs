namespace Streaming.Profiles.Profiles;

/// <summary>
/// The profiles' "now" is a keyed <see cref="TimeProvider"/> (the process's clock by default), so that tests can move
/// the profiles' time without moving the time Orleans itself runs on.
/// </summary>
public static class ProfilesClock
{
    public const string Key = "profiles";

    public static IServiceCollection AddProfilesClock(this IServiceCollection services) =>
        services.AddKeyedSingleton(Key, static (sp, _) => sp.GetRequiredService<TimeProvider>());
}
