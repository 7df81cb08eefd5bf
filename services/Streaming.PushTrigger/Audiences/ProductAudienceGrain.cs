using Orleans.Concurrency;
using Orleans.Storage;
using Streaming.Profiles.Contracts;
using Streaming.PushTrigger.Feeds;
using Streaming.PushTrigger.Rules;
using Streaming.PushTrigger.Silo;
using Streaming.PushTrigger.Users;

namespace Streaming.PushTrigger.Audiences;

/// <summary>
/// One product as the push rules see it (key = product id): its city and wishlisters (fed from events), and the last
/// profile version seen (fed from profile-changes), against which a new profile is compared to fire product rules.
/// </summary>
public interface IProductAudienceGrain : IFeedGrain
{
    Task<Guid> ApplyAsync(Immutable<AudienceEvent[]> events);

    /// <summary>Fires the product rules on each change in order; versions at or below the last seen are replays.</summary>
    Task<Guid> OnProfileChangesAsync(Immutable<ProfileVersion[]> changes);
}

[GenerateSerializer]
public sealed class ProductAudienceState
{
    [Id(0)] public string? City { get; set; }

    /// <summary>User → when they wishlisted the product (event time).</summary>
    [Id(1)] public Dictionary<string, DateTimeOffset> Wishlisters { get; set; } = new(StringComparer.Ordinal);

    [Id(2)] public Dictionary<int, long> AppliedOffsets { get; set; } = [];

    [Id(3)] public ProductProfile? Previous { get; set; }

    [Id(4)] public long Version { get; set; }
}

/// <summary>
/// A rule that fires asks each user of its audience to decide. The users' decisions are written before this grain's
/// version (its <see cref="FlushAsync"/> flushes them first), so a version is never marked seen while a decision it
/// caused is unwritten; a user activation lost meanwhile makes the flush fail, and the change is read again.
/// </summary>
public sealed partial class ProductAudienceGrain(
    [PersistentState("product", PushStorage.Name)] IPersistentState<ProductAudienceState> stored,
    PushRuleSet rules,
    DecisionGate gate,
    [FromKeyedServices(PushClock.Key)] TimeProvider clock,
    ILogger<ProductAudienceGrain> logger) : Grain, IProductAudienceGrain
{
    /// <summary>Replaced when what this activation applied is dropped (a storage conflict, a user that lost its decisions), so that the feeds read it again.</summary>
    private Guid activation = Guid.NewGuid();
    private readonly Dictionary<string, Guid> considered = new(StringComparer.Ordinal);
    private bool dirty;

    private string ProductId => this.GetPrimaryKeyString();

    public Task<Guid> ApplyAsync(Immutable<AudienceEvent[]> events)
    {
        foreach (var e in events.Value)
        {
            if (!Audience.FirstTime(stored.State.AppliedOffsets, e.Partition, e.Offset))
            {
                continue;
            }

            dirty = true;
            stored.State.City = e.City ?? stored.State.City;
            if (e.Kind == UserEventKind.Wishlist)
            {
                Audience.Add(stored.State.Wishlisters, e.UserId, e.At.ToUniversalTime());
            }
        }

        return Task.FromResult(activation);
    }

    public async Task<Guid> OnProfileChangesAsync(Immutable<ProfileVersion[]> changes)
    {
        var applying = activation;
        foreach (var change in changes.Value)
        {
            if (change.Version <= stored.State.Version)
            {
                continue; // a replay of profile-changes, or a re-emit after the profiles silo crashed
            }

            await FireAsync(change.Profile);
            stored.State.Previous = change.Profile;
            stored.State.Version = change.Version;
            dirty = true;
        }

        return applying;
    }

    public async Task<Guid> FlushAsync()
    {
        if (considered.Count > 0)
        {
            var users = considered.ToArray();
            var flushed = await Task.WhenAll(users.Select(u => GrainFactory.GetGrain<IUserPushGrain>(u.Key).FlushAsync()));
            if (users.Where((u, i) => flushed[i] != u.Value).Select(u => u.Key).FirstOrDefault() is { } lost)
            {
                // That user's decisions may be gone: forget this activation's versions and read them again.
                LogUserLost(logger, ProductId, lost);
                await DropUnwrittenAsync();
                return activation;
            }

            considered.Clear();
        }

        if (dirty)
        {
            Audience.Prune(stored.State.Wishlisters, clock.GetUtcNow() - rules.Options.ActivityWindow, rules.Options.MaxAudience);
            try
            {
                await stored.WriteStateAsync();
                dirty = false;
            }
            catch (InconsistentStateException ex)
            {
                LogConflict(logger, ProductId, ex.Message);
                await DropUnwrittenAsync();
            }
        }

        return activation;
    }

    /// <summary>Takes the stored state in place of this activation's; the new id makes the feeds read what it applied again.</summary>
    private async Task DropUnwrittenAsync()
    {
        await stored.ReadStateAsync();
        considered.Clear();
        dirty = false;
        activation = Guid.NewGuid();
    }

    private async Task FireAsync(ProductProfile profile)
    {
        var now = clock.GetUtcNow();
        foreach (var (rule, kind) in rules.ProductRules)
        {
            if (kind.Triggered(rule, stored.State.Previous, profile, stored.State.City) is not { } trigger)
            {
                continue;
            }

            var since = now - rule.Window;
            var users = kind.Audience switch
            {
                ProductAudience.Wishlisters => stored.State.Wishlisters.Where(w => w.Value >= since).Select(w => w.Key).ToArray(),
                _ => await GrainFactory.GetGrain<ICityAudienceGrain>(trigger.City!.ToLowerInvariant()).ActiveSinceAsync(since),
            };
            LogFired(logger, rule.Id, ProductId, trigger.Window, users.Length);
            var activations = await Task.WhenAll(users.Select(u => gate.RunAsync(() => GrainFactory.GetGrain<IUserPushGrain>(u).ConsiderAsync(trigger))));
            for (var i = 0; i < users.Length; i++)
            {
                considered.TryAdd(users[i], activations[i]);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Rule {Rule} fired for {ProductId} ({Window}): {Users} users to decide")]
    private static partial void LogFired(ILogger logger, string rule, string productId, string window, int users);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Product {ProductId}: storage conflict (another activation wrote); took its state, what it applied is read again: {Reason}")]
    private static partial void LogConflict(ILogger logger, string productId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Product {ProductId}: user {UserId} was reactivated before writing its decisions; reading the changes again")]
    private static partial void LogUserLost(ILogger logger, string productId, string userId);
}
