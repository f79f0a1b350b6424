namespace PreDnatAppliance.Policy.Tests.Verdicts;

/// <summary>
/// Small builders for the YAML of verdict cases. Every builder returns one complete document (starting with
/// <c>---</c>), so a case's policy set is just the concatenation of what it needs. Specs are written as
/// left-aligned YAML text and indented here.
/// </summary>
public static class Y
{
    public const string Node = "node1";

    /// <summary>node1's eth0 (192.0.2.10, 2001:db8::10), labels host-endpoint=ingress, role=edge; no profiles.</summary>
    public static readonly string Hep0 = Hep("node1-eth0", "eth0", "{host-endpoint: ingress, role: edge}", "192.0.2.10, \"2001:db8::10\"");

    /// <summary>node1's eth1 (198.18.0.10, 2001:db8:1::10), labels host-endpoint=internal; no profiles.</summary>
    public static readonly string Hep1 = Hep("node1-eth1", "eth1", "{host-endpoint: internal}", "198.18.0.10, \"2001:db8:1::10\"");

    public static string Doc(string kind, string name, string spec, string? ns = null, string? labels = null)
    {
        var text = new System.Text.StringBuilder();
        text.Append("---\napiVersion: projectcalico.org/v3\nkind: ").Append(kind).Append("\nmetadata:\n  name: ").Append(name).Append('\n');
        if (ns is not null)
            text.Append("  namespace: ").Append(ns).Append('\n');
        if (labels is not null)
            text.Append("  labels: ").Append(labels).Append('\n');
        text.Append("spec:\n").Append(Indent(spec, 2));
        return text.ToString();
    }

    /// <param name="ips">The inside of the expectedIPs flow list, or null for none.</param>
    public static string Hep(string name, string iface, string? labels = null, string? ips = null, string extra = "", string node = Node)
    {
        var spec = $"node: {node}\ninterfaceName: \"{iface}\"\n";
        if (ips is not null)
            spec += $"expectedIPs: [{ips}]\n";
        return Doc("HostEndpoint", name, spec + extra, labels: labels);
    }

    public static string Gnp(string name, string spec, string? labels = null) => Doc("GlobalNetworkPolicy", name, spec, labels: labels);

    public static string Np(string ns, string name, string spec) => Doc("NetworkPolicy", name, spec, ns);

    /// <summary>A pre-DNAT GNP selecting every HEP with a host-endpoint label; <paramref name="rules"/> is the ingress list.</summary>
    public static string PreDnat(string name, string rules, double? order = null, string selector = "has(host-endpoint)", string extra = "") =>
        Gnp(name, $"preDNAT: true\napplyOnForward: true\nselector: \"{selector}\"\n{Order(order)}{extra}ingress:\n{rules}\n");

    /// <summary>An untracked (doNotTrack) GNP.</summary>
    public static string Untracked(string name, string spec, string selector = "has(host-endpoint)") =>
        Gnp(name, $"doNotTrack: true\napplyOnForward: true\nselector: \"{selector}\"\n{spec}\n");

    /// <summary>A normal GNP: <paramref name="spec"/> holds the rest (ingress/egress/types/tier...).</summary>
    public static string Normal(string name, string spec, string selector = "has(host-endpoint)", double? order = null, bool applyOnForward = false) =>
        Gnp(name, $"selector: \"{selector}\"\n{Order(order)}{(applyOnForward ? "applyOnForward: true\n" : string.Empty)}{spec}\n");

    /// <param name="ips">The inside of the ipNetworks flow list.</param>
    public static string Wep(string ns, string name, string ips, string? labels = null, string extra = "", string node = Node)
    {
        var iface = "cali" + name.Replace("-", string.Empty);
        if (iface.Length > 15)
            iface = iface.Substring(0, 15);
        var spec = $"node: {node}\norchestrator: k8s\npod: {name}\nendpoint: eth0\ninterfaceName: {iface}\nipNetworks: [{ips}]\n{extra}";
        return Doc("WorkloadEndpoint", name, spec, ns, labels);
    }

    public static string Profile(string name, string spec) => Doc("Profile", name, spec);

    /// <summary>Kubernetes' implicit namespace profile: kns.NS with the namespace labels as pcns.* labelsToApply.</summary>
    public static string Namespace(string ns, string labels) =>
        Profile("kns." + ns, $"labelsToApply: {{{string.Join(", ", Split(labels).Select(l => "pcns." + l))}}}\n");

    /// <summary>Kubernetes' implicit service-account profile: ksa.NS.SA with pcsa.* labelsToApply.</summary>
    public static string ServiceAccount(string ns, string sa, string labels) =>
        Profile($"ksa.{ns}.{sa}", $"labelsToApply: {{{string.Join(", ", Split(labels).Select(l => "pcsa." + l))}}}\n");

    public static string Tier(string name, double? order, string? defaultAction = null) =>
        Doc("Tier", name, $"{(order is { } o ? $"order: {o.ToString(System.Globalization.CultureInfo.InvariantCulture)}\n" : string.Empty)}{(defaultAction is null ? string.Empty : $"defaultAction: {defaultAction}\n")}");

    public static string Felix(string name, string spec) => Doc("FelixConfiguration", name, spec);

    public static string GlobalNetworkSet(string name, string labels, string nets) => Doc("GlobalNetworkSet", name, $"nets: [{nets}]\n", labels: labels);

    public static string NetworkSet(string ns, string name, string labels, string nets) => Doc("NetworkSet", name, $"nets: [{nets}]\n", ns, labels);

    public static string Set(params string[] documents) => string.Concat(documents);

    private static string Order(double? order) =>
        order is { } o ? $"order: {o.ToString(System.Globalization.CultureInfo.InvariantCulture)}\n" : string.Empty;

    private static IEnumerable<string> Split(string labels) =>
        labels.Split(',').Select(l => l.Trim()).Where(l => l.Length > 0);

    private static string Indent(string text, int spaces)
    {
        var pad = new string(' ', spaces);
        var lines = text.Replace("\r\n", "\n").TrimEnd('\n').Split('\n');
        return string.Concat(lines.Select(l => l.Length == 0 ? "\n" : pad + l + "\n"));
    }
}

/// <summary>Program keys (<c>EndpointProgram.Key</c>) of the standard endpoints.</summary>
public static class P
{
    public const string Untracked0 = "hep/node1-eth0/untracked/ingress";
    public const string UntrackedOut0 = "hep/node1-eth0/untracked/egress";
    public const string PreDnat0 = "hep/node1-eth0/prednat/ingress";
    public const string HostIn0 = "hep/node1-eth0/host/ingress";
    public const string HostOut0 = "hep/node1-eth0/host/egress";
    public const string FwdIn0 = "hep/node1-eth0/forward/ingress";
    public const string FwdOut0 = "hep/node1-eth0/forward/egress";
    public const string PreDnat1 = "hep/node1-eth1/prednat/ingress";
    public const string HostIn1 = "hep/node1-eth1/host/ingress";
    public const string FwdIn1 = "hep/node1-eth1/forward/ingress";
    public const string FwdOut1 = "hep/node1-eth1/forward/egress";

    public static string Hep(string name, string stage, string direction = "ingress") => $"hep/{name}/{stage}/{direction}";
    public static string WepIn(string ns, string name) => $"wep/{ns}/{name}/workload/ingress";
    public static string WepOut(string ns, string name) => $"wep/{ns}/{name}/workload/egress";
}
