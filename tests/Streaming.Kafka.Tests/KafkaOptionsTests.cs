using System.ComponentModel.DataAnnotations;
using Confluent.Kafka;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Streaming.Kafka.Tests;

public sealed class KafkaOptionsTests
{
    private static List<ValidationResult> Validate(KafkaOptions options)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        return results;
    }

    private static (string Member, string? Message) Single(KafkaOptions options)
    {
        var result = Assert.Single(Validate(options));
        return (Assert.Single(result.MemberNames), result.ErrorMessage);
    }

    [Fact]
    public void Defaults_with_a_bootstrap_address_are_valid() =>
        Assert.Empty(Validate(new KafkaOptions { BootstrapServers = "localhost:9092" }));

    [Fact]
    public void A_missing_bootstrap_address_says_what_to_set()
    {
        var (member, message) = Single(new KafkaOptions());
        Assert.Equal(nameof(KafkaOptions.BootstrapServers), member);
        Assert.Equal("Kafka:BootstrapServers is required (e.g. localhost:9092; ./run demo sets it)", message);
    }

    public static TheoryData<KafkaOptions, string, string> OutOfRange() => new()
    {
        { new KafkaOptions { BootstrapServers = "b:9092", SessionTimeoutMs = 2999 }, "SessionTimeoutMs", "The field SessionTimeoutMs must be between 3000 and 300000." },
        { new KafkaOptions { BootstrapServers = "b:9092", SessionTimeoutMs = 300001 }, "SessionTimeoutMs", "The field SessionTimeoutMs must be between 3000 and 300000." },
        { new KafkaOptions { BootstrapServers = "b:9092", CheckpointPartitions = 0 }, "CheckpointPartitions", "The field CheckpointPartitions must be between 1 and 10000." },
        { new KafkaOptions { BootstrapServers = "b:9092", TopicPrefix = "team a." }, "TopicPrefix", "The field TopicPrefix must match the regular expression '^[a-zA-Z0-9._-]*$'." },
        { new KafkaOptions { BootstrapServers = "b:9092", TopicPrefix = "team/a" }, "TopicPrefix", "The field TopicPrefix must match the regular expression '^[a-zA-Z0-9._-]*$'." },
        { new KafkaOptions { BootstrapServers = "b:9092", LiveFetchWaitMaxMs = 0 }, "LiveFetchWaitMaxMs", "The field LiveFetchWaitMaxMs must be between 1 and 300000." },
    };

    [Theory]
    [MemberData(nameof(OutOfRange))]
    public void Values_out_of_range_are_refused_naming_the_field(KafkaOptions options, string field, string expected)
    {
        var (member, message) = Single(options);
        Assert.Equal(field, member);
        Assert.Equal(expected, message);
    }

    [Fact]
    public void The_section_binds_from_configuration_and_a_bad_value_fails_naming_the_field()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Kafka:BootstrapServers"] = "broker-1:9092,broker-2:9092",
            ["Kafka:TopicPrefix"] = "fleet-b.",
            ["Kafka:SessionTimeoutMs"] = "45000",
            ["Kafka:CheckpointPartitions"] = "0",
        }).Build();
        using var services = new ServiceCollection()
            .AddSingleton<IConfiguration>(configuration)
            .AddOptions<KafkaOptions>().BindConfiguration(KafkaOptions.Section).ValidateDataAnnotations().Services
            .BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<KafkaOptions>>().Value);
        Assert.Equal(
            "DataAnnotation validation failed for 'KafkaOptions' members: 'CheckpointPartitions' with the error: 'The field CheckpointPartitions must be between 1 and 10000.'.",
            Assert.Single(error.Failures));

        configuration["Kafka:CheckpointPartitions"] = "12";
        using var fixedServices = new ServiceCollection()
            .AddSingleton<IConfiguration>(configuration)
            .AddOptions<KafkaOptions>().BindConfiguration(KafkaOptions.Section).ValidateDataAnnotations().Services
            .BuildServiceProvider();
        var bound = fixedServices.GetRequiredService<IOptions<KafkaOptions>>().Value;
        Assert.Equal(("broker-1:9092,broker-2:9092", "fleet-b.", 45000, 12), (bound.BootstrapServers, bound.TopicPrefix, bound.SessionTimeoutMs, bound.CheckpointPartitions));
    }

    [Fact]
    public void The_group_protocol_binds_by_its_name_and_defaults_to_classic()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Kafka:BootstrapServers"] = "b:9092",
            ["Kafka:GroupProtocol"] = "consumer",
        }).Build();
        using var services = new ServiceCollection()
            .AddSingleton<IConfiguration>(configuration)
            .AddOptions<KafkaOptions>().BindConfiguration(KafkaOptions.Section).ValidateDataAnnotations().Services
            .BuildServiceProvider();

        Assert.Equal(GroupProtocol.Consumer, services.GetRequiredService<IOptions<KafkaOptions>>().Value.GroupProtocol);
        Assert.Equal(GroupProtocol.Classic, new KafkaOptions().GroupProtocol);
    }

    [Fact]
    public void Classic_groups_are_cooperative_sticky_and_KIP_848_groups_leave_session_and_assignor_to_the_broker()
    {
        var classic = new KafkaClients(Options.Create(new KafkaOptions { BootstrapServers = "b:9092", SessionTimeoutMs = 15000 }))
            .CreateConsumerConfig("g", "c");
        Assert.Equal(PartitionAssignmentStrategy.CooperativeSticky, classic.PartitionAssignmentStrategy);
        Assert.Equal((15000, 3000), (classic.SessionTimeoutMs, classic.HeartbeatIntervalMs));
        // Offsets are stored by the caller and committed by the client, never on the poll thread.
        Assert.Equal((true, false), (classic.EnableAutoCommit, classic.EnableAutoOffsetStore));

        var consumer = new KafkaClients(Options.Create(new KafkaOptions { BootstrapServers = "b:9092", GroupProtocol = GroupProtocol.Consumer }))
            .CreateConsumerConfig("g", "c");
        Assert.Equal(GroupProtocol.Consumer, consumer.GroupProtocol);
        Assert.Null(consumer.PartitionAssignmentStrategy);
        Assert.Null(consumer.SessionTimeoutMs);
        Assert.Null(consumer.HeartbeatIntervalMs);
    }

    [Fact]
    public void Live_consumers_fetch_with_their_own_short_wait_and_the_others_with_the_configured_one()
    {
        var defaults = new KafkaClients(Options.Create(new KafkaOptions { BootstrapServers = "b:9092" }));
        Assert.Equal((50, null), (defaults.CreateConsumerConfig("g", "c", live: true).FetchWaitMaxMs, defaults.CreateConsumerConfig("g", "c").FetchWaitMaxMs));

        var set = new KafkaClients(Options.Create(new KafkaOptions { BootstrapServers = "b:9092", FetchWaitMaxMs = 300, LiveFetchWaitMaxMs = 20 }));
        Assert.Equal((20, 300), (set.CreateConsumerConfig("g", "c", live: true).FetchWaitMaxMs, set.CreateConsumerConfig("g", "c").FetchWaitMaxMs));
    }
}
