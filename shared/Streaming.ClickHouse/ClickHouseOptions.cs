using System.ComponentModel.DataAnnotations;

namespace Streaming.ClickHouse;

/// <summary>Section "ClickHouse": the HTTP interface of a ClickHouse server.</summary>
public sealed class ClickHouseOptions
{
    public const string Section = "ClickHouse";

    [Required(ErrorMessage = "ClickHouse:Url is required (e.g. http://localhost:8123; ./run demo sets it)")]
    [Url]
    public string Url { get; set; } = "";

    [Required]
    [RegularExpression("^[a-zA-Z_][a-zA-Z0-9_]*$")]
    public string Database { get; set; } = "streaming";

    public string User { get; set; } = "default";

    public string Password { get; set; } = "";

    [Range(1, 600)]
    public int TimeoutSeconds { get; set; } = 30;
}
