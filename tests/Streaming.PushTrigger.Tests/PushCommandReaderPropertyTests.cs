using CsCheck;
using Streaming.PushDelivery.Delivery;
using Streaming.Testing;
using Xunit.Abstractions;

namespace Streaming.PushTrigger.Tests;

/// <summary>
/// No value on push-commands makes the delivery worker's <see cref="PushCommandReader"/> throw: every value is read or
/// refused with a reason. 100,000 cases: arbitrary bytes and commands whose fields hold plausible and hostile values.
/// </summary>
public sealed class PushCommandReaderPropertyTests(ITestOutputHelper output)
{
    private static readonly Gen<string> Time = Gen.Frequency((8, Gen.Const("\"2026-12-07T16:28:20Z\"")), (1, Gen.Const("\"Mon, 07 Dec 2026 16:28:20 +00:00\"")), (1, Gen.Const("\"9999-12-31T23:59:00Z\"")), (1, HostileJson.Scalar));

    private static readonly Gen<string> Text = Gen.Frequency((8, Gen.Const("\"x\"")), (1, HostileJson.Scalar));

    private static readonly Gen<string> Command = HostileJson.Object(
        ("push_id", Gen.Frequency((3, Gen.Const("\"p-1\"")), (2, HostileJson.Scalar))),
        ("user_id", Gen.Frequency((3, Gen.Const("\"u1\"")), (2, HostileJson.Scalar))),
        ("product_id", Text), ("rule", Text), ("rule_kind", Text), ("title", Text), ("body", Text), ("collapse_key", Text),
        ("ttl_seconds", Gen.Frequency((3, Gen.Const("3600")), (1, Gen.Const("-1")), (2, HostileJson.Number), (1, HostileJson.Scalar))),
        ("decided_at", Time), ("send_at", Time));

    private static readonly Gen<byte[]> Values = Gen.Frequency(
        (6, HostileJson.Bytes(Command)),
        (1, HostileJson.Bytes(HostileJson.Value(["push_id", "user_id", "ttl_seconds"], 4))),
        (1, HostileJson.Garbage));

    [Fact]
    public void No_value_makes_the_reader_throw_and_every_refusal_says_why() =>
        HostileJson.AssertReaderIsTotal<Streaming.Push.Contracts.PushCommand>(Values, PushCommandReader.TryRead, push =>
        {
            Assert.False(string.IsNullOrEmpty(push.PushId) || string.IsNullOrEmpty(push.UserId) || push.TtlSeconds < 0);
            // The delivery book computes its deadline from every accepted command.
            _ = push.SendAt.AddSeconds(push.TtlSeconds);
        }, output);
}
