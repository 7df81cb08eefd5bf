using Orleans.Concurrency;
using Microsoft.Extensions.Options;
using Orleans.Placement;
using Orleans.Storage;
using Streaming.Profiles.Contracts;
using Streaming.Profiles.Status;

namespace Streaming.Profiles.Profiles;

/// <summary>
/// One product's live profile. Events are applied in memory and written on <see cref="FlushAsync"/> (the consumer's
/// barrier); the consumer stores its offsets only after that, so after a crash the events since are read again and
/// those already applied are recognised by their source position. Placed on the calling silo where possible, so a
/// partition's grains live where the partition is consumed. Every applied change a widget would show goes to
/// profile-changes at once, at most one per product per <see cref="ProfileOptions.ChangeInterval"/>; the trailing
/// change follows with the first batch after the interval, or by a timer <see cref="ProfileOptions.TrailingChangeWait"/>
/// later if no batch comes.
/// </summary>
[PreferLocalPlacement]
public sealed partial class ProductProfileGrain(
    [PersistentState(ProductProfileGrain.StateName, ProfilesStorage.Name)] IPersistentState<ProfileState> stored,
    IProfileChangeSink changes,
    IOptions<ProfileOptions> options,
    [FromKeyedServices(ProfilesClock.Key)] TimeProvider clock,
    ProfilesStatus status,
    KnownProducts known,
    ILogger<ProductProfileGrain> logger) : Grain, IProductProfileGrain, IProductProfileWriter
{
    /// <summary>The grain's state in <see cref="ProfilesStorage"/> (the lookup grain reads it too).</summary>
    public const string StateName = "profile";

    /// <summary>
    /// Names what this activation applied since its last write: replaced when those events are dropped (a storage
    /// conflict), so that the consumer, seeing another id, reads them again. Events are not kept for re-applying: they
    /// would live until the barrier, and past the young generation of the garbage collector.
    /// </summary>
    private Guid activation = Guid.NewGuid();
    /// <summary>Events applied since the last write.</summary>
    private int unwritten;
    private ProductActivity activity = null!;
    private IProductProfileWriter self = null!;
    private DateTimeOffset? lastEmittedAt;
    private long lastEmittedVersion;
    private bool changePending;
    private ITimer? trailingChange;

    private string ProductId => this.GetPrimaryKeyString();

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        activity = new ProductActivity(stored.State, options.Value);
        lastEmittedVersion = stored.State.EmittedVersion ?? stored.State.Version;
        self = this.AsReference<IProductProfileWriter>();
        status.Activated();
        // Activated by the consumer or by a lookup that found it stored: either way a real product.
        known.Add(ProductId);
        if (stored.State.RecentBookings.Exists(b => b.Version > lastEmittedVersion))
        {
            // Written, but the silo stopped before their change went out (coalescing held it): send it now.
            changePending = true;
            OnChanged(clock.GetUtcNow());
        }

        return Task.CompletedTask;
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        trailingChange?.Dispose();
        status.Deactivated();
        if (unwritten > 0)
        {
            try
            {
                // Best effort: if it fails, the consumer sees a new activation at its barrier and reads the events again.
                await FlushAsync();
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogDeactivationFlushFailed(logger, ProductId, unwritten, ex.Message);
            }
        }

        if (changePending)
        {
            Emit(clock.GetUtcNow());
        }
    }

    public Task<ProductProfile> GetProfileAsync() => Task.FromResult(activity.Profile(ProductId, clock.GetUtcNow()));

    public Task<FeedResult> ApplyAsync(Immutable<ProductEvent[]> events) => Task.FromResult(Apply(events.Value));

    public async Task<FeedResult> ApplyAndWriteAsync(Immutable<ProductEvent[]> events)
    {
        var result = Apply(events.Value);
        if (unwritten == 0)
        {
            return result with { Written = true };
        }

        try
        {
            activity.PackViewers();
            await stored.WriteStateAsync();
            Written();
            return result with { Written = true };
        }
        catch (InconsistentStateException ex)
        {
            // As in FlushAsync; the result keeps the id that applied the events: the barrier's flush then returns the
            // new one, and the consumer reads them again.
            await ReloadAsync(ex);
            return result;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Storage failing: the events stay applied and unwritten; the consumer's barrier flushes and waits.
            LogWriteFailed(logger, ProductId, unwritten, ex.Message);
            return result;
        }
    }

    public async Task<Guid> FlushAsync()
    {
        if (unwritten == 0)
        {
            return activation;
        }

        try
        {
            activity.PackViewers();
            await stored.WriteStateAsync();
            Written();
        }
        catch (InconsistentStateException ex)
        {
            // Another activation wrote since this one read (a duplicate activation): take its state; what this one
            // applied since its last write is read again by the consumer, which the new id tells to.
            await ReloadAsync(ex);
        }

        return activation;
    }

    public Task EmitDueChangeAsync()
    {
        trailingChange?.Dispose();
        trailingChange = null;
        if (changePending)
        {
            OnChanged(clock.GetUtcNow());
        }

        return Task.CompletedTask;
    }

    /// <summary>
    /// Emits the pending change now if the last one is at least an interval old; else makes sure a timer emits it
    /// <see cref="ProfileOptions.TrailingChangeWait"/> after the interval, unless a batch applied before then does.
    /// </summary>
    private void OnChanged(DateTimeOffset now)
    {
        var interval = options.Value.ChangeInterval;
        if (lastEmittedAt is not { } last || now - last >= interval)
        {
            trailingChange?.Dispose();
            trailingChange = null;
            Emit(now);
        }
        else if (trailingChange is null)
        {
            // The callback runs outside the grain: it calls the grain, so the emit is one more turn of its own.
            trailingChange = clock.CreateTimer(static s => ((IProductProfileWriter)s!).EmitDueChangeAsync(), self,
                last + interval - now + options.Value.TrailingChangeWait, Timeout.InfiniteTimeSpan);
        }
    }

    private FeedResult Apply(ProductEvent[] events)
    {
        var now = clock.GetUtcNow();
        int applied = 0, duplicates = 0;
        var changed = false;
        foreach (var e in events)
        {
            var result = activity.Apply(e, now);
            if (result == ApplyResult.Duplicate)
            {
                duplicates++;
                continue;
            }

            applied++;
            changed |= result == ApplyResult.Changed;
        }

        unwritten += applied;
        status.Applied(applied, duplicates);
        changePending |= changed;
        if (changePending)
        {
            OnChanged(now);
        }

        return new FeedResult(activation, applied, duplicates);
    }

    private void Written()
    {
        status.Written();
        unwritten = 0;
    }

    /// <summary>
    /// Takes the stored state in place of this activation's (another activation wrote it): the events applied here since
    /// the last write are dropped, and the new activation id tells the consumer to read them again (re-applying them
    /// here could not be done in order: newer events of the batch in flight may have been applied already).
    /// </summary>
    private async Task ReloadAsync(InconsistentStateException conflict)
    {
        LogConflict(logger, ProductId, unwritten, conflict.Message);
        await stored.ReadStateAsync();
        activity = new ProductActivity(stored.State, options.Value);
        unwritten = 0;
        activation = Guid.NewGuid();
    }

    private void Emit(DateTimeOffset now)
    {
        var state = activity.State;
        var newBookings = state.RecentBookings
            .Where(b => b.Version > lastEmittedVersion)
            .Select(b => new BookingEntry(b.EventId, ProductId, b.BookedAt, b.City, b.Category))
            .ToArray();
        changes.Publish(new ProfileChange(activity.Profile(ProductId, now), state.Version, state.LastPartition, state.LastOffset, now, newBookings));
        status.Emitted();
        lastEmittedAt = now;
        lastEmittedVersion = state.Version;
        state.EmittedVersion = state.Version;
        // Sent: the next write need not store them (serializing them was a large share of every write).
        state.RecentBookings.Clear();
        changePending = false;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Profile {ProductId}: storage conflict (another activation wrote); took its state, {Unwritten} events applied here are read again: {Reason}")]
    private static partial void LogConflict(ILogger logger, string productId, int unwritten, string reason);

    // Debug: while storage is down every product fed says so; the consumer's barrier logs it once per partition.
    [LoggerMessage(Level = LogLevel.Debug, Message = "Profile {ProductId}: writing {Unwritten} events failed; the barrier retries: {Reason}")]
    private static partial void LogWriteFailed(ILogger logger, string productId, int unwritten, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Profile {ProductId}: {Pending} events not written on deactivation: {Reason}")]
    private static partial void LogDeactivationFlushFailed(ILogger logger, string productId, int pending, string reason);
}

/// <summary>The grain storage provider that holds profiles (Redis in the silo, memory in tests).</summary>
public static class ProfilesStorage
{
    public const string Name = "profiles";
}
