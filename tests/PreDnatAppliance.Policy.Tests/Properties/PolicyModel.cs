using System.Globalization;
using System.Text;
using PreDnatAppliance.Policy.Diagnostics;
using PreDnatAppliance.Policy.Resources;

namespace PreDnatAppliance.Policy.Tests.Properties;

// A small, immutable description of a policy set for one node. The property tests generate these, transform
// them (split a policy, swap rules, add a tier, rename...) and turn them into a PolicySet either directly in
// code (ToPolicySet) or through YAML (ToYamlDocuments + PolicyProject.LoadTexts).

public sealed record PortModel(string Name, string Protocol, int Port);

public sealed record HepModel(
    string Name,
    string InterfaceName,
    IReadOnlyList<string> ExpectedIps,
    IReadOnlyDictionary<string, string> Labels,
    IReadOnlyList<PortModel> Ports,
    IReadOnlyList<string> Profiles);

public sealed record WepModel(
    string Name,
    string Namespace,
    string InterfaceName,
    IReadOnlyList<string> IpNetworks,
    IReadOnlyDictionary<string, string> Labels,
    IReadOnlyList<PortModel> Ports,
    IReadOnlyList<string> Profiles);

public sealed record TierModel(string Name, double? Order, string? DefaultAction);

/// <summary>A GlobalNetworkSet: labelled CIDRs that rule selectors resolve to (a /0 becomes two /1s).</summary>
public sealed record NetworkSetModel(string Name, IReadOnlyDictionary<string, string> Labels, IReadOnlyList<string> Nets);

public sealed record IcmpModel(int Type, int? Code);

public sealed record EntityModel(
    IReadOnlyList<string> Nets,
    IReadOnlyList<string> NotNets,
    string? Selector,
    string? NotSelector,
    IReadOnlyList<string> Ports,
    IReadOnlyList<string> NotPorts)
{
    public static readonly EntityModel Empty = new(Array.Empty<string>(), Array.Empty<string>(), null, null, Array.Empty<string>(), Array.Empty<string>());

    public bool IsEmpty => Nets.Count == 0 && NotNets.Count == 0 && Selector is null && NotSelector is null && Ports.Count == 0 && NotPorts.Count == 0;
}

public sealed record RuleModel(
    string Action,
    int? IpVersion,
    string? Protocol,
    string? NotProtocol,
    IcmpModel? Icmp,
    IcmpModel? NotIcmp,
    EntityModel Source,
    EntityModel Destination);

public sealed record ProfileModel(
    string Name,
    IReadOnlyDictionary<string, string> LabelsToApply,
    IReadOnlyList<RuleModel> Ingress,
    IReadOnlyList<RuleModel> Egress);

public sealed record PolicyModel(
    string Name,
    string? Tier,
    double? Order,
    string Selector,
    bool PreDnat,
    bool DoNotTrack,
    bool ApplyOnForward,
    IReadOnlyList<string>? Types,
    IReadOnlyList<RuleModel> Ingress,
    IReadOnlyList<RuleModel> Egress)
{
    public string EffectiveTier => string.IsNullOrEmpty(Tier) ? Tiers.DefaultTierName : Tier!;

    /// <summary>Calico's defaulting, written out independently of the library: explicit types win; else ingress when
    /// there are ingress rules or no rules at all, egress when there are egress rules.</summary>
    public (bool Ingress, bool Egress) EffectiveTypes => Types is not null
        ? (Types.Contains("Ingress"), Types.Contains("Egress"))
        : (Ingress.Count > 0 || Egress.Count == 0, Egress.Count > 0);

    public IReadOnlyList<string> EffectiveTypeList
    {
        get
        {
            var (ingress, egress) = EffectiveTypes;
            var list = new List<string>();
            if (ingress) list.Add("Ingress");
            if (egress) list.Add("Egress");
            return list;
        }
    }
}

public sealed record PolicySetModel(
    IReadOnlyList<HepModel> HostEndpoints,
    IReadOnlyList<WepModel> WorkloadEndpoints,
    IReadOnlyList<TierModel> Tiers,
    IReadOnlyList<ProfileModel> Profiles,
    IReadOnlyList<PolicyModel> Policies,
    IReadOnlyList<NetworkSetModel>? NetworkSets = null)
{
    public const string Node = "node1";

    public IReadOnlyList<NetworkSetModel> GlobalNetworkSets => NetworkSets ?? Array.Empty<NetworkSetModel>();

    /// <summary>Every resource as its own YAML document, in model order.</summary>
    public IReadOnlyList<string> ToYamlDocuments() => ModelYaml.Documents(this);

    /// <summary>One multi-document YAML text, for failure messages and for loading.</summary>
    public string ToYaml() => string.Join("---\n", ToYamlDocuments());

    public override string ToString() => ToYaml();

    /// <summary>Builds the PolicySet in code, with a synthetic location per resource and per rule (file gen/KIND/NAME.yaml).</summary>
    public PolicySet ToPolicySet() => ModelBuilder.Build(this);
}

/// <summary>Model to Resources/*, with locations that depend only on the resource itself (so adding a resource moves nothing).</summary>
internal static class ModelBuilder
{
    public static PolicySet Build(PolicySetModel model)
    {
        var set = new PolicySet();
        foreach (var hep in model.HostEndpoints)
            set.Add(Hep(hep));
        foreach (var wep in model.WorkloadEndpoints)
            set.Add(Wep(wep));
        foreach (var tier in model.Tiers)
            set.Add(Tier(tier));
        foreach (var profile in model.Profiles)
            set.Add(Profile(profile));
        foreach (var policy in model.Policies)
            set.Add(Policy(policy));
        foreach (var networkSet in model.GlobalNetworkSets)
            set.Add(NetworkSet(networkSet));
        return set;
    }

    private sealed class Lines
    {
        private readonly string _file;
        private int _line;

        public Lines(string file) => _file = file;

        public SourceLocation Next(int column = 1) => new(_file, ++_line, column);
        public Located<string> L(string value) => new(value, Next(3));
        public List<Located<string>> List(IEnumerable<string> values) => values.Select(L).ToList();
    }

    private static T Meta<T>(T resource, Lines lines, string name, string? ns, IReadOnlyDictionary<string, string>? labels) where T : Resource
    {
        resource.Location = lines.Next();
        resource.Metadata.Location = lines.Next();
        resource.Metadata.Name = name;
        resource.Metadata.SetFieldLocation("name", lines.Next(9));
        resource.Metadata.Namespace = ns;
        if (labels is not null)
            resource.Metadata.Labels = new Dictionary<string, string>(labels.ToDictionary(p => p.Key, p => p.Value), StringComparer.Ordinal);
        resource.SpecLocation = lines.Next(3);
        return resource;
    }

    private static List<EndpointPort> Ports(IEnumerable<PortModel> ports, Lines lines) =>
        ports.Select(p => new EndpointPort { Name = p.Name, Protocol = p.Protocol, Port = p.Port, Location = lines.Next(5) }).ToList();

    private static HostEndpoint Hep(HepModel m)
    {
        var lines = new Lines($"gen/hostendpoint/{m.Name}.yaml");
        var hep = Meta(new HostEndpoint(), lines, m.Name, null, m.Labels);
        hep.Node = PolicySetModel.Node;
        hep.InterfaceName = m.InterfaceName;
        hep.ExpectedIPs = lines.List(m.ExpectedIps);
        hep.Profiles = lines.List(m.Profiles);
        hep.Ports = Ports(m.Ports, lines);
        return hep;
    }

    private static WorkloadEndpoint Wep(WepModel m)
    {
        var lines = new Lines($"gen/workloadendpoint/{m.Namespace}/{m.Name}.yaml");
        var wep = Meta(new WorkloadEndpoint(), lines, m.Name, m.Namespace, m.Labels);
        wep.Node = PolicySetModel.Node;
        wep.Orchestrator = "k8s";
        wep.InterfaceName = m.InterfaceName;
        wep.IpNetworks = lines.List(m.IpNetworks);
        wep.Profiles = lines.List(m.Profiles);
        wep.Ports = Ports(m.Ports, lines);
        return wep;
    }

    private static NetworkSet NetworkSet(NetworkSetModel m)
    {
        var lines = new Lines($"gen/globalnetworkset/{m.Name}.yaml");
        var set = Meta(new NetworkSet(isGlobal: true), lines, m.Name, null, m.Labels);
        set.Nets = lines.List(m.Nets);
        return set;
    }

    private static Tier Tier(TierModel m)
    {
        var lines = new Lines($"gen/tier/{m.Name}.yaml");
        var tier = Meta(new Tier(), lines, m.Name, null, null);
        tier.Order = m.Order;
        tier.DefaultAction = m.DefaultAction;
        return tier;
    }

    private static Profile Profile(ProfileModel m)
    {
        var lines = new Lines($"gen/profile/{m.Name}.yaml");
        var profile = Meta(new Profile(), lines, m.Name, null, null);
        profile.LabelsToApply = new Dictionary<string, string>(m.LabelsToApply.ToDictionary(p => p.Key, p => p.Value), StringComparer.Ordinal);
        profile.Ingress = m.Ingress.Select(r => Rule(r, lines)).ToList();
        profile.Egress = m.Egress.Select(r => Rule(r, lines)).ToList();
        return profile;
    }

    private static PolicyResource Policy(PolicyModel m)
    {
        var lines = new Lines($"gen/globalnetworkpolicy/{m.Name}.yaml");
        var policy = Meta(new PolicyResource(isGlobal: true), lines, m.Name, null, null);
        policy.Tier = m.Tier;
        policy.Order = m.Order;
        policy.Selector = m.Selector;
        policy.PreDnat = m.PreDnat;
        policy.DoNotTrack = m.DoNotTrack;
        policy.ApplyOnForward = m.ApplyOnForward;
        policy.Types = m.Types is null ? null : lines.List(m.Types);
        policy.Ingress = m.Ingress.Select(r => Rule(r, lines)).ToList();
        policy.Egress = m.Egress.Select(r => Rule(r, lines)).ToList();
        return policy;
    }

    private static Rule Rule(RuleModel m, Lines lines)
    {
        var rule = new Rule { Action = m.Action, Location = lines.Next(5), IpVersion = m.IpVersion };
        if (m.Protocol is not null)
            rule.Protocol = lines.L(m.Protocol);
        if (m.NotProtocol is not null)
            rule.NotProtocol = lines.L(m.NotProtocol);
        if (m.Icmp is not null)
            rule.Icmp = new IcmpFields { Type = m.Icmp.Type, Code = m.Icmp.Code, Location = lines.Next(7) };
        if (m.NotIcmp is not null)
            rule.NotIcmp = new IcmpFields { Type = m.NotIcmp.Type, Code = m.NotIcmp.Code, Location = lines.Next(7) };
        rule.Source = Entity(m.Source, lines);
        rule.Destination = Entity(m.Destination, lines);
        return rule;
    }

    private static EntityRule Entity(EntityModel m, Lines lines) => new()
    {
        Location = lines.Next(7),
        Nets = lines.List(m.Nets),
        NotNets = lines.List(m.NotNets),
        Selector = m.Selector,
        NotSelector = m.NotSelector,
        Ports = lines.List(m.Ports),
        NotPorts = lines.List(m.NotPorts),
    };
}

/// <summary>Model to calicoctl-style YAML. Every string is single-quoted, so label values such as "true" or "1" stay strings.</summary>
internal static class ModelYaml
{
    public static IReadOnlyList<string> Documents(PolicySetModel model)
    {
        var docs = new List<string>();
        docs.AddRange(model.HostEndpoints.Select(Hep));
        docs.AddRange(model.WorkloadEndpoints.Select(Wep));
        docs.AddRange(model.Tiers.Select(Tier));
        docs.AddRange(model.Profiles.Select(Profile));
        docs.AddRange(model.Policies.Select(Policy));
        docs.AddRange(model.GlobalNetworkSets.Select(NetworkSet));
        return docs;
    }

    public static string Q(string value) => "'" + value.Replace("'", "''") + "'";

    private static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    private static string Flow(IEnumerable<string> values) => "[" + string.Join(", ", values.Select(Q)) + "]";

    private static void Header(StringBuilder s, string kind, string name, string? ns, IReadOnlyDictionary<string, string>? labels)
    {
        s.Append("apiVersion: projectcalico.org/v3\n");
        s.Append("kind: ").Append(kind).Append('\n');
        s.Append("metadata:\n");
        s.Append("  name: ").Append(Q(name)).Append('\n');
        if (ns is not null)
            s.Append("  namespace: ").Append(Q(ns)).Append('\n');
        if (labels is { Count: > 0 })
        {
            s.Append("  labels:\n");
            foreach (var pair in labels.OrderBy(p => p.Key, StringComparer.Ordinal))
                s.Append("    ").Append(Q(pair.Key)).Append(": ").Append(Q(pair.Value)).Append('\n');
        }
        s.Append("spec:\n");
    }

    private static void Ports(StringBuilder s, IReadOnlyList<PortModel> ports)
    {
        if (ports.Count == 0)
            return;
        s.Append("  ports:\n");
        foreach (var port in ports)
        {
            s.Append("    - name: ").Append(Q(port.Name)).Append('\n');
            s.Append("      protocol: ").Append(Q(port.Protocol)).Append('\n');
            s.Append("      port: ").Append(port.Port.ToString(CultureInfo.InvariantCulture)).Append('\n');
        }
    }

    private static string Hep(HepModel m)
    {
        var s = new StringBuilder();
        Header(s, "HostEndpoint", m.Name, null, m.Labels);
        s.Append("  node: ").Append(Q(PolicySetModel.Node)).Append('\n');
        if (m.InterfaceName.Length > 0)
            s.Append("  interfaceName: ").Append(Q(m.InterfaceName)).Append('\n');
        if (m.ExpectedIps.Count > 0)
            s.Append("  expectedIPs: ").Append(Flow(m.ExpectedIps)).Append('\n');
        if (m.Profiles.Count > 0)
            s.Append("  profiles: ").Append(Flow(m.Profiles)).Append('\n');
        Ports(s, m.Ports);
        return s.ToString();
    }

    private static string Wep(WepModel m)
    {
        var s = new StringBuilder();
        Header(s, "WorkloadEndpoint", m.Name, m.Namespace, m.Labels);
        s.Append("  node: ").Append(Q(PolicySetModel.Node)).Append('\n');
        s.Append("  orchestrator: 'k8s'\n");
        s.Append("  interfaceName: ").Append(Q(m.InterfaceName)).Append('\n');
        s.Append("  ipNetworks: ").Append(Flow(m.IpNetworks)).Append('\n');
        if (m.Profiles.Count > 0)
            s.Append("  profiles: ").Append(Flow(m.Profiles)).Append('\n');
        Ports(s, m.Ports);
        return s.ToString();
    }

    private static string NetworkSet(NetworkSetModel m)
    {
        var s = new StringBuilder();
        Header(s, "GlobalNetworkSet", m.Name, null, m.Labels);
        s.Append("  nets: ").Append(Flow(m.Nets)).Append('\n');
        return s.ToString();
    }

    private static string Tier(TierModel m)
    {
        var s = new StringBuilder();
        Header(s, "Tier", m.Name, null, null);
        var empty = true;
        if (m.Order is { } order)
        {
            s.Append("  order: ").Append(Number(order)).Append('\n');
            empty = false;
        }
        if (m.DefaultAction is { } action)
        {
            s.Append("  defaultAction: ").Append(Q(action)).Append('\n');
            empty = false;
        }
        if (empty)
            ReplaceEmptySpec(s);
        return s.ToString();
    }

    private static void ReplaceEmptySpec(StringBuilder s)
    {
        s.Length -= "spec:\n".Length;
        s.Append("spec: {}\n");
    }

    private static string Profile(ProfileModel m)
    {
        var s = new StringBuilder();
        Header(s, "Profile", m.Name, null, null);
        var empty = true;
        if (m.LabelsToApply.Count > 0)
        {
            s.Append("  labelsToApply:\n");
            foreach (var pair in m.LabelsToApply.OrderBy(p => p.Key, StringComparer.Ordinal))
                s.Append("    ").Append(Q(pair.Key)).Append(": ").Append(Q(pair.Value)).Append('\n');
            empty = false;
        }
        empty &= !Rules(s, "ingress", m.Ingress);
        empty &= !Rules(s, "egress", m.Egress);
        if (empty)
            ReplaceEmptySpec(s);
        return s.ToString();
    }

    private static string Policy(PolicyModel m)
    {
        var s = new StringBuilder();
        Header(s, "GlobalNetworkPolicy", m.Name, null, null);
        if (m.Tier is not null)
            s.Append("  tier: ").Append(Q(m.Tier)).Append('\n');
        if (m.Order is { } order)
            s.Append("  order: ").Append(Number(order)).Append('\n');
        s.Append("  selector: ").Append(Q(m.Selector)).Append('\n');
        if (m.PreDnat)
            s.Append("  preDNAT: true\n");
        if (m.DoNotTrack)
            s.Append("  doNotTrack: true\n");
        if (m.ApplyOnForward)
            s.Append("  applyOnForward: true\n");
        if (m.Types is not null)
            s.Append("  types: ").Append(m.Types.Count == 0 ? "[]" : "[" + string.Join(", ", m.Types) + "]").Append('\n');
        Rules(s, "ingress", m.Ingress);
        Rules(s, "egress", m.Egress);
        return s.ToString();
    }

    private static bool Rules(StringBuilder s, string field, IReadOnlyList<RuleModel> rules)
    {
        if (rules.Count == 0)
            return false;
        s.Append("  ").Append(field).Append(":\n");
        foreach (var rule in rules)
        {
            s.Append("    - action: ").Append(rule.Action).Append('\n');
            if (rule.IpVersion is { } version)
                s.Append("      ipVersion: ").Append(version.ToString(CultureInfo.InvariantCulture)).Append('\n');
            if (rule.Protocol is not null)
                s.Append("      protocol: ").Append(ProtocolValue(rule.Protocol)).Append('\n');
            if (rule.NotProtocol is not null)
                s.Append("      notProtocol: ").Append(ProtocolValue(rule.NotProtocol)).Append('\n');
            Icmp(s, "icmp", rule.Icmp);
            Icmp(s, "notICMP", rule.NotIcmp);
            Entity(s, "source", rule.Source);
            Entity(s, "destination", rule.Destination);
        }
        return true;
    }

    // Numeric protocols are written as YAML integers, names as strings: both forms are what users write.
    private static string ProtocolValue(string protocol) => protocol.All(char.IsDigit) ? protocol : Q(protocol);

    private static void Icmp(StringBuilder s, string field, IcmpModel? icmp)
    {
        if (icmp is null)
            return;
        s.Append("      ").Append(field).Append(":\n");
        s.Append("        type: ").Append(icmp.Type.ToString(CultureInfo.InvariantCulture)).Append('\n');
        if (icmp.Code is { } code)
            s.Append("        code: ").Append(code.ToString(CultureInfo.InvariantCulture)).Append('\n');
    }

    private static void Entity(StringBuilder s, string field, EntityModel entity)
    {
        if (entity.IsEmpty)
            return;
        s.Append("      ").Append(field).Append(":\n");
        if (entity.Nets.Count > 0)
            s.Append("        nets: ").Append(Flow(entity.Nets)).Append('\n');
        if (entity.NotNets.Count > 0)
            s.Append("        notNets: ").Append(Flow(entity.NotNets)).Append('\n');
        if (entity.Selector is not null)
            s.Append("        selector: ").Append(Q(entity.Selector)).Append('\n');
        if (entity.NotSelector is not null)
            s.Append("        notSelector: ").Append(Q(entity.NotSelector)).Append('\n');
        if (entity.Ports.Count > 0)
            s.Append("        ports: ").Append(PortList(entity.Ports)).Append('\n');
        if (entity.NotPorts.Count > 0)
            s.Append("        notPorts: ").Append(PortList(entity.NotPorts)).Append('\n');
    }

    // Single ports as YAML integers, ranges and names as strings, as Calico's own examples write them.
    private static string PortList(IEnumerable<string> ports) =>
        "[" + string.Join(", ", ports.Select(p => p.All(char.IsDigit) ? p : Q(p))) + "]";
}
