namespace Streaming.PushTrigger.Users;

/// <summary>
/// Applies a user's product events to their <see cref="UserState"/> and answers what the rules ask about it. Plain
/// C#, no I/O: the grain owns the state and its storage. Bounded: activity older than the activity window is
/// forgotten, and at most <c>maxItems</c> products are kept (the least recently active go first).
/// </summary>
public sealed class UserActivity(UserState state, TimeSpan activityWindow, int maxItems)
{
    /// <summary>Views kept per product: enough for any view threshold a rule may set.</summary>
    public const int MaxViewsPerItem = 50;

    public UserState State => state;

    /// <summary>The user's offset from UTC, from their latest occurred_at.</summary>
    public TimeSpan UtcOffset => TimeSpan.FromMinutes(state.UtcOffsetMinutes);

    /// <summary>Applies one event; false if its events offset was applied already (a replay).</summary>
    public bool Apply(UserEvent e, DateTimeOffset now)
    {
        if (state.AppliedOffsets.TryGetValue(e.Partition, out var applied) && e.Offset <= applied)
        {
            return false;
        }

        state.AppliedOffsets[e.Partition] = e.Offset;
        if (state.LatestOccurredAt is not { } latest || e.OccurredAt >= latest)
        {
            state.LatestOccurredAt = e.OccurredAt;
            state.UtcOffsetMinutes = (int)e.OccurredAt.Offset.TotalMinutes;
        }

        if (e.OccurredAt < now - activityWindow)
        {
            return true; // counted as applied, too old to matter
        }

        if (!state.Items.TryGetValue(e.ProductId, out var item))
        {
            item = new UserItem();
            state.Items[e.ProductId] = item;
        }

        var at = e.OccurredAt.ToUniversalTime();
        item.City = e.City ?? item.City;
        if (at > item.LastActiveAt)
        {
            item.LastActiveAt = at;
        }

        switch (e.Kind)
        {
            case UserEventKind.View:
                AddView(item.Views, at);
                break;
            case UserEventKind.Wishlist:
                item.WishlistedAt = item.WishlistedAt is { } w && w > at ? w : at;
                break;
            case UserEventKind.Booking:
                item.BookedAt = item.BookedAt is { } b && b > at ? b : at;
                break;
            case UserEventKind.Cancellation:
                if (item.BookedAt is { } booked && booked <= at)
                {
                    item.BookedAt = null;
                }

                break;
        }

        Prune(now);
        return true;
    }

    public UserItem? Item(string productId) => state.Items.GetValueOrDefault(productId);

    /// <summary>True if the user's recent activity (within <paramref name="window"/>) includes a product in <paramref name="city"/>.</summary>
    public bool ActiveIn(string city, DateTimeOffset since) =>
        state.Items.Values.Any(i => i.LastActiveAt >= since && string.Equals(i.City, city, StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// True if <paramref name="ruleId"/> decided, after <paramref name="since"/>, a push about another product of
    /// <paramref name="city"/> that says something about this one too: any outcome but a suppression for its own product's
    /// cooldown.
    /// </summary>
    public bool DecidedInCity(string ruleId, string city, string otherThanProductId, DateTimeOffset since) =>
        state.Pushes.Values.Any(p => p.Rule == ruleId && p.DecidedAt > since && p.ProductId != otherThanProductId
            && string.Equals(p.City, city, StringComparison.OrdinalIgnoreCase)
            && p.Decision?.Reason.StartsWith(Decisions.PushDecider.ProductCap, StringComparison.Ordinal) != true);

    /// <summary>Forgets what is older than the activity window, then the least recently active products over the limit.</summary>
    public void Prune(DateTimeOffset now)
    {
        var horizon = now - activityWindow;
        foreach (var (product, item) in state.Items.ToArray())
        {
            item.Views.RemoveAll(v => v < horizon);
            if (item.WishlistedAt < horizon)
            {
                item.WishlistedAt = null;
            }

            if (item.LastActiveAt < horizon)
            {
                state.Items.Remove(product);
            }
        }

        if (state.Items.Count > maxItems)
        {
            foreach (var product in state.Items.OrderBy(i => i.Value.LastActiveAt).Take(state.Items.Count - maxItems).Select(i => i.Key).ToArray())
            {
                state.Items.Remove(product);
            }
        }

        foreach (var (id, push) in state.Pushes.ToArray())
        {
            if (push.SendAt < horizon && push.DecidedAt < horizon)
            {
                state.Pushes.Remove(id);
            }
        }
    }

    private static void AddView(List<DateTimeOffset> views, DateTimeOffset at)
    {
        var index = views.BinarySearch(at);
        views.Insert(index < 0 ? ~index : index, at);
        if (views.Count > MaxViewsPerItem)
        {
            views.RemoveAt(0);
        }
    }
}
