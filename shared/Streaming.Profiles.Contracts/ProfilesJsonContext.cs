using System.Text.Json.Serialization;

namespace Streaming.Profiles.Contracts;

/// <summary>Source-generated snake_case JSON for the widget API and the profile-changes topic.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(ProductProfile))]
[JsonSerializable(typeof(ProfileChange))]
public sealed partial class ProfilesJsonContext : JsonSerializerContext;
