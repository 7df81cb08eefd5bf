using System.Reflection;
using System.Text.RegularExpressions;

namespace Streaming.Kafka.Tests;

public sealed partial class TopicsTests
{
    private static readonly string[] Declared =
        [.. typeof(Topics).GetFields(BindingFlags.Public | BindingFlags.Static).Where(f => f.IsLiteral).Select(f => (string)f.GetRawConstantValue()!)];

    [GeneratedRegex("^[a-zA-Z0-9._-]{1,249}$")]
    private static partial Regex KafkaTopicName();

    [Fact]
    public void The_fleet_has_these_topics()
    {
        Assert.Equal(
            ["cdc.bookings", "checkpoints", "events", "events.dead-letter", "events.late", "metrics.bookings", "metrics.concurrent-users", "metrics.popularity",
                "product-events", "profile-changes", "push-commands", "push-commands.dead-letter", "push-decisions"],
            Declared.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Every_topic_has_a_default_partition_count_and_no_other_topic_has_one()
    {
        Assert.Equal(Declared.Order(StringComparer.Ordinal), Topics.DefaultPartitions.Keys.Order(StringComparer.Ordinal));
        Assert.All(Topics.DefaultPartitions, kv => Assert.InRange(kv.Value, 1, 100));
        Assert.All(Declared, name => Assert.Matches(KafkaTopicName(), name));
    }

    [Fact]
    public void Checkpoints_go_to_as_many_partitions_as_the_checkpoints_topic_has_by_default() =>
        // A task writes its checkpoints to its input partition modulo CheckpointPartitions: more than the topic has
        // would write to partitions that do not exist.
        Assert.Equal(Topics.DefaultPartitions[Topics.Checkpoints], new KafkaOptions().CheckpointPartitions);

    [Fact]
    public void Events_are_spread_over_more_partitions_than_the_singletons()
    {
        Assert.Equal(6, Topics.DefaultPartitions[Topics.Events]);
        Assert.Equal(Topics.DefaultPartitions[Topics.Events], Topics.DefaultPartitions[Topics.ProductEvents]);
        Assert.Equal(1, Topics.DefaultPartitions[Topics.DeadLetter]);
        Assert.Equal(1, Topics.DefaultPartitions[Topics.LateEvents]);
    }

    [Theory]
    [InlineData("", "events", "events")]
    [InlineData("fleet-a.", "events", "fleet-a.events")]
    [InlineData("t_1-", "metrics.bookings", "t_1-metrics.bookings")]
    public void A_physical_name_is_the_prefix_and_the_topic(string prefix, string topic, string expected)
    {
        var name = new KafkaOptions { TopicPrefix = prefix }.Name(topic);
        Assert.Equal(expected, name);
        Assert.Matches(KafkaTopicName(), name);
    }
}
