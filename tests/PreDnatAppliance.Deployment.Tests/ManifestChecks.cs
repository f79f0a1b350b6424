using System.Globalization;
using PreDnatAppliance.Deployment.Tests.Infrastructure;
using YamlDotNet.RepresentationModel;

namespace PreDnatAppliance.Deployment.Tests;

/// <summary>A Kubernetes object from a manifest file, with where it came from.</summary>
public sealed record KubernetesObject(string Source, YamlNode Node)
{
    public string? Kind => Node.Get("kind").Text();
    public string? Name => Node.Path("metadata", "name").Text();

    public override string ToString() => $"{Source} {Kind}/{Name}";
}

/// <summary>The checks on docker/kubernetes/. Each returns its problems (empty: fine).</summary>
public static class ManifestChecks
{
    public const string ApplianceLauncher = "/opt/prednat/prednat";
    private static readonly string[] WorkloadKinds = { "DaemonSet", "Deployment", "StatefulSet" };

    public static IReadOnlyList<KubernetesObject> Objects(string text, string source) =>
        Yaml.Documents(text, source).Where(d => d is YamlMappingNode).Select((d, i) => new KubernetesObject($"{source}#{i + 1}", d)).ToList();

    public static IReadOnlyList<string> EveryObjectIsNamed(IEnumerable<KubernetesObject> objects)
    {
        var problems = new List<string>();
        foreach (var o in objects)
            foreach (var (path, what) in new[] { (new[] { "apiVersion" }, "apiVersion"), (new[] { "kind" }, "kind"), (new[] { "metadata", "name" }, "metadata.name") })
                if (string.IsNullOrWhiteSpace(o.Node.Path(path).Text()))
                    problems.Add($"{o.Source}: no {what}");
        return problems;
    }

    /// <summary>The pod templates' appliance containers: hugepages, IPC_LOCK, Guaranteed QoS with whole CPUs, probes and scrape annotations on the management endpoint.</summary>
    public static IReadOnlyList<string> ApplianceWorkloads(IReadOnlyList<KubernetesObject> objects)
    {
        var problems = new List<string>();
        var workloads = objects.Where(o => WorkloadKinds.Contains(o.Kind)).ToList();
        if (workloads.Count == 0)
            problems.Add("no DaemonSet or Deployment runs the appliance");
        foreach (var workload in workloads)
        {
            var pod = workload.Node.Path("spec", "template", "spec");
            var containers = pod.Get("containers").Items().Concat(pod.Get("initContainers").Items()).ToList();
            var appliance = containers.Where(c => c.Get("command").Strings().FirstOrDefault() == ApplianceLauncher).ToList();
            if (appliance.Count != 1)
            {
                problems.Add($"{workload}: expected one container running {ApplianceLauncher}, found {appliance.Count}");
                continue;
            }
            var app = appliance[0];
            var at = $"{workload} container {app.Get("name").Text()}";

            var requests = app.Path("resources", "requests");
            var limits = app.Path("resources", "limits");
            var hugepages = requests.Entries().Where(e => e.Key.StartsWith("hugepages-", StringComparison.Ordinal)).ToList();
            if (hugepages.Count == 0)
                problems.Add($"{at}: requests no hugepages");
            foreach (var (size, amount) in hugepages)
                if (limits.Get(size).Text() != amount.Text())
                    problems.Add($"{at}: {size} limit must equal its request ({amount.Text()})");
            var mounted = app.Get("volumeMounts").Items().Select(m => m.Get("name").Text()).ToHashSet();
            if (!pod.Get("volumes").Items().Any(v => (v.Path("emptyDir", "medium").Text() ?? "").StartsWith("HugePages", StringComparison.Ordinal) && mounted.Contains(v.Get("name").Text())))
                problems.Add($"{at}: mounts no emptyDir with medium HugePages-*");
            if (!app.Path("securityContext", "capabilities", "add").Strings().Contains("IPC_LOCK"))
                problems.Add($"{at}: does not add the capability IPC_LOCK");
            if (!int.TryParse(requests.Get("cpu").Text(), NumberStyles.None, CultureInfo.InvariantCulture, out _))
                problems.Add($"{at}: cpu request '{requests.Get("cpu").Text()}' is not a whole number of CPUs (the static CPU manager pins only those)");
            foreach (var container in containers)
                foreach (var resource in new[] { "cpu", "memory" })
                {
                    var request = container.Path("resources", "requests", resource).Text();
                    if (request is null || request != container.Path("resources", "limits", resource).Text())
                        problems.Add($"{workload} container {container.Get("name").Text()}: {resource} request and limit must be set and equal (Guaranteed QoS)");
                }

            var args = app.Get("args").Strings();
            var address = args.SkipWhile(a => a != ManagementEndpoint.AddressOption).Skip(1).FirstOrDefault();
            var port = address?[(address.LastIndexOf(':') + 1)..];
            if (port != ManagementEndpoint.Port.ToString(CultureInfo.InvariantCulture))
                problems.Add($"{at}: {ManagementEndpoint.AddressOption} must name port {ManagementEndpoint.Port} on the pod's address, found '{address}'");
            CheckProbe(problems, at, app, "livenessProbe", ManagementEndpoint.LivePath);
            CheckProbe(problems, at, app, "readinessProbe", ManagementEndpoint.ReadyPath);
            var annotations = workload.Node.Path("spec", "template", "metadata", "annotations");
            if (annotations.Get("prometheus.io/scrape").Text() != "true"
                || annotations.Get("prometheus.io/port").Text() != ManagementEndpoint.Port.ToString(CultureInfo.InvariantCulture)
                || annotations.Get("prometheus.io/path").Text() != ManagementEndpoint.MetricsPath)
                problems.Add($"{workload}: the pod template needs prometheus.io/scrape \"true\", port \"{ManagementEndpoint.Port}\", path {ManagementEndpoint.MetricsPath}");

            var services = args.SkipWhile(a => a != "--services").Skip(1).FirstOrDefault();
            if (services is null || !containers.Any(c => c != app && c.Get("args").Strings().Contains(services)))
                problems.Add($"{at}: no other container keeps its --services file ({services ?? "none"}) current");
            var account = pod.Get("serviceAccountName").Text();
            if (account is null || !objects.Any(o => o.Kind == "ServiceAccount" && o.Name == account))
                problems.Add($"{workload}: serviceAccountName '{account}' is not defined");
        }
        return problems;
    }

    /// <summary>The service account's cluster roles allow listing what `kubectl get services,endpointslices -A` reads.</summary>
    public static IReadOnlyList<string> ServicesCanBeRead(IReadOnlyList<KubernetesObject> objects, string account)
    {
        var roles = objects.Where(o => o.Kind == "ClusterRoleBinding"
                && o.Node.Get("subjects").Items().Any(s => s.Get("kind").Text() == "ServiceAccount" && s.Get("name").Text() == account))
            .Select(b => b.Node.Path("roleRef", "name").Text()).ToHashSet();
        var rules = objects.Where(o => o.Kind == "ClusterRole" && roles.Contains(o.Name)).SelectMany(r => r.Node.Get("rules").Items()).ToList();
        var problems = new List<string>();
        foreach (var (group, resource) in new[] { ("", "services"), ("discovery.k8s.io", "endpointslices") })
            if (!rules.Any(r => r.Get("apiGroups").Strings().Contains(group) && r.Get("resources").Strings().Contains(resource)
                    && r.Get("verbs").Strings().Intersect(new[] { "list", "*" }).Any()))
                problems.Add($"ServiceAccount {account} may not list {resource} ({(group == "" ? "core" : group)}) cluster-wide");
        return problems;
    }

    private static void CheckProbe(List<string> problems, string at, YamlNode container, string probe, string path)
    {
        var get = container.Path(probe, "httpGet");
        var port = get.Get("port").Text();
        var named = container.Get("ports").Items().FirstOrDefault(p => p.Get("name").Text() == port)?.Get("containerPort").Text();
        if (get.Get("path").Text() != path || (named ?? port) != ManagementEndpoint.Port.ToString(CultureInfo.InvariantCulture))
            problems.Add($"{at}: {probe} must GET {path} on port {ManagementEndpoint.Port}, found {get.Get("path").Text() ?? "none"} on {port ?? "none"}");
    }
}
