using Orleans.Concurrency;
using Streaming.PushTrigger.Feeds;
using Streaming.PushTrigger.Rules;
using Streaming.PushTrigger.Silo;

namespace Streaming.PushTrigger.Audiences;

/// <summary>The users recently active on products of one city (key = city, lower case): trending_in_city's audience.</summary>
public interface ICityAudienceGrain : IFeedGrain
{
    Task<Guid> ApplyAsync(Immutable<AudienceEvent[]> events);

    Task<string[]> ActiveSinceAsync(DateTimeOffset since);
}

[GenerateSerializer]
public sealed class CityAudienceState
{
    /// <summary>User → their latest activity in the city (event time).</summary>
    [Id(0)] public Dictionary<string, DateTimeOffset> Users { get; set; } = new(StringComparer.Ordinal);

    [Id(1)] public Dictionary<int, long> AppliedOffsets { get; set; } = [];
}

public sealed class CityAudienceGrain(
    [PersistentState("city", PushStorage.Name)] IPersistentState<CityAudienceState> stored,
    PushRuleSet rules,
    [FromKeyedServices(PushClock.Key)] TimeProvider clock) : Grain, ICityAudienceGrain
{
    private readonly Guid activation = Guid.NewGuid();
    private bool dirty;

    public Task<Guid> ApplyAsync(Immutable<AudienceEvent[]> events)
    {
        foreach (var e in events.Value)
        {
            if (Audience.FirstTime(stored.State.AppliedOffsets, e.Partition, e.Offset))
            {
                Audience.Add(stored.State.Users, e.UserId, e.At.ToUniversalTime());
                dirty = true;
            }
        }

        return Task.FromResult(activation);
    }

    public Task<string[]> ActiveSinceAsync(DateTimeOffset since) =>
        Task.FromResult(stored.State.Users.Where(u => u.Value >= since).Select(u => u.Key).ToArray());

    public async Task<Guid> FlushAsync()
    {
        if (dirty)
        {
            Audience.Prune(stored.State.Users, clock.GetUtcNow() - rules.Options.ActivityWindow, rules.Options.MaxAudience);
            await stored.WriteStateAsync();
            dirty = false;
        }

        return activation;
    }
}
