using System.Text.Json.Serialization;

namespace Streaming.Ingest.Events;

public sealed record IngestAccepted(int Accepted);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(IngestAccepted))]
public sealed partial class IngestJsonContext : JsonSerializerContext;
