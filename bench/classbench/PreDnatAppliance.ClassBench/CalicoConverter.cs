using System.Globalization;
using System.Text;

namespace PreDnatAppliance.ClassBench;

/// <summary>One ClassBench rule as written: prefixes, port ranges, protocol value/mask (flags are ignored, as DPDK does).</summary>
public readonly record struct ClassBenchRule(
    uint Source, int SourceLength, uint Destination, int DestinationLength,
    ushort SourcePortLow, ushort SourcePortHigh, ushort DestinationPortLow, ushort DestinationPortHigh,
    byte Protocol, byte ProtocolMask);

/// <summary>
/// Turns a ClassBench filter set into a Calico policy directory whose pre-DNAT program is the same first-match list:
/// one HostEndpoint (<see cref="EndpointName"/>, node <c>bench</c>, interface eth0) and one pre-DNAT
/// GlobalNetworkPolicy per <see cref="RulesPerPolicy"/> rules (<c>classbench-0000</c>, ... with ascending
/// <c>order</c>), rules in file order. Rule n is therefore rule n % 1000 of policy n / 1000.
/// </summary>
/// <remarks>
/// Each rule: Allow for even n, Deny for odd n (first match does not depend on it, and the tests then see both
/// verdicts); <c>protocol</c> as a number, omitted for a wildcard; <c>nets</c> omitted for /0; <c>ports</c> as
/// <c>lo:hi</c> or one port, omitted for 0:65535. ClassBench only restricts ports on TCP and UDP rules and only
/// uses exact or wildcard protocols, so the Calico rules match exactly the same packets (README of the data set).
/// </remarks>
public static class CalicoConverter
{
    public const int RulesPerPolicy = 1000;
    public const string EndpointName = "bench-eth0";
    public const string PolicyPrefix = "classbench-";

    /// <summary>The pre-DNAT program of <see cref="EndpointName"/>: the key the generated classifier is found by.</summary>
    public const string ProgramKey = "hep/" + EndpointName + "/prednat/ingress";

    public static List<ClassBenchRule> ReadRules(string path)
    {
        var rules = new List<ClassBenchRule>();
        foreach (var raw in File.ReadLines(path))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] == '#') continue;
            var t = line.Substring(1).Split(new[] { ' ', '\t' }, StringSplitOptions.RemoveEmptyEntries);
            if (line[0] != '@' || t.Length < 9 || t[3] != ":" || t[6] != ":") throw new FormatException($"{path}: bad rule line: {line}");
            var (src, srcLen) = Prefix(t[0]);
            var (dst, dstLen) = Prefix(t[1]);
            var slash = t[8].IndexOf('/');
            rules.Add(new ClassBenchRule(src, srcLen, dst, dstLen,
                ushort.Parse(t[2], CultureInfo.InvariantCulture), ushort.Parse(t[4], CultureInfo.InvariantCulture),
                ushort.Parse(t[5], CultureInfo.InvariantCulture), ushort.Parse(t[7], CultureInfo.InvariantCulture),
                Hex(t[8].Substring(0, slash)), Hex(t[8].Substring(slash + 1))));
        }
        return rules;
    }

    /// <summary>The policy directory as (file name, YAML text), in file-name order.</summary>
    public static IReadOnlyList<(string Name, string Text)> Convert(IReadOnlyList<ClassBenchRule> rules)
    {
        var files = new List<(string, string)> { ("endpoints.yaml", Endpoint()) };
        for (int p = 0; p * RulesPerPolicy < rules.Count; p++)
        {
            var yaml = new StringBuilder();
            var name = PolicyName(p);
            yaml.Append("apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata:\n  name: ").Append(name).Append('\n');
            yaml.Append("spec:\n  order: ").Append(p.ToString(CultureInfo.InvariantCulture)).Append('\n');
            yaml.Append("  selector: \"bench == 'classbench'\"\n  preDNAT: true\n  applyOnForward: true\n  types: [Ingress]\n  ingress:\n");
            for (int n = p * RulesPerPolicy; n < Math.Min(rules.Count, (p + 1) * RulesPerPolicy); n++)
                Rule(yaml, rules[n], n);
            files.Add((name + ".yaml", yaml.ToString()));
        }
        return files;
    }

    public static string PolicyName(int policy) => PolicyPrefix + policy.ToString("D4", CultureInfo.InvariantCulture);

    /// <summary>Writes the directory (creating it; existing policy files of an earlier conversion are replaced).</summary>
    public static void Write(IReadOnlyList<ClassBenchRule> rules, string directory)
    {
        Directory.CreateDirectory(directory);
        foreach (var old in Directory.EnumerateFiles(directory, PolicyPrefix + "*.yaml"))
            File.Delete(old);
        foreach (var (name, text) in Convert(rules))
            File.WriteAllText(Path.Combine(directory, name), text);
    }

    private static string Endpoint() =>
        "apiVersion: projectcalico.org/v3\nkind: HostEndpoint\nmetadata:\n  name: " + EndpointName + "\n  labels:\n    bench: classbench\n" +
        "spec:\n  node: bench\n  interfaceName: eth0\n  expectedIPs: [\"192.0.2.1\"]\n";

    private static void Rule(StringBuilder yaml, ClassBenchRule rule, int n)
    {
        yaml.Append("    - action: ").Append(n % 2 == 0 ? "Allow" : "Deny").Append('\n');
        if (rule.ProtocolMask == 0xFF)
            yaml.Append("      protocol: ").Append(rule.Protocol.ToString(CultureInfo.InvariantCulture)).Append('\n');
        else if (rule.ProtocolMask != 0)
            throw new NotSupportedException($"rule {n}: protocol mask 0x{rule.ProtocolMask:x2} (only exact or wildcard protocols map to Calico)");
        Side(yaml, "source", rule.Source, rule.SourceLength, rule.SourcePortLow, rule.SourcePortHigh, rule, n);
        Side(yaml, "destination", rule.Destination, rule.DestinationLength, rule.DestinationPortLow, rule.DestinationPortHigh, rule, n);
    }

    private static void Side(StringBuilder yaml, string side, uint address, int length, ushort low, ushort high, ClassBenchRule rule, int n)
    {
        var hasNet = length > 0;
        var hasPorts = !(low == 0 && high == ushort.MaxValue);
        if (!hasNet && !hasPorts) return;
        if (hasPorts && !(rule.ProtocolMask == 0xFF && rule.Protocol is 6 or 17))
            throw new NotSupportedException($"rule {n}: {side} ports on a rule that is not TCP or UDP (Calico would refuse it)");
        yaml.Append("      ").Append(side).Append(":\n");
        if (hasNet)
            yaml.Append("        nets: [\"").Append(Dotted(address)).Append('/').Append(length.ToString(CultureInfo.InvariantCulture)).Append("\"]\n");
        if (hasPorts)
        {
            yaml.Append("        ports: [");
            if (low == high) yaml.Append(low.ToString(CultureInfo.InvariantCulture));
            else yaml.Append('"').Append(low.ToString(CultureInfo.InvariantCulture)).Append(':').Append(high.ToString(CultureInfo.InvariantCulture)).Append('"');
            yaml.Append("]\n");
        }
    }

    private static (uint Address, int Length) Prefix(string text)
    {
        var slash = text.IndexOf('/');
        uint address = 0;
        foreach (var part in text.Substring(0, slash).Split('.')) address = (address << 8) | byte.Parse(part, CultureInfo.InvariantCulture);
        return (address, int.Parse(text.Substring(slash + 1), CultureInfo.InvariantCulture));
    }

    private static string Dotted(uint a) => string.Create(CultureInfo.InvariantCulture, $"{a >> 24}.{(a >> 16) & 255}.{(a >> 8) & 255}.{a & 255}");

    private static byte Hex(string text) =>
        byte.Parse(text.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? text.Substring(2) : text, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
}
