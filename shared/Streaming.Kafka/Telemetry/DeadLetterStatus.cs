using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Streaming.Kafka.Telemetry;

/// <summary>The status of a service whose stages have no other: the dead letters they wrote, by stage and reason class.</summary>
public sealed record DeadLetterStatus(IReadOnlyList<DeadLetterCount> DeadLetters);

public static class DeadLetterStatusEndpoint
{
    /// <summary>Maps GET <paramref name="pattern"/> to <see cref="StageCounters.DeadLetterCounts"/> of this process, as JSON.</summary>
    public static IEndpointConventionBuilder MapDeadLetterStatus(this IEndpointRouteBuilder endpoints, string pattern) =>
        endpoints.MapGet(pattern, () => Results.Json(new DeadLetterStatus(StageCounters.DeadLetterCounts()), DeadLetterStatusJsonContext.Default.DeadLetterStatus));
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(DeadLetterStatus))]
internal sealed partial class DeadLetterStatusJsonContext : JsonSerializerContext;
