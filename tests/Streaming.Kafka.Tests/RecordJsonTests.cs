using System.Text;
using System.Text.Json.Serialization;

namespace Streaming.Kafka.Tests;

public sealed class RecordJsonTests
{
    private static (bool Read, Sample? Result, string? Reason) Read(string? json)
    {
        var read = RecordJson.TryRead(json is null ? null : Encoding.UTF8.GetBytes(json), SampleJson.Default.Sample, out var result, out var reason);
        return (read, result, reason);
    }

    [Fact]
    public void A_readable_record_gives_its_value_and_no_reason() =>
        Assert.Equal((true, new Sample("a", 3), (string?)null), Read("""{"name":"a","count":3}"""));

    [Theory]
    [InlineData(null)]
    [InlineData("null")]
    public void An_empty_record_is_refused_as_empty(string? json) =>
        Assert.Equal((false, (Sample?)null, "empty record"), Read(json));

    [Theory]
    [InlineData("{not json", "'n' is an invalid start of a property name")]
    [InlineData("""{"name":"a","count":"three"}""", "$.count")]
    [InlineData("""{"name":"a","count":3,"extra":1}""", "extra")]
    [InlineData("[1]", "$")]
    public void An_unreadable_record_is_refused_naming_the_type_and_the_problem(string json, string detail)
    {
        var (read, result, reason) = Read(json);
        Assert.False(read);
        Assert.Null(result);
        Assert.StartsWith("not a valid Sample: ", reason, StringComparison.Ordinal);
        Assert.Contains(detail, reason, StringComparison.Ordinal);
    }
}

public sealed record Sample(string Name, int Count);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow)]
[JsonSerializable(typeof(Sample))]
internal sealed partial class SampleJson : JsonSerializerContext;
