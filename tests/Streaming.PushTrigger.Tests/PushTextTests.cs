using Microsoft.Extensions.Time.Testing;
using Streaming.Push.Contracts;
using Streaming.PushTrigger.Decisions;
using Streaming.PushTrigger.Rules;
using Streaming.PushTrigger.Users;

namespace Streaming.PushTrigger.Tests;

/// <summary>
/// Event values fill push titles and bodies only when ingest's id and name rules accept them, they are at most
/// <see cref="PushTemplate.MaxValueLength"/> characters and hold no markup; otherwise the push is suppressed with the
/// reason "unsafe placeholder value" and no text. The trigger checks itself: records may reach Kafka without ingest.
/// </summary>
public sealed class PushTextTests
{
    private static readonly DateTimeOffset Monday10Utc = new(2026, 11, 23, 10, 0, 0, TimeSpan.Zero);
    private readonly FakeTimeProvider clock = new(Monday10Utc);

    private PushDecision Decide(string kind, string productId, string city, string? userId = null)
    {
        var rule = Rules.Of(kind);
        var values = new Dictionary<string, string> { ["city"] = city, ["bookings_last_hour"] = "5", ["views"] = "3" };
        var trigger = new RuleTrigger(rule.Id, productId, city, "w", values);
        var user = UserBuilder.NewActivity(new PushTriggerOptions());
        return new PushDecider(new PushTriggerOptions { QuietHoursStart = TimeSpan.Zero, QuietHoursEnd = TimeSpan.Zero }, clock)
            .Decide(userId ?? "u1", user, rule, trigger)!;
    }

    private static void AssertSuppressedWithoutText(PushDecision decision, string placeholder, string value)
    {
        Assert.Equal(PushOutcomes.Suppressed, decision.Outcome);
        Assert.StartsWith($"{PushDecider.UnsafeValue}: {{{placeholder}}} ", decision.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain(value, decision.Reason, StringComparison.Ordinal);
        Assert.Equal("", decision.Title);
        Assert.Equal("", decision.Body);
        Assert.False(decision.ToSend);
    }

    [Fact]
    public void Valid_values_render_as_before()
    {
        var trending = Decide("trending_in_city", "tour-42", "Seoul");
        var fast = Decide("wishlist_selling_fast", "jeju/sunrise-hike_2", "Jeju");
        var viewed = Decide("viewed_not_booked", "p1", "");

        Assert.Equal(PushOutcomes.Sent, trending.Outcome);
        Assert.Equal("Trending in Seoul", trending.Title);
        Assert.Equal("tour-42 is getting popular in Seoul right now.", trending.Body);
        Assert.Equal("Selling fast: jeju/sunrise-hike_2", fast.Title);
        Assert.Equal("5 people booked a tour on your wishlist in the last hour.", fast.Body);
        Assert.Equal("Still thinking about p1?", viewed.Title);
        Assert.Equal("You looked at it 3 times. It is still available.", viewed.Body);
    }

    [Theory]
    [InlineData("서울")]
    [InlineData("São Paulo")]
    [InlineData("Frankfurt (Oder)")]
    [InlineData("東京 👍")]
    public void Names_in_any_script_and_with_punctuation_render(string city)
    {
        var decision = Decide("trending_in_city", "p1", city);

        Assert.Equal(PushOutcomes.Sent, decision.Outcome);
        Assert.Equal($"Trending in {city}", decision.Title);
    }

    [Fact]
    public void A_names_apostrophe_renders_as_the_typographic_one()
    {
        var decision = Decide("trending_in_city", "p1", "L'Aquila");

        Assert.Equal(PushOutcomes.Sent, decision.Outcome);
        Assert.Equal("Trending in L\u2019Aquila", decision.Title);
        Assert.DoesNotContain('\'', decision.Body);
    }

    [Theory]
    [InlineData("<script>alert(1)</script>", "U+003C (a markup character)")]
    [InlineData("<b>Seoul</b>", "U+003C (a markup character)")]
    [InlineData("Seoul &amp; Busan", "U+0026 (a markup character)")]
    [InlineData("Seoul\" onload=\"x", "U+0022 (a markup character)")]
    [InlineData("Seoul`", "U+0060 (a markup character)")]
    [InlineData("Seoul\\u003c", "U+005C (a markup character)")]
    [InlineData("Seoul\nWin a prize: call now", "U+000A (a control character)")]
    [InlineData("Seoul\u0000", "U+0000 (a control character)")]
    [InlineData("Seoul\u0085", "U+0085 (a control character)")]
    [InlineData("Seoul\u202Eezirp a niW", "U+202E (a bidirectional control)")]
    [InlineData("\u2067Seoul\u2069", "U+2067 (a bidirectional control)")]
    [InlineData("Seoul\u2028Win", "U+2028 (a line or paragraph separator)")]
    [InlineData("   ", "is only whitespace")]
    public void A_city_with_markup_control_or_bidi_characters_never_reaches_the_text(string city, string problem)
    {
        var decision = Decide("trending_in_city", "p1", city);

        AssertSuppressedWithoutText(decision, "city", city);
        Assert.EndsWith(problem, decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_city_with_an_unpaired_surrogate_never_reaches_the_text()
    {
        // Built here: an attribute's string cannot hold an unpaired surrogate (it is stored as UTF-8).
        var city = "Seoul" + '\uD800';

        var decision = Decide("trending_in_city", "p1", city);

        AssertSuppressedWithoutText(decision, "city", city);
        Assert.EndsWith("U+D800 (an unpaired surrogate)", decision.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("<img src=x onerror=alert(1)>", "U+003C (a markup character)")]
    [InlineData("p1&utm=phish", "U+0026 (a markup character)")]
    [InlineData("p1'", "U+0027 (a markup character)")]
    [InlineData("p1\u0007", "U+0007 (a control character)")]
    [InlineData("p1\u202E", "U+202E (a bidirectional control)")]
    [InlineData("p1\u200B", "U+200B (an invisible format character)")]
    [InlineData(" p1", "must not start or end with whitespace")]
    public void A_product_id_with_markup_control_or_bidi_characters_never_reaches_the_text(string productId, string problem)
    {
        var decision = Decide("wishlist_selling_fast", productId, "Seoul");

        AssertSuppressedWithoutText(decision, "product_id", productId);
        Assert.EndsWith(problem, decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Values_longer_than_the_cap_never_reach_the_text_and_values_at_the_cap_do()
    {
        var atCap = new string('x', PushTemplate.MaxValueLength);
        var overCap = new string('y', PushTemplate.MaxValueLength + 1);

        Assert.Equal($"Trending in {atCap}", Decide("trending_in_city", atCap, atCap).Title);
        var longCity = Decide("trending_in_city", "p1", overCap);
        var longProduct = Decide("wishlist_selling_fast", overCap, "Seoul");

        AssertSuppressedWithoutText(longCity, "city", overCap);
        Assert.EndsWith($"is {PushTemplate.MaxValueLength + 1} characters, more than {PushTemplate.MaxValueLength}", longCity.Reason, StringComparison.Ordinal);
        AssertSuppressedWithoutText(longProduct, "product_id", overCap);
    }

    [Fact]
    public void An_unsafe_city_that_no_template_shows_does_not_stop_the_push()
    {
        // viewed_not_booked's default templates show product_id and views only.
        var decision = Decide("viewed_not_booked", "p1", "<b>x</b>");

        Assert.Equal(PushOutcomes.Sent, decision.Outcome);
        Assert.Equal("Still thinking about p1?", decision.Title);
    }

    [Fact]
    public void An_unsafe_product_id_stops_the_push_even_when_no_template_shows_it()
    {
        // The push carries the product id to the app, and its collapse key is made of it.
        var rule = Rules.Of("trending_in_city", r => (r.Title, r.Body) = ("Trending in {city}", "Have a look."));
        var trigger = new RuleTrigger(rule.Id, "p1<x>", "Seoul", "w", new Dictionary<string, string> { ["city"] = "Seoul" });

        var text = PushTemplate.Render(rule, trigger);

        Assert.Equal(PushText.Unsafe("{product_id} must not contain U+003C (a markup character)"), text);
    }

    [Fact]
    public void A_value_that_looks_like_a_placeholder_stays_text()
    {
        var decision = Decide("trending_in_city", "{city}", "{product_id}");

        Assert.Equal("{city} is getting popular in {product_id} right now.", decision.Body);
    }

    [Fact]
    public void An_unsafe_push_takes_no_place_in_the_caps_so_the_next_valid_one_is_sent()
    {
        var options = new PushTriggerOptions { QuietHoursStart = TimeSpan.Zero, QuietHoursEnd = TimeSpan.Zero };
        var user = UserBuilder.NewActivity(options);
        var rule = Rules.Of("trending_in_city");
        var decider = new PushDecider(options, clock);

        var forged = decider.Decide("u1", user, rule, new RuleTrigger(rule.Id, "p1", "<i>", "w1", new Dictionary<string, string> { ["city"] = "<i>" }))!;
        var real = decider.Decide("u1", user, rule, new RuleTrigger(rule.Id, "p2", "Seoul", "w2", new Dictionary<string, string> { ["city"] = "Seoul" }))!;

        Assert.Equal(PushOutcomes.Suppressed, forged.Outcome);
        Assert.Equal(PushOutcomes.Sent, real.Outcome);
    }
}
