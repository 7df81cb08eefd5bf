using System.Text.Json.Nodes;
using static Streaming.IntegrationTests.Deployment.RenderedManifests;

namespace Streaming.IntegrationTests.Deployment;

/// <summary>
/// What the rendered NetworkPolicies allow, one line per flow and port: "egress: gateway -> ns redis :6379/TCP",
/// "ingress: ns ingress-nginx -> ingest :http/TCP". Pods of the fleet are named by their app.kubernetes.io/name ("*":
/// every pod of the namespace); a peer elsewhere by its namespace (and pod labels), or its address block. A rule that
/// names no peer or no port reads "anyone" or "any port", so a too-wide rule shows up as a line nobody expects.
/// </summary>
public static class NetworkFlows
{
    private const string AppLabel = "app.kubernetes.io/name";

    public static SortedSet<string> Of(RenderedManifests manifests)
    {
        var flows = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var policy in manifests.OfKind("NetworkPolicy"))
        {
            foreach (var subject in Pods(At(policy, "spec", "podSelector")))
            {
                foreach (var rule in Items(policy, "spec", "ingress"))
                {
                    foreach (var (peer, port) in PeersAndPorts(rule, "from"))
                    {
                        flows.Add($"ingress: {peer} -> {subject} :{port}");
                    }
                }

                foreach (var rule in Items(policy, "spec", "egress"))
                {
                    foreach (var (peer, port) in PeersAndPorts(rule, "to"))
                    {
                        flows.Add($"egress: {subject} -> {peer} :{port}");
                    }
                }
            }
        }

        return flows;
    }

    private static IEnumerable<(string Peer, string Port)> PeersAndPorts(JsonNode rule, string peersKey)
    {
        List<string> peers = [.. Items(rule, peersKey).SelectMany(Peer)];
        List<string> ports = [.. Items(rule, "ports").Select(p => $"{Str(p, "port") ?? "any port"}/{Str(p, "protocol") ?? "TCP"}")];
        foreach (var peer in peers.Count == 0 ? ["anyone"] : peers)
        {
            foreach (var port in ports.Count == 0 ? ["any port"] : ports)
            {
                yield return (peer, port);
            }
        }
    }

    private static IEnumerable<string> Peer(JsonNode peer)
    {
        if (At(peer, "ipBlock") is { } block)
        {
            var except = Items(block, "except").Select(e => e.GetValue<string>()).ToList();
            return [$"cidr {Str(block, "cidr")}" + (except.Count == 0 ? "" : $" except {string.Join(",", except)}")];
        }

        var pods = At(peer, "podSelector");
        if (At(peer, "namespaceSelector") is not { } namespaces)
        {
            return Pods(pods);
        }

        var name = Labels(namespaces) is [("kubernetes.io/metadata.name", var ns)] ? $"ns {ns}" : $"ns {string.Join(",", Labels(namespaces))}";
        return [pods is null ? name : $"{name} pod {string.Join(",", Labels(pods).Select(l => $"{l.Key}={l.Value}"))}"];
    }

    /// <summary>The fleet's pods a selector picks, by app name: "*" for all, "[labels]" for anything else.</summary>
    private static IEnumerable<string> Pods(JsonNode? selector)
    {
        var labels = Labels(selector);
        var expressions = Items(selector, "matchExpressions").ToList();
        if (labels.Count == 0 && expressions.Count == 0)
        {
            return ["*"];
        }

        if (labels is [(AppLabel, var app)] && expressions.Count == 0)
        {
            return [app];
        }

        if (labels.Count == 0 && expressions is [var only] && Str(only, "key") == AppLabel && Str(only, "operator") == "In")
        {
            return Items(only, "values").Select(v => v.GetValue<string>());
        }

        return [$"[{selector?.ToJsonString()}]"];
    }

    private static List<(string Key, string Value)> Labels(JsonNode? selector) =>
        At(selector, "matchLabels") is JsonObject labels ? [.. labels.Select(l => (l.Key, l.Value!.GetValue<string>()))] : [];
}
