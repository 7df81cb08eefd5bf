using Orleans.Concurrency;
using Orleans.Runtime;
using Orleans.Storage;
using Streaming.PushTrigger.Decisions;
using Streaming.PushTrigger.Feeds;
using Streaming.PushTrigger.Rules;
using Streaming.PushTrigger.Silo;

namespace Streaming.PushTrigger.Users;

/// <summary>
/// One user's push state. Events are applied in memory and written at the events consumer's barrier. A decision is
/// written before it is published: a crash in between leaves it stored and unpublished, and the replay that follows
/// (the same trigger, the same push id) publishes the stored decision instead of deciding again, so the outcome never
/// changes with the order in which a replay meets the triggers. A delayed check (viewed_not_booked fires 30 minutes
/// after the last view) is a reminder, so it survives a crash of the silo.
/// </summary>
public sealed partial class UserPushGrain(
    [PersistentState("user", PushStorage.Name)] IPersistentState<UserState> stored,
    PushRuleSet rules,
    IPushDecisionSink sink,
    [FromKeyedServices(PushClock.Key)] TimeProvider clock,
    ILogger<UserPushGrain> logger) : Grain, IUserPushGrain, IRemindable
{
    private const string DueCheck = "due-check";
    private static readonly TimeSpan ReminderPeriod = TimeSpan.FromMinutes(1);
    /// <summary>
    /// Names what this activation applied since its last write: replaced when that is dropped (a storage conflict), so
    /// that the feed, seeing another id, reads it again (the one storage-conflict policy of the grain feeds).
    /// </summary>
    private Guid activation = Guid.NewGuid();
    /// <summary>Applied or decided since the last write.</summary>
    private readonly List<UserEvent> pendingEvents = [];
    private readonly Dictionary<string, DecidedPush> pendingPushes = new(StringComparer.Ordinal);
    /// <summary>Decisions this activation published: another activation (after a crash) publishes a stored one once more.</summary>
    private readonly HashSet<string> published = new(StringComparer.Ordinal);
    private UserActivity activity = null!;
    private PushDecider decider = null!;
    private IGrainReminder? reminder;
    /// <summary>Something besides events and decisions changed (the next check), so the state must be written.</summary>
    private bool stateChanged;

    private string UserId => this.GetPrimaryKeyString();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        activity = NewActivity();
        decider = new PushDecider(rules.Options, clock);
        if (stored.State.NextCheckAt is not null)
        {
            reminder = await this.GetReminder(DueCheck);
        }
    }

    public async Task<Guid> ApplyAsync(Immutable<UserEvent[]> events)
    {
        var applying = activation; // if a conflict drops these events meanwhile, the feed sees another id at its barrier
        var now = clock.GetUtcNow();
        var touched = new HashSet<string>(StringComparer.Ordinal);
        foreach (var e in events.Value)
        {
            if (activity.Apply(e, now))
            {
                pendingEvents.Add(e);
                touched.Add(e.ProductId);
            }
        }

        if (touched.Count > 0)
        {
            await RunUserRulesAsync(touched, now);
        }

        return applying;
    }

    public async Task<Guid> ConsiderAsync(RuleTrigger trigger)
    {
        var considering = activation;
        var now = clock.GetUtcNow();
        // A push decided before is a replay (republished once by DecideAsync), whatever the targeting says now.
        if (rules.Find(trigger.RuleId) is { Kind: IProductRuleKind kind } rule
            && (activity.State.Pushes.ContainsKey(PushId.Of(rule.Id, UserId, trigger.ProductId, trigger.Window)) || kind.Targets(rule, activity, trigger, now)))
        {
            await DecideAsync(rule, trigger);
        }

        return considering;
    }

    public async Task CheckDueAsync()
    {
        await RunUserRulesAsync(activity.State.Items.Keys.ToList(), clock.GetUtcNow());
        if (pendingPushes.Count > 0 || pendingEvents.Count > 0)
        {
            await FlushAsync();
        }
    }

    public Task ReceiveReminder(string reminderName, TickStatus status) => CheckDueAsync();

    public async Task<Guid> FlushAsync()
    {
        if (pendingEvents.Count == 0 && pendingPushes.Count == 0 && !stateChanged)
        {
            return activation;
        }

        activity.Prune(clock.GetUtcNow());
        try
        {
            await stored.WriteStateAsync();
        }
        catch (InconsistentStateException ex)
        {
            // Another activation wrote since this one read: take its state and drop what is pending here; the new id
            // tells the feeds to read those events and triggers again (applied in order, rules run as the first time).
            LogConflict(logger, UserId, pendingEvents.Count, ex.Message);
            await stored.ReadStateAsync();
            activity = NewActivity();
            activation = Guid.NewGuid();
        }

        pendingEvents.Clear();
        pendingPushes.Clear();
        stateChanged = false;
        return activation;
    }

    private UserActivity NewActivity() => new(stored.State, rules.Options.ActivityWindow, rules.Options.MaxItemsPerUser);

    /// <summary>Decides the user rules that are due on <paramref name="products"/>; keeps the reminder at the earliest next check.</summary>
    private async Task RunUserRulesAsync(IReadOnlyCollection<string> products, DateTimeOffset now)
    {
        DateTimeOffset? next = stored.State.NextCheckAt is { } planned && planned > now ? planned : null;
        foreach (var (rule, kind) in rules.UserRules)
        {
            foreach (var product in products)
            {
                var check = kind.Check(rule, activity, product, now);
                if (check.Trigger is { } trigger)
                {
                    await DecideAsync(rule, trigger);
                }
                else if (check.CheckAgainAt is { } at && (next is null || at < next))
                {
                    next = at;
                }
            }
        }

        if (next != stored.State.NextCheckAt)
        {
            stored.State.NextCheckAt = next;
            stateChanged = true;
            if (next is { } due)
            {
                reminder = await this.RegisterOrUpdateReminder(DueCheck, due - now, ReminderPeriod);
            }
            else if (reminder is not null || (reminder = await this.GetReminder(DueCheck)) is not null)
            {
                await this.UnregisterReminder(reminder);
                reminder = null;
            }
        }
    }

    private async Task DecideAsync(PushRule rule, RuleTrigger trigger)
    {
        if (activity.State.Pushes.TryGetValue(PushId.Of(rule.Id, UserId, trigger.ProductId, trigger.Window), out var known))
        {
            // Decided before: a replay. Its first publication may have been lost in the crash that caused the replay, so
            // an activation that did not publish it itself publishes it once.
            if (known.Decision is { } earlier && published.Add(earlier.PushId))
            {
                sink.Publish(earlier);
            }

            return;
        }

        var decision = decider.Decide(UserId, activity, rule, trigger)!;
        pendingPushes[decision.PushId] = activity.State.Pushes[decision.PushId];
        var deciding = activation;
        await FlushAsync();
        if (activation != deciding)
        {
            return; // dropped in a storage conflict: not published; the feed's replay decides it again
        }

        sink.Publish(decision);
        published.Add(decision.PushId);
        LogDecided(logger, decision.PushId, UserId, decision.Rule, decision.Outcome, decision.Reason);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Push {PushId} for {UserId} by {Rule}: {Outcome} ({Reason})")]
    private static partial void LogDecided(ILogger logger, string pushId, string userId, string rule, string outcome, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "User {UserId}: storage conflict (another activation wrote); took its state, {Pending} events applied here are read again: {Reason}")]
    private static partial void LogConflict(ILogger logger, string userId, int pending, string reason);
}
