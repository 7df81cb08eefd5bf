using CsCheck;
using Streaming.Gateway.Widgets;
using Streaming.Testing;
using Xunit.Abstractions;

namespace Streaming.Gateway.Tests.Widgets;

/// <summary>
/// No value on profile-changes makes the gateway's <see cref="ProfileChangeReader"/> throw: every value is read or
/// refused with a reason, and what it reads the hub and the just-booked feed can take. 100,000 cases.
/// </summary>
public sealed class ProfileChangeReaderPropertyTests(ITestOutputHelper output)
{
    private static readonly Gen<string> Time = Gen.Frequency((12, Gen.Const("\"2026-12-07T16:28:20Z\"")), (1, HostileJson.Scalar));

    private static readonly Gen<string> Count = Gen.Frequency((16, Gen.Const("3")), (1, HostileJson.Number), (1, HostileJson.Scalar));

    private static readonly Gen<string> Profile = HostileJson.Object(
        ("product_id", Gen.Frequency((6, Gen.Const("\"tour-1\"")), (1, HostileJson.Scalar))),
        ("viewers_now", Count), ("views_last_5m", Count), ("views_last_hour", Count), ("wishlists_last_24h", Count),
        ("bookings_last_hour", Count), ("bookings_last_24h", Count), ("cancellations_last_24h", Count),
        ("last_booked_at", Time), ("last_booked_city", Gen.Frequency((6, Gen.Const("\"Seoul\"")), (1, HostileJson.Scalar))), ("trend", Gen.Frequency((6, Gen.Const("\"rising\"")), (1, HostileJson.Scalar))),
        ("as_of", Time));

    private static readonly Gen<string> Booking = Gen.Frequency(
        (8, HostileJson.Object(
            ("event_id", Gen.Frequency((3, Gen.Const("\"e-1\"")), (1, HostileJson.Scalar))),
            ("product_id", Gen.Frequency((3, Gen.Const("\"tour-1\"")), (1, HostileJson.Scalar))),
            ("booked_at", Time), ("city", Gen.Frequency((6, Gen.Const("\"Seoul\"")), (1, HostileJson.Scalar))), ("category", Gen.Frequency((6, Gen.Const("\"tour\"")), (1, HostileJson.Scalar))))),
        (1, HostileJson.Scalar));

    private static readonly Gen<string> Change = HostileJson.Object(
        ("profile", Gen.Frequency((10, Profile), (1, HostileJson.Scalar))),
        ("version", Count), ("source_partition", Count), ("source_offset", Count), ("emitted_at", Time),
        ("new_bookings", Gen.Frequency((4, Booking.Array[0, 3].Select(b => "[" + string.Join(",", b) + "]")), (1, HostileJson.Scalar))));

    private static readonly Gen<byte[]> Values = Gen.Frequency(
        (6, HostileJson.Bytes(Change)),
        (1, HostileJson.Bytes(HostileJson.Value(["profile", "product_id", "new_bookings"], 4))),
        (1, HostileJson.Garbage));

    [Fact]
    public void No_value_makes_the_reader_throw_and_every_refusal_says_why() =>
        HostileJson.AssertReaderIsTotal<Streaming.Profiles.Contracts.ProfileChange>(Values, ProfileChangeReader.TryRead, change =>
        {
            Assert.False(string.IsNullOrEmpty(change.Profile.ProductId));
            Assert.All(change.NewBookings ?? [], b => Assert.False(string.IsNullOrEmpty(b.EventId) || string.IsNullOrEmpty(b.ProductId)));
        }, output);
}
