using System.Diagnostics.CodeAnalysis;
using Streaming.Kafka;
using Streaming.Push.Contracts;

namespace Streaming.PushDelivery.Delivery;

/// <summary>Reads a push-commands record: a <see cref="PushCommand"/> with a push id and a user id and a TTL that is not negative, or why not.</summary>
public static class PushCommandReader
{
    public static bool TryRead(byte[]? value, [NotNullWhen(true)] out PushCommand? push, [NotNullWhen(false)] out string? reason) =>
        RecordJson.TryRead(value, PushJsonContext.Default.PushCommand, Problem, out push, out reason);

    private static string? Problem(PushCommand push) =>
        string.IsNullOrEmpty(push.PushId) ? "push_id is missing"
        : string.IsNullOrEmpty(push.UserId) ? "user_id is missing"
        : push.TtlSeconds < 0 ? "ttl_seconds is negative"
        : push.SendAt > DateTimeOffset.MaxValue.AddSeconds(-push.TtlSeconds) ? "send_at + ttl_seconds is beyond the last representable time"
        : null;
}
