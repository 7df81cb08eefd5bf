using System.Text.RegularExpressions;
using Streaming.ClickHouse.Tests;
using Streaming.Kafka;

namespace Streaming.DevHost.Tests;

/// <summary>README.md stays a front page: short, its diagram names every topic, and it links every page of docs/.</summary>
public sealed partial class FrontPageTests
{
    private static readonly string Readme = File.ReadAllText(RepositoryFolder.Path("README.md"));

    [Fact]
    public void The_readme_is_at_most_250_lines() =>
        Assert.InRange(Readme.TrimEnd('\n').Split('\n').Length, 1, 250);

    [Fact]
    public void The_architecture_diagram_names_every_topic_and_service()
    {
        var diagram = Diagram().Match(Readme);
        Assert.True(diagram.Success, "README.md has no diagram under '## Architecture'");
        var services = Directory.GetDirectories(RepositoryFolder.Path("services")).Select(d => Path.GetFileName(d)!["Streaming.".Length..]);
        var missing = Topics.DefaultPartitions.Keys.Concat(services)
            .Where(name => !Regex.IsMatch(diagram.Groups[1].Value, $@"(?<![\w.-]){Regex.Escape(name)}(?![\w-]|\.[\w])"))
            .ToList();
        Assert.True(missing.Count == 0, "Not in README.md's architecture diagram: " + string.Join(", ", missing));
    }

    [Fact]
    public void Every_docs_page_is_linked_from_the_readme()
    {
        var unlinked = Directory.GetFiles(RepositoryFolder.Path("docs"), "*.md")
            .Select(f => "docs/" + Path.GetFileName(f))
            .Where(page => !Readme.Contains($"]({page})", StringComparison.Ordinal))
            .ToList();
        Assert.True(unlinked.Count == 0, "Not linked from README.md: " + string.Join(", ", unlinked));
    }

    [GeneratedRegex(@"\n## Architecture\n\n```\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex Diagram();
}
