using Orleans.Concurrency;
using Orleans.Storage;
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

public sealed partial class CityAudienceGrain(
    [PersistentState("city", PushStorage.Name)] IPersistentState<CityAudienceState> stored,
    PushRuleSet rules,
    [FromKeyedServices(PushClock.Key)] TimeProvider clock,
    ILogger<CityAudienceGrain> logger) : Grain, ICityAudienceGrain
{
    /// <summary>Replaced when a storage conflict drops what this activation applied, so that the feed reads it again.</summary>
    private Guid activation = Guid.NewGuid();
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
            try
            {
                await stored.WriteStateAsync();
            }
            catch (InconsistentStateException ex)
            {
                // Another activation wrote first: take its state; the new id makes the feed read this one's events again.
                LogConflict(logger, this.GetPrimaryKeyString(), ex.Message);
                await stored.ReadStateAsync();
                activation = Guid.NewGuid();
            }

            dirty = false;
        }

        return activation;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "City {City}: storage conflict (another activation wrote); took its state, its events are read again: {Reason}")]
    private static partial void LogConflict(ILogger logger, string city, string reason);
}
