using System.Text.Json.Nodes;
using Streaming.DevHost.Fleet;
using static Streaming.IntegrationTests.Deployment.RenderedManifests;

namespace Streaming.IntegrationTests.Deployment;

/// <summary>
/// The hardened deployment as rendered (kubectl kustomize): what k8s/README.md and docs/security.md ("Deployment")
/// promise of every overlay.
/// </summary>
public sealed class DeploymentManifestTests
{
    public static readonly TheoryData<string> Overlays = ["overlays/dev", "overlays/prod"];

    private static readonly string[] Services = ["aggregator", "clickhouse-sink", "gateway", "ingest", "profiles", "push-delivery", "push-trigger"];

    private static readonly string[] Silos = ["profiles", "push-trigger"];

    /// <summary>The services that hold a key or password; each reads the Secret named after it.</summary>
    private static readonly string[] WithSecrets = ["clickhouse-sink", "gateway", "ingest", "profiles", "push-trigger"];

    /// <summary>Every connection allowed, as <see cref="NetworkFlows"/> writes it; k8s/README.md's "Network" table in lines.</summary>
    private static readonly string[] ExpectedFlows =
    [
        "egress: * -> ns kube-system pod k8s-app=kube-dns :53/UDP",
        "egress: * -> ns kube-system pod k8s-app=kube-dns :53/TCP",
        "ingress: ns monitoring pod app.kubernetes.io/name=prometheus -> * :management/TCP",
        "ingress: ns ingress-nginx -> ingest :http/TCP",
        "ingress: ns ingress-nginx -> gateway :http/TCP",
        .. Services.Select(s => $"egress: {s} -> ns kafka :9092/TCP"),
        "egress: clickhouse-sink -> ns clickhouse :8123/TCP",
        "egress: gateway -> ns clickhouse :8123/TCP",
        "egress: gateway -> ns redis :6379/TCP",
        "egress: profiles -> ns redis :6379/TCP",
        "egress: push-trigger -> ns redis :6379/TCP",
        "egress: gateway -> profiles :30000/TCP",
        "ingress: gateway -> profiles :30000/TCP",
        "egress: profiles -> profiles :11111/TCP",
        "ingress: profiles -> profiles :11111/TCP",
        "egress: push-trigger -> push-trigger :11111/TCP",
        "ingress: push-trigger -> push-trigger :11111/TCP",
        .. Silos.SelectMany(s => new[] { $"egress: {s} -> cidr 192.0.2.1/32 :443/TCP", $"egress: {s} -> cidr 192.0.2.1/32 :6443/TCP" }),
        "egress: push-delivery -> cidr 0.0.0.0/0 except 10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,169.254.0.0/16,100.64.0.0/10,127.0.0.0/8 :443/TCP",
        "egress: push-delivery -> cidr ::/0 except fc00::/7,fe80::/10,::1/128 :443/TCP",
    ];

    [Theory]
    [MemberData(nameof(Overlays))]
    public void Every_ingress_host_is_served_over_tls_with_a_certificate_secret(string overlay)
    {
        var ingresses = RenderedManifests.Of(overlay).OfKind("Ingress").ToList();
        Assert.NotEmpty(ingresses);
        foreach (var ingress in ingresses)
        {
            var tls = Items(ingress, "spec", "tls").ToList();
            Assert.NotEmpty(tls);
            Assert.All(tls, t => Assert.False(string.IsNullOrWhiteSpace(Str(t, "secretName"))));
            var covered = tls.SelectMany(t => Items(t, "hosts")).Select(h => h.GetValue<string>()).ToHashSet(StringComparer.Ordinal);
            var hosts = Items(ingress, "spec", "rules").Select(r => Str(r, "host")).ToList();
            Assert.NotEmpty(hosts);
            Assert.All(hosts, h => Assert.Contains(h ?? "(a rule without host)", covered));
        }
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void The_ingress_reaches_only_the_api_port_and_the_management_port_serves_probes_and_metrics(string overlay)
    {
        var manifests = RenderedManifests.Of(overlay);
        foreach (var name in Services)
        {
            var deployment = manifests.Single("Deployment", name);
            var pod = At(deployment, "spec", "template")!;
            var container = Assert.Single(Items(pod, "spec", "containers"));
            var management = ContainerPort(container, "management");
            var api = ContainerPort(container, "http");
            Assert.NotEqual(api, management);

            // The service is told which port is the management port, and listens on both.
            Assert.Equal(management, Env(container, "Management__Port"));
            var urls = Env(container, "ASPNETCORE_URLS") ?? "";
            Assert.Contains($":{api}", urls, StringComparison.Ordinal);
            Assert.Contains($":{management}", urls, StringComparison.Ordinal);

            // The kubelet and Prometheus use the management port.
            Assert.Equal("management", Str(container, "livenessProbe", "httpGet", "port"));
            Assert.Equal("management", Str(container, "readinessProbe", "httpGet", "port"));
            Assert.Equal(management, Str(pod, "metadata", "annotations", "prometheus.io/port"));
        }

        // No Service leads to the management port, so no ingress rule can.
        foreach (var service in manifests.OfKind("Service"))
        {
            Assert.All(Items(service, "spec", "ports"), p => Assert.Equal("http", Str(p, "targetPort")));
        }

        foreach (var ingress in manifests.OfKind("Ingress"))
        {
            var backends = Items(ingress, "spec", "rules").SelectMany(r => Items(r, "http", "paths")).Select(p => At(p, "backend", "service")).ToList();
            Assert.NotEmpty(backends);
            foreach (var backend in backends)
            {
                var service = manifests.Single("Service", Str(backend, "name")!);
                var port = Assert.Single(Items(service, "spec", "ports"), p => Str(p, "name") == Str(backend, "port", "name"));
                Assert.Equal("http", Str(port, "targetPort"));
            }
        }
    }

    [Fact]
    public void The_pod_monitor_scrapes_metrics_on_the_management_port()
    {
        var monitor = Assert.Single(RenderedManifests.Of("monitoring").OfKind("PodMonitor"));
        var endpoint = Assert.Single(Items(monitor, "spec", "podMetricsEndpoints"));
        Assert.Equal("management", Str(endpoint, "port"));
        Assert.Equal("/metrics", Str(endpoint, "path"));
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void Network_policies_deny_everything_by_default_and_allow_exactly_each_services_flows(string overlay)
    {
        var manifests = RenderedManifests.Of(overlay);
        var policies = manifests.OfKind("NetworkPolicy").ToList();
        Assert.Contains(policies, p =>
            At(p, "spec", "podSelector") is JsonObject { Count: 0 }
            && Items(p, "spec", "policyTypes").Select(t => t.GetValue<string>()).Order().SequenceEqual(["Egress", "Ingress"])
            && At(p, "spec", "ingress") is null
            && At(p, "spec", "egress") is null);

        // A rule under a type the policy does not list would be ignored (and the pod left open that way).
        foreach (var policy in policies)
        {
            var types = Items(policy, "spec", "policyTypes").Select(t => t.GetValue<string>()).ToList();
            Assert.True(At(policy, "spec", "ingress") is null || types.Contains("Ingress"), Str(policy, "metadata", "name"));
            Assert.True(At(policy, "spec", "egress") is null || types.Contains("Egress"), Str(policy, "metadata", "name"));
        }

        Assert.Equal(ExpectedFlows.Order(StringComparer.Ordinal), NetworkFlows.Of(manifests));
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void Each_deployment_reads_only_its_own_secret_and_no_secret_is_committed(string overlay)
    {
        var manifests = RenderedManifests.Of(overlay);
        Assert.Empty(manifests.OfKind("Secret"));
        Assert.DoesNotContain("CHANGE-ME", manifests.Text, StringComparison.OrdinalIgnoreCase);
        List<string> reading = [];
        foreach (var name in Services)
        {
            var spec = At(manifests.Single("Deployment", name), "spec", "template", "spec");
            var containers = Items(spec, "containers").ToList();
            List<string?> secrets =
            [
                .. containers.SelectMany(c => Items(c, "envFrom")).Where(e => At(e, "secretRef") is not null).Select(e => Str(e, "secretRef", "name")),
                .. containers.SelectMany(c => Items(c, "env")).Where(e => At(e, "valueFrom", "secretKeyRef") is not null)
                    .Select(e => Str(e, "valueFrom", "secretKeyRef", "name")),
                .. Items(spec, "volumes").Where(v => At(v, "secret") is not null).Select(v => Str(v, "secret", "secretName")),
            ];
            Assert.All(secrets, s => Assert.Equal($"{name}-secrets", s));
            if (secrets.Count > 0)
            {
                reading.Add(name);
            }
        }

        Assert.Equal(WithSecrets, reading.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void No_file_under_k8s_holds_a_placeholder_key()
    {
        var folder = Path.Combine(ServiceLayout.RepositoryRoot(), "k8s");
        var files = Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).ToList();
        Assert.NotEmpty(files);
        Assert.All(files, f => Assert.DoesNotContain("CHANGE-ME", File.ReadAllText(f), StringComparison.OrdinalIgnoreCase));
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void The_namespace_enforces_the_restricted_pod_security_standard_and_every_pod_meets_it(string overlay)
    {
        var manifests = RenderedManifests.Of(overlay);
        var ns = Assert.Single(manifests.OfKind("Namespace"));
        Assert.Equal("restricted", Str(ns, "metadata", "labels", "pod-security.kubernetes.io/enforce"));
        var deployments = manifests.OfKind("Deployment").ToList();
        Assert.Equal(Services.Length, deployments.Count);
        foreach (var deployment in deployments)
        {
            var name = Str(deployment, "metadata", "name");
            var spec = At(deployment, "spec", "template", "spec");
            Assert.Equal("true", Str(spec, "securityContext", "runAsNonRoot"));
            Assert.Equal("RuntimeDefault", Str(spec, "securityContext", "seccompProfile", "type"));
            Assert.NotEqual("0", Str(spec, "securityContext", "runAsUser"));
            foreach (var hostAccess in new[] { "hostNetwork", "hostPID", "hostIPC" })
            {
                Assert.True(Str(spec, hostAccess) is null or "false", $"{name}: {hostAccess}");
            }

            // Volume kinds the standard allows (this fleet uses emptyDir only).
            Assert.All(Items(spec, "volumes"), v => Assert.NotNull(At(v, "emptyDir")));
            foreach (var container in Items(spec, "containers").Concat(Items(spec, "initContainers")))
            {
                var security = At(container, "securityContext");
                Assert.Equal("false", Str(security, "allowPrivilegeEscalation"));
                Assert.Equal("true", Str(security, "readOnlyRootFilesystem"));
                Assert.True(Str(security, "privileged") is null or "false", $"{name}: privileged");
                Assert.Equal(["ALL"], Items(security, "capabilities", "drop").Select(c => c.GetValue<string>()));
                Assert.Empty(Items(security, "capabilities", "add"));
                Assert.All(Items(container, "ports"), p => Assert.Null(Str(p, "hostPort")));
            }
        }
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void Only_the_silos_hold_a_service_account_token_and_it_may_only_read_pods(string overlay)
    {
        var manifests = RenderedManifests.Of(overlay);
        Assert.Empty(manifests.OfKind("ClusterRole"));
        Assert.Empty(manifests.OfKind("ClusterRoleBinding"));
        foreach (var name in Services)
        {
            var spec = At(manifests.Single("Deployment", name), "spec", "template", "spec");
            var silo = Silos.Contains(name);
            Assert.Equal(silo ? "true" : "false", Str(spec, "automountServiceAccountToken"));
            Assert.Equal(silo ? name : null, Str(spec, "serviceAccountName"));
        }

        var roles = manifests.OfKind("Role").ToList();
        Assert.Equal(Silos.Length, roles.Count);
        foreach (var role in roles)
        {
            // Orleans' Kubernetes hosting reads its own pod and watches the cluster's (role.yaml says why no more).
            var rule = Assert.Single(Items(role, "rules"));
            Assert.Equal([""], Items(rule, "apiGroups").Select(g => g.GetValue<string>()));
            Assert.Equal(["pods"], Items(rule, "resources").Select(r => r.GetValue<string>()));
            Assert.Equal(["get", "list", "watch"], Items(rule, "verbs").Select(v => v.GetValue<string>()).Order(StringComparer.Ordinal));
        }

        foreach (var binding in manifests.OfKind("RoleBinding"))
        {
            var role = manifests.Single("Role", Str(binding, "roleRef", "name")!);
            var subject = Assert.Single(Items(binding, "subjects"));
            Assert.Equal("ServiceAccount", Str(subject, "kind"));
            Assert.Equal(Str(role, "metadata", "labels", "app.kubernetes.io/name"), Str(subject, "name"));
        }
    }

    private static string ContainerPort(JsonNode container, string name) =>
        Str(Assert.Single(Items(container, "ports"), p => Str(p, "name") == name), "containerPort")!;

    private static string? Env(JsonNode container, string name) =>
        Str(Items(container, "env").FirstOrDefault(e => Str(e, "name") == name), "value");
}
