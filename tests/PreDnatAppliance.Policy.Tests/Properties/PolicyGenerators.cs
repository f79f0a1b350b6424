using FsCheck;
using FsCheck.Fluent;
using PreDnatAppliance.Policy.Evaluation;
using PreDnatAppliance.Policy.Net;

namespace PreDnatAppliance.Policy.Tests.Properties;

/// <summary>A generated policy set, the packets to try on every program, and a free choice the property uses to pick what to transform.</summary>
public sealed record Scenario(PolicySetModel Model, IReadOnlyList<PacketTuple> Packets, int Choice)
{
    public override string ToString() =>
        $"choice {Choice}, {Packets.Count} packets:\n  " + string.Join("\n  ", Packets) + "\npolicy set:\n" + Model.ToYaml();
}

/// <summary>
/// Generators for valid single-node policy sets and for packets aimed at them. Everything is drawn from a small
/// vocabulary (labels, addresses, CIDRs, ports) so that selectors often match, nets often contain the packet's
/// addresses and port lists often contain its ports: a random policy set that nothing ever matches would make
/// every property vacuously true.
/// </summary>
public static class PolicyGenerators
{
    // ---- vocabulary ---------------------------------------------------------------------------------------

    public static readonly string[] HepV4 = { "10.0.0.1", "10.0.0.2", "10.0.0.3" };
    public static readonly string[] HepV6 = { "fd00::1", "fd00::2" };
    public static readonly string[] WepNetworks = { "10.0.1.1/32", "10.0.1.2/32", "10.0.1.3/32", "fd00:1::1/128", "fd00:1::2/128" };

    public static readonly string[] PacketV4 =
        { "10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.1.1", "10.0.1.2", "10.0.1.3", "10.0.2.1", "10.0.0.200", "192.0.2.7", "10.1.0.1" };
    public static readonly string[] PacketV6 =
        { "fd00::1", "fd00::2", "fd00::3", "fd00:1::1", "fd00:1::2", "fd00:2::1", "2001:db8::7", "fd01::1" };

    // The /0s only ever appear in nets: a catch-all in notNets is a validation error.
    private static readonly string[] NetsV4 =
        { "10.0.0.0/24", "10.0.0.0/30", "10.0.0.2/31", "10.0.0.1/32", "10.0.1.0/24", "10.0.0.0/16", "10.0.2.0/24", "192.0.2.0/24", "0.0.0.0/0" };
    private static readonly string[] NetsV6 =
        { "fd00::/64", "fd00::/16", "fd00::2/128", "fd00:1::/64", "fd00:2::/48", "2001:db8::/32", "::/0" };

    private static readonly ushort[] PacketPorts = { 22, 53, 80, 443, 999, 1000, 1005, 1010, 1011, 8080, 30080, 31000, 32767, 40000 };
    private static readonly string[] RulePorts = { "22", "53", "80", "443", "8080", "30080", "1000:1010", "30000:32767", "1:1024" };
    public static readonly string[] PortNames = { "http", "dns", "np" };
    private static readonly int[] NamedPortNumbers = { 53, 80, 8080, 30080 };

    private static readonly (string Key, string[] Values)[] LabelVocabulary =
    {
        ("role", new[] { "web", "db", "edge" }),
        ("zone", new[] { "a", "b" }),
        ("host-endpoint", new[] { "ingress", "internal" }),
    };

    /// <summary>Every endpoint also carries <c>ep: NAME</c>, so that a selector can name an exact set of endpoints.</summary>
    public const string EndpointLabel = "ep";

    private static readonly string[] FixedSelectors =
    {
        "has(role)", "has(zone)", "!has(zone)", "has(host-endpoint)", "role == \"web\"", "role != \"db\"",
        "role in {\"web\", \"edge\"}", "role not in {\"web\"}", "zone == \"a\" && has(role)", "zone == \"b\" || role == \"db\"",
        "role starts with \"e\"", "has(projectcalico.org/namespace)", "has(nothing)", "all()",
    };

    public const string DefaultAllowProfile = "projectcalico-default-allow";
    public const string GeneratedProfile = "prof-x";

    private static readonly string[] TierPool = { "default", "kube-admin", "tier-a", "tier-b" };
    private static readonly double?[] TierOrders = { null, 1, 100, 1000, 1_000_000, 2_000_000 };
    private static readonly double?[] PolicyOrders = { null, 1, 5, 10, 10, 20, 20, 100, 10.5 };

    // ---- small combinators --------------------------------------------------------------------------------

    public static Gen<T> Const<T>(T value) => Gen.Constant(value);

    private static Gen<bool> Chance(int percent) =>
        percent <= 0 ? Const(false) : percent >= 100 ? Const(true) : Gen.Frequency((percent, Const(true)), (100 - percent, Const(false)));

    private static Gen<T?> Maybe<T>(int percent, Gen<T> gen) where T : class =>
        Chance(percent).SelectMany(yes => yes ? gen.Select(v => (T?)v) : Const<T?>(null));

    private static Gen<List<T>> Between<T>(Gen<T> gen, int min, int max) =>
        Gen.Choose(min, max).SelectMany(n => Gen.ListOf(gen, n));

    /// <summary>Between min and max distinct elements, in random order.</summary>
    private static Gen<List<T>> Distinct<T>(IReadOnlyList<T> items, int min, int max) =>
        Gen.Shuffle(items.ToArray()).SelectMany(shuffled => Gen.Choose(min, Math.Min(max, shuffled.Length)).Select(n => shuffled.Take(n).ToList()));

    private static Gen<List<string>> Maybes(int percent, Gen<List<string>> gen) =>
        Chance(percent).SelectMany(yes => yes ? gen : Const(new List<string>()));

    // ---- endpoints ----------------------------------------------------------------------------------------

    private static Gen<Dictionary<string, string>> Labels(string name) =>
        Distinct(LabelVocabulary, 0, LabelVocabulary.Length).SelectMany(keys =>
            Gen.CollectToList(keys, k => Gen.Elements(k.Values).Select(v => (k.Key, Value: v))))
        .Select(pairs =>
        {
            var labels = pairs.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
            labels[EndpointLabel] = name;
            return labels;
        });

    private static Gen<List<PortModel>> NamedPorts() =>
        Distinct(PortNames, 0, 2).SelectMany(names => Gen.CollectToList(names, name =>
            from protocol in Gen.Elements("TCP", "UDP")
            from port in Gen.Elements(NamedPortNumbers)
            select new PortModel(name, protocol, port)));

    private static Gen<List<string>> EndpointProfiles(bool profileDefined) =>
        Gen.Frequency(
            (50, Const(new List<string>())),
            (25, Const(new List<string> { DefaultAllowProfile })),
            (15, Const(profileDefined ? new List<string> { GeneratedProfile } : new List<string>())),
            (10, Const(profileDefined ? new List<string> { GeneratedProfile, DefaultAllowProfile } : new List<string> { DefaultAllowProfile })));

    private static Gen<HepModel> Hep(string name, bool profileDefined) =>
        from iface in Gen.Elements("eth0", "eth1", "eth2", "*", "", "")
        from v4 in Distinct(HepV4, 0, 2)
        from v6 in Distinct(HepV6, 0, 1)
        from fallback in Gen.Elements(HepV4)
        from labels in Labels(name)
        from ports in NamedPorts()
        from profiles in EndpointProfiles(profileDefined)
        let ips = v4.Concat(v6).ToList()
        // Calico needs an interfaceName or expectedIPs.
        let expected = iface.Length == 0 && ips.Count == 0 ? new List<string> { fallback } : ips
        select new HepModel(name, iface, expected, labels, ports, profiles);

    private static Gen<WepModel> Wep(string name, string iface, bool profileDefined) =>
        from ns in Gen.Elements("ns1", "ns2")
        from networks in Distinct(WepNetworks, 1, 2)
        from labels in Labels(name)
        from ports in NamedPorts()
        from profiles in EndpointProfiles(profileDefined)
        select new WepModel(name, ns, iface, networks, labels, ports, profiles);

    // ---- rules --------------------------------------------------------------------------------------------

    /// <summary>The selector vocabulary plus one <c>ep == "NAME"</c> per endpoint of the scenario.</summary>
    public static string[] Selectors(IEnumerable<string> endpointNames) =>
        FixedSelectors.Concat(endpointNames.Select(n => $"{EndpointLabel} == \"{n}\"")).ToArray();

    private static Gen<IcmpModel> Icmp(bool v6) =>
        from type in v6 ? Gen.Elements(128, 129, 1, 135) : Gen.Elements(0, 8, 3, 11)
        from code in Gen.Frequency((60, Const<int?>(null)), (25, Const<int?>(0)), (15, Const<int?>(1)))
        select new IcmpModel(type, code);

    private static Gen<string?> Protocol(int family) =>
        Gen.Frequency(
            (30, Const<string?>(null)),
            (28, Const<string?>("TCP")),
            (14, Const<string?>("UDP")),
            (3, Const<string?>("SCTP")),
            (3, Const<string?>("6")),
            (3, Const<string?>("47")),
            (2, Const<string?>("UDPLite")),
            (family == 6 ? 0 : 10, Const<string?>("ICMP")),
            (family == 4 ? 0 : 8, Const<string?>("ICMPv6")));

    private static bool HasPortProtocol(string? protocol) => protocol is "TCP" or "UDP" or "SCTP" or "6" or "17";

    private static Gen<List<string>> PortItems(string? protocol)
    {
        if (HasPortProtocol(protocol))
        {
            var item = Gen.Frequency((75, Gen.Elements(RulePorts)), (25, Gen.Elements(PortNames)));
            return Between(item, 1, 3);
        }
        // Without a protocol only named ports are allowed (they carry their own); other protocols take no ports.
        return protocol is null ? Between(Gen.Elements(PortNames), 1, 2) : Const(new List<string>());
    }

    private static Gen<EntityModel> Entity(int family, string? protocol, string[] selectors)
    {
        var nets = family == 4 ? NetsV4 : NetsV6;
        var notNets = nets.Where(n => !n.EndsWith("/0", StringComparison.Ordinal)).ToArray();
        var portChance = HasPortProtocol(protocol) ? 35 : protocol is null ? 8 : 0;
        return
            from netList in family == 0 ? Const(new List<string>()) : Maybes(40, Distinct(nets, 1, 2))
            from notNetList in family == 0 ? Const(new List<string>()) : Maybes(20, Distinct(notNets, 1, 2))
            from selector in Maybe(25, Gen.Elements(selectors))
            from notSelector in Maybe(12, Gen.Elements(selectors))
            from ports in Maybes(portChance, PortItems(protocol))
            from notPorts in Maybes(portChance / 2, PortItems(protocol))
            select new EntityModel(netList, notNetList, selector, notSelector, ports, notPorts);
    }

    public static Gen<RuleModel> Rule(string[] selectors) =>
        from action in Gen.Frequency((30, Const("Allow")), (30, Const("Deny")), (15, Const("Log")), (15, Const("Pass")))
        from family in Gen.Frequency((50, Const(0)), (30, Const(4)), (20, Const(6)))
        from writeVersion in Chance(family == 0 ? 0 : 40)
        from protocol in Protocol(family)
        let v6 = protocol == "ICMPv6"
        let icmpProtocol = protocol is "ICMP" or "ICMPv6"
        // notProtocol never names an ICMP: with ipVersion set to the other family that is a validation error.
        from notProtocol in Maybe(12, Gen.Elements("TCP", "UDP", "47"))
        from icmp in icmpProtocol ? Maybe(50, Icmp(v6)) : Const<IcmpModel?>(null)
        from notIcmp in icmpProtocol ? Maybe(20, Icmp(v6)) : Const<IcmpModel?>(null)
        from source in Entity(family, protocol, selectors)
        from destination in Entity(family, protocol, selectors)
        // ipVersion must agree with an ICMP protocol.
        let version = writeVersion && !(protocol == "ICMP" && family != 4) && !(protocol == "ICMPv6" && family != 6) ? (int?)family : null
        select new RuleModel(action, version, protocol, notProtocol == protocol ? null : notProtocol, icmp, notIcmp, source, destination);

    // ---- policies, tiers, profiles ------------------------------------------------------------------------

    private static Gen<(bool PreDnat, bool DoNotTrack, bool ApplyOnForward)> PolicyKind() =>
        Gen.Frequency(
            (25, Const((true, false, true))),
            (10, Const((false, true, true))),
            (20, Const((false, false, true))),
            (45, Const((false, false, false))));

    public static Gen<PolicyModel> Policy(string name, IReadOnlyList<string> tiers, string[] selectors) =>
        from tier in Gen.Elements(tiers.ToArray())
        from explicitDefault in Chance(30)
        from order in Gen.Elements(PolicyOrders)
        from selector in Gen.Frequency((85, Gen.Elements(selectors)), (15, Const(string.Empty)))
        from kind in PolicyKind()
        from ingress in Between(Rule(selectors), 0, 4)
        from egress in kind.PreDnat ? Const(new List<RuleModel>()) : Between(Rule(selectors), 0, 4)
        from types in kind.PreDnat
            ? Gen.Frequency((60, Const<IReadOnlyList<string>?>(null)), (40, Const<IReadOnlyList<string>?>(new[] { "Ingress" })))
            : Gen.Frequency(
                (55, Const<IReadOnlyList<string>?>(null)),
                (15, Const<IReadOnlyList<string>?>(new[] { "Ingress" })),
                (15, Const<IReadOnlyList<string>?>(new[] { "Egress" })),
                (15, Const<IReadOnlyList<string>?>(new[] { "Ingress", "Egress" })))
        select new PolicyModel(name, tier == "default" && !explicitDefault ? null : tier, order, selector,
            kind.PreDnat, kind.DoNotTrack, kind.ApplyOnForward, types, ingress, egress);

    private static Gen<TierModel> Tier(string name) =>
        from order in Gen.Elements(TierOrders)
        from action in Gen.Elements<string?>(null, "Deny", "Pass")
        select new TierModel(name, order, action);

    private static Gen<ProfileModel> Profile(string[] selectors) =>
        from labels in Gen.Elements(
            new Dictionary<string, string>(),
            new Dictionary<string, string> { ["zone"] = "b" },
            new Dictionary<string, string> { ["role"] = "edge" })
        from ingress in Between(Rule(selectors), 0, 2)
        from egress in Between(Rule(selectors), 0, 2)
        select new ProfileModel(GeneratedProfile, labels, ingress, egress);

    private static readonly string[] NetworkSetNets = { "10.0.2.0/24", "192.0.2.0/24", "10.0.0.0/30", "0.0.0.0/0", "fd00:2::/48", "::/0", "2001:db8::/32" };

    private static Gen<NetworkSetModel> NetworkSet(string name) =>
        from labels in Labels(name)
        from nets in Distinct(NetworkSetNets, 1, 3)
        select new NetworkSetModel(name, labels, nets);

    // ---- whole sets ---------------------------------------------------------------------------------------

    public static readonly string[] HepNames = { "hep-a", "hep-b", "hep-c" };
    public static readonly string[] WepNames = { "wep-a", "wep-b" };

    public static Gen<PolicySetModel> PolicySet() =>
        from hepCount in Gen.Choose(1, 3)
        from wepCount in Gen.Choose(0, 2)
        from profileDefined in Chance(30)
        let endpointNames = HepNames.Take(hepCount).Concat(WepNames.Take(wepCount)).ToArray()
        let selectors = Selectors(endpointNames)
        from heps in Gen.CollectToList(HepNames.Take(hepCount), n => Hep(n, profileDefined))
        from weps in Gen.CollectToList(Enumerable.Range(0, wepCount), i => Wep(WepNames[i], "cali" + i, profileDefined))
        from tierNames in Distinct(TierPool, 1, 3)
        from tiers in Gen.CollectToList(tierNames.Where(IsCustomTier), Tier)
        from profiles in profileDefined ? Profile(selectors).Select(p => new List<ProfileModel> { p }) : Const(new List<ProfileModel>())
        from policyCount in Gen.Choose(1, 6)
        from policies in Gen.CollectToList(Enumerable.Range(0, policyCount), i => Policy("p" + i, tierNames, selectors))
        from networkSets in Chance(30).SelectMany(yes => yes ? NetworkSet("gns-a").Select(n => new List<NetworkSetModel> { n }) : Const(new List<NetworkSetModel>()))
        select new PolicySetModel(heps, weps, tiers, profiles, policies, networkSets);

    /// <summary>Tiers the generator must define; the built-in ones exist without a resource.</summary>
    public static bool IsCustomTier(string name) => name is not ("default" or "kube-admin" or "kube-baseline");

    // ---- packets ------------------------------------------------------------------------------------------

    private static Gen<IpAddress> Address(bool v6) =>
        Gen.Frequency(
            (85, Gen.Elements(v6 ? PacketV6 : PacketV4).Select(IpAddress.Parse)),
            (15, v6
                ? Gen.Choose(0, 0xFFFF).Select(x => IpAddress.V6(0xfd00_0000_0000_0000UL, (ulong)x))
                : Gen.Choose(0, 0x1_FFFF).Select(x => IpAddress.V4(0x0A00_0000u | (uint)x))));

    private static Gen<ushort> Port() =>
        Gen.Frequency((85, Gen.Elements(PacketPorts)), (15, Gen.Choose(1, 65535).Select(p => (ushort)p)));

    public static Gen<PacketTuple> Packet() =>
        from v6 in Chance(30)
        from source in Address(v6)
        from destination in Address(v6)
        from protocol in Gen.Frequency(
            (40, Const(IpProtocol.Tcp)), (25, Const(IpProtocol.Udp)), (15, Const(v6 ? IpProtocol.IcmpV6 : IpProtocol.Icmp)),
            (4, Const(IpProtocol.Sctp)), (3, Const(IpProtocol.UdpLite)), (5, Const((byte)47)), (3, Const(v6 ? IpProtocol.Icmp : IpProtocol.IcmpV6)))
        from sourcePort in Port()
        from destinationPort in Port()
        from icmpType in Gen.Elements<byte>(0, 1, 3, 8, 11, 128, 129, 135)
        from icmpCode in Gen.Elements<byte>(0, 0, 1)
        let ports = protocol is IpProtocol.Tcp or IpProtocol.Udp or IpProtocol.Sctp or IpProtocol.UdpLite
        let icmp = protocol is IpProtocol.Icmp or IpProtocol.IcmpV6
        select new PacketTuple(source, destination, protocol,
            ports ? sourcePort : (ushort)0, ports ? destinationPort : (ushort)0,
            icmp ? icmpType : (byte)0, icmp ? icmpCode : (byte)0);

    public const int PacketsPerScenario = 40;

    public static Gen<Scenario> Scenario() =>
        from model in PolicySet()
        from packets in Gen.ArrayOf(Packet(), PacketsPerScenario)
        from choice in Gen.Choose(0, 1_000_000)
        select new Scenario(model, packets, choice);

    /// <summary>No shrinking by FsCheck: a failure message carries the whole scenario as YAML, and the seed replays it.</summary>
    public static Arbitrary<Scenario> Scenarios() => Arb.From(Scenario());
}
