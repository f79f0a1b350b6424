using System.Globalization;
using System.Text;
using PreDnatAppliance.Generator.Tests.Infrastructure;
using PreDnatAppliance.Policy.Net;

namespace PreDnatAppliance.Generator.Tests.Differential;

/// <summary>
/// Random valid policy sets as Calico YAML: host and workload endpoints with labels, addresses (IPv4 and IPv6) and
/// named ports; global network sets large enough for table lookups; tiers with Deny and Pass ends; profiles;
/// GlobalNetworkPolicies (normal, pre-DNAT, untracked, applyOnForward) and NetworkPolicies; rules with every
/// field the appliance enforces: action (Allow, Deny, Log, Pass), ipVersion, protocol and notProtocol, icmp and
/// notICMP, and on both sides nets, notNets, selector, notSelector, namespaceSelector, serviceAccounts, ports and
/// notPorts (numbers, ranges and names). Everything is drawn from small pools so that selectors match, sets overlap
/// and packets drawn from the same pools hit rules.
/// <para>
/// Table mode (<see cref="GenerateForTables"/>) makes programs long enough for the table strategy (dozens to a few
/// hundred rules) out of what it can express: every field above, except that notPorts never name a port; network
/// sets are larger.
/// </para>
/// </summary>
public sealed class RandomPolicySets
{
    private static readonly string[] V4Blocks = { "10.1.0.0/16", "10.2.0.0/16", "192.168.0.0/16", "172.16.0.0/12", "203.0.113.0/24", "198.51.100.0/24" };
    private static readonly string[] V6Blocks = { "2001:db8:1::/48", "2001:db8:2::/64", "fd00::/8", "2001:db8:ff00::/40" };
    private static readonly string[] Roles = { "uplink", "cluster", "edge" };
    private static readonly string[] Zones = { "a", "b" };
    private static readonly string[] Apps = { "web", "db", "cache" };
    private static readonly string[] Namespaces = { "ns1", "ns2" };
    private static readonly string[] PortNames = { "web", "dns", "metrics" };

    private static readonly string[] EndpointSelectors =
    {
        "has(role)", "role == 'uplink'", "role == 'cluster'", "zone in {'a', 'b'}", "!has(zone)", "role == 'edge' && zone == 'b'",
        "app == 'web'", "app in {'db', 'cache'}", "all()", "has(host-endpoint)", "role != 'uplink'", "has(app) || role == 'edge'",
        "kind == 'external'", "kind == 'partner'",
    };

    private static readonly string[] PolicySelectors =
    {
        "all()", "has(role)", "role == 'uplink'", "role in {'cluster', 'edge'}", "zone == 'a'", "has(host-endpoint)", "app == 'web'", "!has(app)",
    };

    private static readonly string[] NamespaceSelectors = { "team == 'blue'", "all()", "global()", "has(team)", "team == 'red'" };

    private readonly Random _random;
    private readonly bool _table;
    private readonly StringBuilder _yaml = new();
    private readonly List<PolicyFile> _files = new();
    private readonly List<string> _tiers = new();
    private readonly List<string> _profiles = new() { "projectcalico-default-allow" };

    private RandomPolicySets(int seed, bool table)
    {
        _random = new Random(seed);
        _table = table;
    }

    public static IReadOnlyList<PolicyFile> Generate(int seed) => new RandomPolicySets(seed, table: false).Run();

    /// <summary>A set whose programs are long and have only rules the table strategy can express.</summary>
    public static IReadOnlyList<PolicyFile> GenerateForTables(int seed) => new RandomPolicySets(seed, table: true).Run();

    /// <summary>How many rules a policy's rule list gets: a few, or in table mode, many.</summary>
    private int RuleCount(int min, int max) => _table ? _random.Next(8 * min + 8, 8 * max + 8) : _random.Next(min, max);

    private IReadOnlyList<PolicyFile> Run()
    {
        Tiers();
        Flush("policies/tiers.yaml");
        Profiles();
        Flush("policies/profiles.yaml");
        HostEndpoints();
        WorkloadEndpoints();
        Flush("policies/endpoints.yaml");
        NetworkSets();
        Flush("policies/sets.yaml");
        var policies = _random.Next(4, 9);
        for (var i = 0; i < policies; i++)
            GlobalNetworkPolicy(i);
        Flush("policies/global-policies.yaml");
        var networkPolicies = _random.Next(0, 4);
        for (var i = 0; i < networkPolicies; i++)
            NetworkPolicy(i);
        Flush("policies/namespaced/policies.yaml");
        return _files;
    }

    private void Flush(string path)
    {
        if (_yaml.Length == 0)
            return;
        _files.Add(new PolicyFile(path, _yaml.ToString()));
        _yaml.Clear();
    }

    private void Document(string kind, string name, string? ns = null, IReadOnlyDictionary<string, string>? labels = null)
    {
        if (_yaml.Length > 0)
            _yaml.Append("---\n");
        _yaml.Append("apiVersion: projectcalico.org/v3\n");
        _yaml.Append("kind: ").Append(kind).Append('\n');
        _yaml.Append("metadata:\n");
        _yaml.Append("  name: ").Append(name).Append('\n');
        if (ns is not null)
            _yaml.Append("  namespace: ").Append(ns).Append('\n');
        if (labels is { Count: > 0 })
        {
            _yaml.Append("  labels:\n");
            foreach (var pair in labels)
                _yaml.Append("    ").Append(pair.Key).Append(": ").Append(Quote(pair.Value)).Append('\n');
        }
        _yaml.Append("spec:\n");
    }

    private void Tiers()
    {
        foreach (var (name, order) in new[] { ("t1", 100), ("t2", 200) })
        {
            if (_random.Next(3) == 0)
                continue;
            _tiers.Add(name);
            Document("Tier", name);
            if (_random.Next(6) > 0)
                Line(1, $"order: {order}");
            Line(1, $"defaultAction: {(_random.Next(2) == 0 ? "Deny" : "Pass")}");
        }
    }

    private void Profiles()
    {
        Document("Profile", "kns.ns1");
        Line(1, "labelsToApply:");
        Line(2, "pcns.team: blue");
        for (var i = 0; i < 2; i++)
        {
            var name = "prof-" + (char)('a' + i);
            _profiles.Add(name);
            Document("Profile", name);
            if (_random.Next(2) == 0)
            {
                Line(1, "labelsToApply:");
                Line(2, $"app: {Pick(Apps)}");
            }
            Rules("ingress", RuleCount(0, 4), allowEgress: true);
            Rules("egress", RuleCount(0, 4), allowEgress: true);
        }
    }

    private void HostEndpoints()
    {
        var count = _random.Next(2, 5);
        for (var i = 0; i < count; i++)
        {
            var labels = new Dictionary<string, string> { ["role"] = Pick(Roles), ["host-endpoint"] = "true" };
            if (_random.Next(2) == 0)
                labels["zone"] = Pick(Zones);
            Document("HostEndpoint", $"hep-{i}", labels: labels);
            Line(1, $"node: node{1 + _random.Next(2)}");
            Line(1, $"interfaceName: {(_random.Next(8) == 0 ? "\"*\"" : "eth" + i)}");
            var ips = new List<string> { RandomHost(4) };
            if (_random.Next(2) == 0)
                ips.Add(RandomHost(6));
            if (_random.Next(3) == 0)
                ips.Add(RandomHost(4));
            Line(1, "expectedIPs: [" + string.Join(", ", ips.Select(Quote)) + "]");
            if (_random.Next(2) == 0)
                Line(1, "profiles: [" + string.Join(", ", _profiles.Where(_ => _random.Next(2) == 0).Select(Quote)) + "]");
            NamedPorts();
        }
    }

    private void WorkloadEndpoints()
    {
        var count = _random.Next(4, 9);
        for (var i = 0; i < count; i++)
        {
            var ns = Pick(Namespaces);
            var labels = new Dictionary<string, string> { ["app"] = Pick(Apps) };
            if (_random.Next(2) == 0)
                labels["zone"] = Pick(Zones);
            Document("WorkloadEndpoint", $"wep-{i}", ns, labels);
            Line(1, "orchestrator: k8s");
            Line(1, $"node: node{1 + _random.Next(2)}");
            Line(1, $"pod: pod-{i}");
            Line(1, "endpoint: eth0");
            Line(1, $"interfaceName: cali{i}");
            if (_random.Next(2) == 0)
                Line(1, $"serviceAccountName: sa{1 + _random.Next(2)}");
            var networks = new List<string> { RandomHost(4) + "/32" };
            if (_random.Next(2) == 0)
                networks.Add(RandomHost(6) + "/128");
            Line(1, "ipNetworks: [" + string.Join(", ", networks.Select(Quote)) + "]");
            var profiles = new List<string>();
            if (ns == "ns1" && _random.Next(2) == 0)
                profiles.Add("kns.ns1");
            profiles.AddRange(_profiles.Where(_ => _random.Next(3) == 0));
            if (profiles.Count > 0)
                Line(1, "profiles: [" + string.Join(", ", profiles.Select(Quote)) + "]");
            NamedPorts(always: _random.Next(3) > 0);
        }
    }

    private void NamedPorts(bool always = false)
    {
        if (!always && _random.Next(2) == 0)
            return;
        Line(1, "ports:");
        foreach (var name in PortNames.Where(_ => _random.Next(2) == 0).DefaultIfEmpty("web"))
        {
            var protocol = name == "dns" ? "UDP" : _random.Next(6) == 0 ? "SCTP" : "TCP";
            Line(1, $"  - name: {name}");
            Line(1, $"    protocol: {protocol}");
            Line(1, $"    port: {(name == "web" ? Pick(new[] { 80, 8080, 443 }) : name == "dns" ? 53 : 9000 + _random.Next(3))}");
        }
    }

    private void NetworkSets()
    {
        var count = _random.Next(1, 3);
        for (var i = 0; i < count; i++)
        {
            Document("GlobalNetworkSet", $"gns-{i}", labels: new Dictionary<string, string> { ["kind"] = i == 0 ? "external" : "partner" });
            // Sometimes large enough that vector lookups binary-search each lane instead of scanning all ranges.
            var nets = Enumerable.Range(0, _random.Next(4) == 0 || _table ? _random.Next(20, 60) : _random.Next(3, 14)).Select(_ => RandomCidr(_random.Next(3) == 0 ? 6 : 4, minPrefix: 12)).Distinct().ToList();
            Line(1, "nets: [" + string.Join(", ", nets.Select(Quote)) + "]");
        }
        if (_random.Next(2) == 0)
        {
            Document("NetworkSet", "partners", "ns1", new Dictionary<string, string> { ["kind"] = "partner" });
            Line(1, "nets: [" + string.Join(", ", Enumerable.Range(0, _random.Next(1, 6)).Select(_ => Quote(RandomCidr(4, 16)))) + "]");
        }
    }

    private void GlobalNetworkPolicy(int index)
    {
        var mode = _random.Next(20) switch
        {
            < 5 => "prednat",
            < 8 => "untracked",
            _ => "normal",
        };
        Document("GlobalNetworkPolicy", $"gnp-{index}");
        PolicyCommon();
        Line(1, $"selector: {Quote(Pick(PolicySelectors))}");
        if (mode == "prednat")
        {
            Line(1, "preDNAT: true");
            Line(1, "applyOnForward: true");
            if (_random.Next(4) == 0)
                Line(1, "types: [Ingress]");
            Rules("ingress", RuleCount(1, 6), allowEgress: false);
            return;
        }
        if (mode == "untracked")
        {
            Line(1, "doNotTrack: true");
            Line(1, "applyOnForward: true");
        }
        else if (_random.Next(3) == 0)
        {
            Line(1, "applyOnForward: true");
        }
        if (_random.Next(8) == 0)
            Line(1, $"namespaceSelector: {Quote(Pick(new[] { "team == 'blue'", "has(team)" }))}");
        var types = _random.Next(5) switch
        {
            0 => "[Ingress]",
            1 => "[Egress]",
            2 => "[Ingress, Egress]",
            _ => null,
        };
        if (types is not null)
            Line(1, "types: " + types);
        Rules("ingress", RuleCount(0, 5), allowEgress: true);
        Rules("egress", RuleCount(0, 5), allowEgress: true);
    }

    private void NetworkPolicy(int index)
    {
        Document("NetworkPolicy", $"np-{index}", Pick(Namespaces));
        PolicyCommon();
        Line(1, $"selector: {Quote(Pick(new[] { "all()", "app == 'web'", "app != 'db'", "has(zone)" }))}");
        Rules("ingress", RuleCount(0, 4), allowEgress: true);
        Rules("egress", RuleCount(0, 4), allowEgress: true);
    }

    private void PolicyCommon()
    {
        if (_tiers.Count > 0 && _random.Next(3) == 0)
            Line(1, $"tier: {Pick(_tiers)}");
        else if (_random.Next(10) == 0)
            Line(1, "tier: kube-admin");
        if (_random.Next(5) > 0)
            Line(1, "order: " + (_random.Next(4) == 0 ? (_random.Next(1, 40) + 0.5).ToString(CultureInfo.InvariantCulture) : _random.Next(1, 40).ToString(CultureInfo.InvariantCulture)));
    }

    private void Rules(string field, int count, bool allowEgress)
    {
        if (count == 0)
            return;
        Line(1, field + ":");
        for (var i = 0; i < count; i++)
            Rule();
    }

    private void Rule()
    {
        var lines = new List<string>();
        // Table mode: mostly rules that decide IPv4 packets, so that programs pass the table threshold.
        var action = (_table ? _random.Next(20) switch
        {
            < 8 => 0,
            < 16 => 6,
            < 18 => 12,
            _ => 15,
        } : _random.Next(20)) switch
        {
            < 6 => "Allow",
            < 12 => "Deny",
            < 15 => "Log",
            _ => "Pass",
        };
        lines.Add($"action: {action}");

        // A rule is about one family when it has CIDRs, ipVersion, or ICMP.
        var family = (_table ? _random.Next(10) switch
        {
            < 4 => 0,
            < 8 => 4,
            _ => 7,
        } : _random.Next(10)) switch
        {
            < 4 => 0,
            < 7 => 4,
            _ => 6,
        };
        int? ipVersion = _random.Next(6) == 0 ? (family == 0 ? 4 + 2 * _random.Next(2) : family) : null;

        var effectiveVersion = ipVersion ?? family;

        string? protocol = null;
        if (_random.Next(2) == 0)
        {
            var choices = new List<string> { "TCP", "UDP", "SCTP", "UDPLite", "47", "6", "17" };
            // ICMP beside CIDRs of the other family (no ipVersion) is valid and compiles to a rule that never matches.
            var mismatch = ipVersion is null && _random.Next(4) == 0;
            if ((effectiveVersion != 6 || mismatch) && ipVersion is null or 4)
                choices.Add("ICMP");
            if ((effectiveVersion != 4 || mismatch) && ipVersion is null or 6)
                choices.Add("ICMPv6");
            protocol = Pick(choices);
            lines.Add($"protocol: {Quote(protocol)}");
        }
        if (_random.Next(7) == 0)
        {
            var choices = new List<string> { "TCP", "UDP", "47" };
            if (ipVersion is null or 4)
                choices.Add("ICMP");
            if (ipVersion is null or 6)
                choices.Add("ICMPv6");
            lines.Add($"notProtocol: {Quote(Pick(choices))}");
        }
        if (ipVersion is { } version)
            lines.Add($"ipVersion: {version}");

        var icmpProtocol = protocol is "ICMP" or "ICMPv6";
        if (icmpProtocol && _random.Next(5) < 3)
            Icmp(lines, "icmp", protocol!);
        if ((icmpProtocol && _random.Next(4) == 0) || (!icmpProtocol && protocol is not null && _random.Next(30) == 0))
            Icmp(lines, "notICMP", protocol!);

        var portProtocol = protocol is "TCP" or "UDP" or "SCTP" or "6" or "17";
        var namedOnly = protocol is null;
        var cidrFamily = family;
        Side(lines, "source", cidrFamily, portProtocol, namedOnly);
        Side(lines, "destination", cidrFamily, portProtocol, namedOnly);

        _yaml.Append("    - ").Append(lines[0]).Append('\n');
        foreach (var line in lines.Skip(1))
            _yaml.Append("      ").Append(line).Append('\n');
    }

    private void Icmp(List<string> lines, string field, string protocol)
    {
        var types = protocol == "ICMPv6" ? new[] { 1, 128, 129, 135, 136 } : new[] { 0, 3, 8, 11 };
        var type = _random.Next(5) == 0 ? _random.Next(0, 255) : Pick(types);
        lines.Add($"{field}:");
        lines.Add($"  type: {type}");
        if (_random.Next(2) == 0)
            lines.Add($"  code: {(_random.Next(4) == 0 ? _random.Next(0, 256) : _random.Next(0, 4))}");
    }

    private void Side(List<string> lines, string side, int family, bool portProtocol, bool namedOnly)
    {
        var fields = new List<string>();
        if (family != 0 && _random.Next(10) < 3)
            fields.Add("nets: [" + string.Join(", ", Enumerable.Range(0, _random.Next(1, 4)).Select(_ => Quote(RandomCidr(family, 8)))) + "]");
        if (family != 0 && _random.Next(7) == 0)
            fields.Add("notNets: [" + string.Join(", ", Enumerable.Range(0, _random.Next(1, 3)).Select(_ => Quote(RandomCidr(family, 8)))) + "]");
        if (_random.Next(4) == 0)
            fields.Add($"selector: {Quote(Pick(EndpointSelectors))}");
        if (_random.Next(10) == 0)
            fields.Add($"notSelector: {Quote(Pick(EndpointSelectors))}");
        if (_random.Next(16) == 0)
            fields.Add($"namespaceSelector: {Quote(Pick(NamespaceSelectors))}");
        if (_random.Next(20) == 0)
            fields.Add("serviceAccounts:\n          names: [" + Quote("sa" + (1 + _random.Next(2))) + "]");
        if ((portProtocol && _random.Next(5) < 2) || (namedOnly && _random.Next(6) == 0))
            fields.Add("ports: [" + string.Join(", ", Ports(namedOnly)) + "]");
        if ((portProtocol && _random.Next(6) == 0) || (namedOnly && !_table && _random.Next(12) == 0))
            fields.Add("notPorts: [" + string.Join(", ", Ports(namedOnly, numericOnly: _table)) + "]");
        if (fields.Count == 0)
            return;
        lines.Add(side + ":");
        foreach (var field in fields)
            lines.Add("  " + field);
    }

    private IEnumerable<string> Ports(bool namedOnly, bool numericOnly = false)
    {
        var count = _random.Next(1, 4);
        for (var i = 0; i < count; i++)
        {
            var kind = namedOnly ? 0 : numericOnly ? 1 + _random.Next(2) : _random.Next(3);
            switch (kind)
            {
                case 0:
                    yield return Quote(Pick(PortNames));
                    break;
                case 1:
                    yield return Pick(new[] { 22, 53, 80, 443, 8080, 30080, 1, 65535 }).ToString(CultureInfo.InvariantCulture);
                    break;
                default:
                    var first = Pick(new[] { 1, 1000, 30000, 8000, 65000 });
                    var last = Math.Min(65535, first + Pick(new[] { 0, 1, 100, 2767, 60000 }));
                    yield return Quote($"{first}:{last}");
                    break;
            }
        }
    }

    private string RandomHost(int family)
    {
        var block = Cidr.Parse(Pick(family == 4 ? V4Blocks : V6Blocks));
        return RandomIn(block).ToString();
    }

    private string RandomCidr(int family, int minPrefix)
    {
        var block = Cidr.Parse(Pick(family == 4 ? V4Blocks : V6Blocks));
        var max = family == 4 ? 32 : 128;
        var prefix = _random.Next(Math.Max(minPrefix, 1), max + 1);
        if (_random.Next(3) == 0)
            prefix = Math.Max(block.PrefixLength, Math.Min(prefix, family == 4 ? 28 : 64));
        var address = _random.Next(5) == 0 ? RandomAddress(family) : RandomIn(block);
        return new Cidr(address, prefix).ToString();
    }

    private IpAddress RandomIn(Cidr block)
    {
        var random = RandomAddress(block.Version);
        if (block.Version == 4)
        {
            var mask = block.PrefixLength == 0 ? 0u : uint.MaxValue << (32 - block.PrefixLength);
            return IpAddress.V4((block.Network.V4Value & mask) | (random.V4Value & ~mask));
        }
        var (maskHigh, maskLow) = Mask128(block.PrefixLength);
        return IpAddress.V6((block.Network.High & maskHigh) | (random.High & ~maskHigh), (block.Network.Low & maskLow) | (random.Low & ~maskLow));
    }

    private IpAddress RandomAddress(int family)
    {
        var bytes = new byte[16];
        _random.NextBytes(bytes);
        return family == 4
            ? IpAddress.V4(BitConverter.ToUInt32(bytes, 0))
            : IpAddress.V6(BitConverter.ToUInt64(bytes, 0), BitConverter.ToUInt64(bytes, 8));
    }

    private static (ulong High, ulong Low) Mask128(int prefix) =>
        (prefix >= 64 ? ulong.MaxValue : prefix == 0 ? 0 : ulong.MaxValue << (64 - prefix),
         prefix <= 64 ? 0 : prefix == 128 ? ulong.MaxValue : ulong.MaxValue << (128 - prefix));

    private T Pick<T>(IReadOnlyList<T> items) => items[_random.Next(items.Count)];

    private void Line(int indent, string text) => _yaml.Append(' ', indent * 2).Append(text).Append('\n');

    private static string Quote(string text) => "\"" + text.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
}
