using Streaming.PushTrigger.Users;

namespace Streaming.PushTrigger.Audiences;

/// <summary>A user's product event as a product's or a city's audience applies it (events offset = de-duplication key).</summary>
[GenerateSerializer, Immutable]
public sealed record AudienceEvent(
    [property: Id(0)] UserEventKind Kind,
    [property: Id(1)] string UserId,
    [property: Id(2)] DateTimeOffset At,
    [property: Id(3)] string? City,
    [property: Id(4)] int Partition,
    [property: Id(5)] long Offset);

/// <summary>A product's profile at a version of profile-changes.</summary>
[GenerateSerializer, Immutable]
public sealed record ProfileVersion(
    [property: Id(0)] Profiles.Contracts.ProductProfile Profile,
    [property: Id(1)] long Version);

/// <summary>Who is in an audience since when, bounded: entries older than the window go, then the oldest over the limit.</summary>
internal static class Audience
{
    public static void Add(Dictionary<string, DateTimeOffset> members, string userId, DateTimeOffset at)
    {
        if (!members.TryGetValue(userId, out var seen) || at > seen)
        {
            members[userId] = at;
        }
    }

    public static void Prune(Dictionary<string, DateTimeOffset> members, DateTimeOffset horizon, int max)
    {
        foreach (var (user, at) in members.ToArray())
        {
            if (at < horizon)
            {
                members.Remove(user);
            }
        }

        if (members.Count > max)
        {
            foreach (var user in members.OrderBy(m => m.Value).Take(members.Count - max).Select(m => m.Key).ToArray())
            {
                members.Remove(user);
            }
        }
    }

    /// <summary>False if the events offset was applied already (a replay); else records it.</summary>
    public static bool FirstTime(Dictionary<int, long> applied, int partition, long offset)
    {
        if (applied.TryGetValue(partition, out var last) && offset <= last)
        {
            return false;
        }

        applied[partition] = offset;
        return true;
    }
}
