using PreDnatAppliance.Deployment.Tests.Infrastructure;

namespace PreDnatAppliance.Deployment.Tests;

/// <summary>docker/kubernetes/: the appliance's pod asks for what DPDK needs and points its probes and scrapes at the management endpoint.</summary>
public class KubernetesManifestTests
{
    private const string Directory = "docker/kubernetes";
    private static readonly string DaemonSet = Repository.Read($"{Directory}/daemonset.yaml");
    private static readonly string Rbac = Repository.Read($"{Directory}/rbac.yaml");

    private static IReadOnlyList<KubernetesObject> Objects(string daemonSet, string rbac) =>
        ManifestChecks.Objects(daemonSet, "daemonset.yaml").Concat(ManifestChecks.Objects(rbac, "rbac.yaml")).ToList();

    [Fact]
    public void The_appliance_pod_requests_hugepages_ipc_lock_pinned_cpus_and_probes_the_management_endpoint() =>
        Assert.Empty(ManifestChecks.ApplianceWorkloads(Objects(DaemonSet, Rbac)));

    [Theory]
    [InlineData("            hugepages-1Gi: 2Gi\n            prednat.io/nic: \"2\"\n          limits:", "            prednat.io/nic: \"2\"\n          limits:", "hugepage")]
    [InlineData("add: [IPC_LOCK, NET_ADMIN]", "add: [NET_ADMIN]", "IPC_LOCK")]
    [InlineData("          requests:\n            cpu: \"4\"", "          requests:\n            cpu: \"3500m\"", "whole number of CPUs")]
    [InlineData("requests: {cpu: 100m, memory: 64Mi}\n          limits: {cpu: 100m, memory: 64Mi}\n        securityContext:\n          allowPrivilegeEscalation",
        "requests: {cpu: 100m, memory: 64Mi}\n          limits: {cpu: 200m, memory: 64Mi}\n        securityContext:\n          allowPrivilegeEscalation", "Guaranteed QoS")]
    [InlineData("httpGet: {path: /healthz/ready, port: 9091}", "httpGet: {path: /healthz/live, port: 9091}", "readinessProbe must GET /healthz/ready")]
    [InlineData("        livenessProbe:\n          httpGet: {path: /healthz/live, port: 9091}", "        livenessProbe:\n          httpGet: {path: /healthz/live, port: 8080}", "livenessProbe must GET")]
    [InlineData("$(POD_IP):9091", "$(POD_IP):9092", "--management-address must name port 9091")]
    [InlineData("prometheus.io/path: /metrics", "prometheus.io/path: /stats", "prometheus.io/scrape")]
    [InlineData("args: [\"/var/run/prednat-services/services.yaml\", \"5\"]", "args: [\"/tmp/other.yaml\", \"5\"]", "keeps its --services file")]
    [InlineData("serviceAccountName: prednat", "serviceAccountName: someone-else", "serviceAccountName 'someone-else' is not defined")]
    public void A_broken_appliance_pod_is_reported(string from, string to, string expected)
    {
        var problems = ManifestChecks.ApplianceWorkloads(Objects(Repository.Break(DaemonSet, from, to), Rbac));
        Assert.Contains(problems, p => p.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void The_services_sync_account_may_list_services_and_endpointslices() =>
        Assert.Empty(ManifestChecks.ServicesCanBeRead(Objects(DaemonSet, Rbac), "prednat"));

    [Fact]
    public void An_account_without_endpointslices_is_reported()
    {
        var rbac = Repository.Break(Rbac, "  resources: [endpointslices]", "  resources: [endpoints]");
        Assert.Equal(new[] { "ServiceAccount prednat may not list endpointslices (discovery.k8s.io) cluster-wide" }, ManifestChecks.ServicesCanBeRead(Objects(DaemonSet, rbac), "prednat"));
    }

    [Fact]
    public void The_kustomization_names_existing_files()
    {
        var kustomization = Yaml.Documents(Repository.Read($"{Directory}/kustomization.yaml"), "kustomization.yaml").Single();
        var files = kustomization.Get("resources").Strings()
            .Concat(kustomization.Get("configMapGenerator").Items().SelectMany(g => g.Get("files").Strings())).ToList();
        Assert.Contains("daemonset.yaml", files);
        Assert.Equal(Array.Empty<string>(), files.Where(f => !File.Exists(Repository.PathOf($"{Directory}/{f}"))).ToArray());
    }

    [Fact]
    public void Every_node_configuration_loads_and_is_named_after_its_node()
    {
        // The appliance reads /etc/prednat/$(NODE_NAME).json, NODE_NAME being the pod's spec.nodeName.
        Assert.Contains("/etc/prednat/$(NODE_NAME).json", DaemonSet);
        Assert.Contains("valueFrom: {fieldRef: {fieldPath: spec.nodeName}}", DaemonSet);
        var kustomization = Yaml.Documents(Repository.Read($"{Directory}/kustomization.yaml"), "kustomization.yaml").Single();
        var configs = kustomization.Get("configMapGenerator").Items().Single(g => g.Get("name").Text() == "prednat-config").Get("files").Strings();
        Assert.NotEmpty(configs);
        foreach (var file in configs)
        {
            var (configuration, problems) = ConfigurationChecks.Load(Repository.Read($"{Directory}/{file}"), file);
            Assert.Empty(problems);
            Assert.Equal(Path.GetFileNameWithoutExtension(file), configuration!.Node.Name);
        }
    }

    [Fact]
    public void The_device_plugin_advertises_the_nics_the_node_configuration_uses()
    {
        var plugin = ManifestChecks.Objects(Repository.Read($"{Directory}/sriov-device-plugin.yaml"), "sriov-device-plugin.yaml").Single();
        using var json = System.Text.Json.JsonDocument.Parse(plugin.Node.Path("data", "config.json").Text()!);
        var resource = json.RootElement.GetProperty("resourceList")[0];
        var addresses = resource.GetProperty("selectors").GetProperty("pciAddresses").EnumerateArray().Select(a => a.GetString()).ToList();
        var (configuration, _) = ConfigurationChecks.Load(Repository.Read($"{Directory}/node1.json"), "node1.json");
        Assert.Equal(configuration!.Dataplane.Ports.Where(p => p.Pci is not null).Select(p => p.Pci), addresses);
        var name = $"{resource.GetProperty("resourcePrefix").GetString()}/{resource.GetProperty("resourceName").GetString()}";
        Assert.Contains($"{name}: \"{addresses.Count}\"", DaemonSet);
    }
}
