using System.Collections.Concurrent;
using System.ComponentModel;
using System.Diagnostics;
using System.Text.Json.Nodes;
using Streaming.DevHost.Fleet;
using YamlDotNet.RepresentationModel;

namespace Streaming.IntegrationTests.Deployment;

/// <summary>
/// The objects <c>kubectl kustomize k8s/&lt;folder&gt;</c> renders, as JSON trees in which every scalar is a string
/// (YAML's "8080" and 8080 alike). Each folder is rendered once per test run.
/// </summary>
public sealed class RenderedManifests
{
    private static readonly ConcurrentDictionary<string, Lazy<RenderedManifests>> Rendered = new(StringComparer.Ordinal);

    private RenderedManifests(string text, IReadOnlyList<JsonObject> objects)
    {
        Text = text;
        Objects = objects;
    }

    /// <summary>The rendered YAML as kubectl printed it.</summary>
    public string Text { get; }

    public IReadOnlyList<JsonObject> Objects { get; }

    /// <summary><paramref name="folder"/> is relative to k8s/, e.g. "overlays/prod".</summary>
    public static RenderedManifests Of(string folder) =>
        Rendered.GetOrAdd(folder, f => new Lazy<RenderedManifests>(() => Render(f))).Value;

    public IEnumerable<JsonObject> OfKind(string kind) =>
        Objects.Where(o => string.Equals(Str(o, "kind"), kind, StringComparison.Ordinal));

    public JsonObject Single(string kind, string name) =>
        Assert.Single(OfKind(kind), o => string.Equals(Str(o, "metadata", "name"), name, StringComparison.Ordinal));

    /// <summary>The string at <paramref name="path"/> (object keys; array indexes as digits), or null.</summary>
    public static string? Str(JsonNode? node, params string[] path)
    {
        var at = At(node, path);
        return at is JsonValue value ? value.GetValue<string>() : null;
    }

    /// <summary>The node at <paramref name="path"/>, or null.</summary>
    public static JsonNode? At(JsonNode? node, params string[] path)
    {
        foreach (var step in path)
        {
            node = node switch
            {
                JsonObject o => o[step],
                JsonArray a when int.TryParse(step, out var i) && i < a.Count => a[i],
                _ => null,
            };
        }

        return node;
    }

    /// <summary>The array at <paramref name="path"/>, empty when there is none.</summary>
    public static IEnumerable<JsonNode> Items(JsonNode? node, params string[] path) =>
        At(node, path) is JsonArray a ? a.OfType<JsonNode>() : [];

    private static RenderedManifests Render(string folder)
    {
        var path = Path.Combine(ServiceLayout.RepositoryRoot(), "k8s", folder);
        var start = new ProcessStartInfo("kubectl") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("kustomize");
        start.ArgumentList.Add(path);
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("kubectl did not start.");
        }
        catch (Win32Exception e)
        {
            throw new InvalidOperationException(
                "These tests render the manifests with `kubectl kustomize`, and kubectl is not on PATH. The project's machines have it "
                + "(Debian package kubectl); elsewhere install kubectl 1.21 or later.",
                e);
        }

        using (process)
        {
            var output = process.StandardOutput.ReadToEndAsync();
            var errors = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"kubectl kustomize {path} did not finish within 2 minutes.");
            }

            Assert.True(process.ExitCode == 0, $"kubectl kustomize {path} failed ({process.ExitCode}): {errors.GetAwaiter().GetResult()}");
            var text = output.GetAwaiter().GetResult();
            var yaml = new YamlStream();
            yaml.Load(new StringReader(text));
            var objects = yaml.Documents.Select(d => ToJson(d.RootNode)).OfType<JsonObject>().ToList();
            Assert.NotEmpty(objects);
            return new RenderedManifests(text, objects);
        }
    }

    private static JsonNode? ToJson(YamlNode node) => node switch
    {
        YamlMappingNode mapping => new JsonObject(
            mapping.Children.Select(c => KeyValuePair.Create(((YamlScalarNode)c.Key).Value ?? "", ToJson(c.Value)))),
        YamlSequenceNode sequence => new JsonArray([.. sequence.Children.Select(ToJson)]),
        YamlScalarNode scalar => scalar.Value is null ? null : JsonValue.Create(scalar.Value),
        _ => throw new InvalidOperationException($"Unexpected YAML node {node.NodeType}"),
    };
}
