using System.Text.Json.Serialization;

namespace Streaming.Push.Contracts;

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(PushCommand))]
[JsonSerializable(typeof(PushDecisionRecord))]
public sealed partial class PushJsonContext : JsonSerializerContext;
