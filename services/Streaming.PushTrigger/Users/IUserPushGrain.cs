using Orleans.Concurrency;
using Streaming.PushTrigger.Feeds;
using Streaming.PushTrigger.Rules;

namespace Streaming.PushTrigger.Users;

/// <summary>One user's push state (key = user id): activity, time zone, decided pushes.</summary>
public interface IUserPushGrain : IFeedGrain
{
    /// <summary>Applies the user's events (replays ignored by events offset) and runs the user rules on the products touched.</summary>
    Task<Guid> ApplyAsync(Immutable<UserEvent[]> events);

    /// <summary>A product rule fired: decides for this user if the rule targets them. Returns the activation's id.</summary>
    Task<Guid> ConsiderAsync(RuleTrigger trigger);

    /// <summary>Runs the user rules whose delayed check is due (the reminder calls it).</summary>
    Task CheckDueAsync();
}
