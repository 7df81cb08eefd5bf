using Streaming.Push.Contracts;

namespace Streaming.PushDelivery.Delivery;

/// <summary>
/// The pushes read and not yet finished, by partition and offset: when each is due (its send_at, or its next
/// attempt), how many attempts it had, and, per partition, the lowest offset not finished (what may be committed).
/// Plain C#: the consumer feeds it records and attempt results, and acts on what it answers.
/// </summary>
public sealed class DeliveryBook(DeliveryOptions options)
{
    private readonly RetryPolicy retries = new(options);
    private readonly Dictionary<int, SortedDictionary<long, PendingPush>> partitions = [];
    private readonly Dictionary<int, long> nextOffsets = [];

    public int Pending => partitions.Values.Sum(p => p.Count);

    public void Add(int partition, long offset, PushCommand? push)
    {
        if (!partitions.TryGetValue(partition, out var book))
        {
            book = [];
            partitions[partition] = book;
        }

        nextOffsets[partition] = offset + 1;
        if (push is not null)
        {
            book[offset] = new PendingPush(partition, offset, push) { DueAt = push.SendAt };
        }
    }

    /// <summary>Pushes due at <paramref name="now"/>, not in flight, earliest first, at most <paramref name="slots"/>.</summary>
    public IReadOnlyList<PendingPush> Due(DateTimeOffset now, int slots) =>
        slots <= 0 ? [] : [.. partitions.Values.SelectMany(b => b.Values).Where(p => !p.InFlight && p.DueAt <= now).OrderBy(p => p.DueAt).Take(slots)];

    /// <summary>True if the push can no longer be sent in time: its TTL ends at send_at + ttl_seconds.</summary>
    public static bool Expired(PushCommand push, DateTimeOffset now) => now > Deadline(push);

    public static DateTimeOffset Deadline(PushCommand push) => push.SendAt.AddSeconds(push.TtlSeconds);

    /// <summary>Records an attempt's result; returns the decision row to write, if any (null: it will be tried again).</summary>
    public PushDecisionRecord? Complete(PendingPush push, AttemptResult result, DateTimeOffset now)
    {
        push.InFlight = false;
        push.Attempts++;
        if (result is { Outcome: AttemptOutcome.Retry, RetryAfter: not null })
        {
            // The provider asked to wait (throttling, overload): the push is not failing, so the answer uses no
            // attempt of MaxAttempts; the push's TTL bounds how long it may be held back.
            push.Throttled++;
        }

        var command = push.Command;
        switch (result.Outcome)
        {
            case AttemptOutcome.Delivered:
                Finish(push);
                // The trigger wrote "sent" for a push it sent at once; a held one gets its "sent" row now.
                return command.SendAt > command.DecidedAt
                    ? Row(command, PushOutcomes.Sent, $"held for quiet hours, delivered after {push.Attempts} attempt(s): {result.Detail}", now)
                    : null;
            case AttemptOutcome.Retry when push.Attempts - push.Throttled < options.MaxAttempts:
                push.DueAt = now + retries.Wait(push.Attempts - push.Throttled, result.RetryAfter);
                push.LastError = result.Detail;
                if (push.DueAt > Deadline(command))
                {
                    Finish(push);
                    return Row(command, PushOutcomes.Expired, $"next attempt would be after its TTL ({Deadline(command):O}); last: {result.Detail}", now);
                }

                return null;
            default:
                Finish(push);
                push.FailedReason = result.Outcome == AttemptOutcome.Rejected
                    ? $"rejected by the provider: {result.Detail}"
                    : $"not delivered after {push.Attempts} attempts: {result.Detail}";
                return Row(command, PushOutcomes.Failed, push.FailedReason, now);
        }
    }

    /// <summary>A push that expired before an attempt: finished, with its row.</summary>
    public PushDecisionRecord Expire(PendingPush push, DateTimeOffset now)
    {
        Finish(push);
        var reason = push.Attempts == 0
            ? $"not sent before its TTL ended at {Deadline(push.Command):O}"
            : $"TTL ended at {Deadline(push.Command):O} after {push.Attempts} attempt(s); last: {push.LastError}";
        return Row(push.Command, PushOutcomes.Expired, reason, now);
    }

    /// <summary>Per partition, the offset up to which everything is finished (what may be committed).</summary>
    public IEnumerable<(int Partition, long Offset)> CommitPoints() =>
        nextOffsets.Select(n => (n.Key, partitions.TryGetValue(n.Key, out var book) && book.Count > 0 ? book.Keys.First() : n.Value));

    /// <summary>Forgets partitions that moved to another worker (it reads them from their committed offset).</summary>
    public void Forget(IEnumerable<int> moved)
    {
        foreach (var partition in moved)
        {
            partitions.Remove(partition);
            nextOffsets.Remove(partition);
        }
    }

    private void Finish(PendingPush push) => partitions[push.Partition].Remove(push.Offset);

    private static PushDecisionRecord Row(PushCommand push, string outcome, string reason, DateTimeOffset now) =>
        new(push.PushId, push.UserId, push.ProductId, push.Rule, push.RuleKind, outcome, reason, now, outcome == PushOutcomes.Sent ? now : push.SendAt);
}

/// <summary>One push read from push-commands and not finished.</summary>
public sealed class PendingPush(int partition, long offset, PushCommand command)
{
    public int Partition => partition;

    public long Offset => offset;

    public PushCommand Command => command;

    public DateTimeOffset DueAt { get; set; }

    public int Attempts { get; set; }

    /// <summary>Attempts the provider answered with a Retry-After (they do not count toward MaxAttempts).</summary>
    public int Throttled { get; set; }

    public bool InFlight { get; set; }

    public string? LastError { get; set; }

    public string? FailedReason { get; set; }
}
