using System.Security.Cryptography;
using System.Text;

namespace Streaming.PushTrigger.Decisions;

/// <summary>
/// A push's identity: a hash of rule, user, product and the occasion the rule fired for. A replay decides the same id,
/// so the user's grain and the receiver (by <c>Idempotency-Key</c>) both recognise a push they have seen.
/// </summary>
public static class PushId
{
    public static string Of(string ruleId, string userId, string productId, string window)
    {
        // Length-prefixed parts: ("a", "bc") and ("ab", "c") must not collide.
        var text = $"{ruleId.Length}:{ruleId}|{userId.Length}:{userId}|{productId.Length}:{productId}|{window}";
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)).AsSpan(0, 16));
    }
}
