using Streaming.PushTrigger.Rules;
using Streaming.PushTrigger.Users;

namespace Streaming.PushTrigger.Tests;

/// <summary>A user's activity built event by event, with increasing events offsets (as the events topic gives them).</summary>
internal sealed class UserBuilder(TimeProvider clock, PushTriggerOptions? options = null)
{
    private readonly PushTriggerOptions settings = options ?? new PushTriggerOptions();
    private long offset;

    public UserActivity Activity { get; } = NewActivity(options ?? new PushTriggerOptions());

    public static UserActivity NewActivity(PushTriggerOptions options) => new(new UserState(), options.ActivityWindow, options.MaxItemsPerUser);

    public UserBuilder Do(UserEventKind kind, string product, DateTimeOffset at, string? city = "Seoul")
    {
        Activity.Apply(new UserEvent(kind, product, at, city, 0, offset++), clock.GetUtcNow());
        return this;
    }

    public UserBuilder View(string product, DateTimeOffset at, string? city = "Seoul") => Do(UserEventKind.View, product, at, city);

    public UserBuilder Wishlist(string product, DateTimeOffset at, string? city = "Seoul") => Do(UserEventKind.Wishlist, product, at, city);

    public UserBuilder Book(string product, DateTimeOffset at, string? city = "Seoul") => Do(UserEventKind.Booking, product, at, city);

    public PushTriggerOptions Options => settings;
}
