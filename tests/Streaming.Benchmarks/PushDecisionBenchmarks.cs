using System.Globalization;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Time.Testing;
using Streaming.PushTrigger.Decisions;
using Streaming.PushTrigger.Rules;
using Streaming.PushTrigger.Users;

namespace Streaming.Benchmarks;

/// <summary>
/// The push trigger's decision per targeted user, on one core: does the rule target the user (wishlisted within 30
/// days, not booked), and if so the caps in the user's local day, quiet hours and the push id. 100,000 users with 10
/// wishlisted products each among 5,000 products, time zones from UTC-10 to UTC+11; every operation is one
/// (user, product, occasion) decided for the first time. Grains, Redis and Kafka are not in it (see PushPipelineTests
/// for the processes).
/// </summary>
[MemoryDiagnoser]
public class PushDecisionBenchmarks
{
    private const int Users = 100_000;
    private const int Products = 5_000;
    private const int Batch = 10_000;
    private static readonly DateTimeOffset Start = new(2026, 11, 23, 10, 0, 0, TimeSpan.Zero);
    private readonly FakeTimeProvider clock = new(Start);
    private readonly Dictionary<string, string> values = new() { ["bookings_last_hour"] = "5", ["city"] = "Seoul" };
    private UserActivity[] users = [];
    private string[] userIds = [];
    private string[] productIds = [];
    private PushRule rule = null!;
    private IProductRuleKind kind = null!;
    private PushDecider decider = null!;
    private Random random = null!;
    private int occasion;

    [GlobalSetup]
    public void Setup()
    {
        var options = new PushTriggerOptions();
        random = new Random(3);
        productIds = [.. Enumerable.Range(0, Products).Select(p => "p" + p.ToString(CultureInfo.InvariantCulture))];
        userIds = [.. Enumerable.Range(0, Users).Select(u => "u" + u.ToString(CultureInfo.InvariantCulture))];
        users = new UserActivity[Users];
        long offset = 0;
        for (var u = 0; u < Users; u++)
        {
            users[u] = new UserActivity(new UserState(), options.ActivityWindow, options.MaxItemsPerUser);
            var zone = TimeSpan.FromHours(random.Next(-10, 12));
            for (var i = 0; i < 10; i++)
            {
                var at = Start.AddDays(-random.Next(20)).ToOffset(zone);
                users[u].Apply(new UserEvent(UserEventKind.Wishlist, productIds[random.Next(Products)], at, "Seoul", 0, offset++), Start);
            }
        }

        rule = PushRule.From(DefaultRules.Create().First(), new WishlistSellingFast(), options.ReEligibility);
        kind = (IProductRuleKind)rule.Kind;
        decider = new PushDecider(options, clock);
    }

    /// <summary>A wishlisted product of a random user: the decision always runs (targeted), as for a rule's audience.</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public int DecideForTargetedUsers()
    {
        var decided = 0;
        for (var i = 0; i < Batch; i++)
        {
            var u = random.Next(Users);
            var product = users[u].State.Items.Keys.First();
            var trigger = new RuleTrigger(rule.Id, product, "Seoul", "w" + (occasion++).ToString(CultureInfo.InvariantCulture), values);
            if (kind.Targets(rule, users[u], trigger, clock.GetUtcNow()) && decider.Decide(userIds[u], users[u], rule, trigger) is not null)
            {
                decided++;
            }
        }

        clock.Advance(TimeSpan.FromMinutes(1));
        return decided;
    }
}
