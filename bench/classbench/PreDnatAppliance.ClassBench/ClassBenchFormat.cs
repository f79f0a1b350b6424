using System.Globalization;
using PreDnatAppliance.ClassifierTables;

namespace PreDnatAppliance.ClassBench;

/// <summary>
/// Reads ClassBench filter sets and header traces the way dpdk-test-acl does:
/// the first nine tokens of a rule, the first five of a trace line (plus the
/// sixth and seventh when present), TCP flags ignored. Rule n gets RuleId n.
/// </summary>
public static class ClassBenchFormat
{
    public static List<ClassifierRule> ReadRules(string path)
    {
        var rules = new List<ClassifierRule>();
        foreach (var raw in File.ReadLines(path))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] == '#') continue;
            if (line[0] != '@') throw new FormatException($"{path}: rule line does not start with '@': {line}");
            var t = line.Substring(1).Split(new[] { ' ', '\t' }, StringSplitOptions.RemoveEmptyEntries);
            if (t.Length < 9 || t[3] != ":" || t[6] != ":") throw new FormatException($"{path}: bad rule line: {line}");
            rules.Add(new ClassifierRule(
                Prefix(t[0]),
                Prefix(t[1]),
                Protocol(t[8]),
                Ports(t[2], t[4]),
                Ports(t[5], t[7]),
                ruleId: (uint)rules.Count,
                verdict: 0));
        }
        return rules;
    }

    public static Trace ReadTrace(string path)
    {
        var src = new List<uint>();
        var dst = new List<uint>();
        var proto = new List<byte>();
        var sport = new List<ushort>();
        var dport = new List<ushort>();
        var ids = new List<int>();
        foreach (var raw in File.ReadLines(path))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] == '#') continue;
            var t = line.Split(new[] { ' ', '\t' }, StringSplitOptions.RemoveEmptyEntries);
            src.Add(uint.Parse(t[0], CultureInfo.InvariantCulture));
            dst.Add(uint.Parse(t[1], CultureInfo.InvariantCulture));
            sport.Add(ushort.Parse(t[2], CultureInfo.InvariantCulture));
            dport.Add(ushort.Parse(t[3], CultureInfo.InvariantCulture));
            proto.Add(byte.Parse(t[4], CultureInfo.InvariantCulture));
            ids.Add(t.Length >= 7 ? int.Parse(t[6], CultureInfo.InvariantCulture) : -1);
        }
        return new Trace(src.ToArray(), dst.ToArray(), proto.ToArray(), sport.ToArray(), dport.ToArray(), ids.ToArray());
    }

    private static FieldMatch Prefix(string text)
    {
        int slash = text.IndexOf('/');
        var parts = text.Substring(0, slash).Split('.');
        uint address = 0;
        foreach (var p in parts) address = (address << 8) | byte.Parse(p, CultureInfo.InvariantCulture);
        int length = int.Parse(text.Substring(slash + 1), CultureInfo.InvariantCulture);
        var range = ValueRange.Prefix(address, length);
        return FieldMatch.Range(range.Low, range.High);
    }

    private static FieldMatch Ports(string low, string high)
    {
        uint lo = uint.Parse(low, CultureInfo.InvariantCulture);
        uint hi = uint.Parse(high, CultureInfo.InvariantCulture);
        return lo > hi ? FieldMatch.None : FieldMatch.Range(lo, Math.Min(hi, ushort.MaxValue));
    }

    /// <summary>value/mask in hex: the protocols p with (p &amp; mask) == (value &amp; mask).</summary>
    private static FieldMatch Protocol(string text)
    {
        int slash = text.IndexOf('/');
        uint value = ParseNumber(text.Substring(0, slash));
        uint mask = ParseNumber(text.Substring(slash + 1));
        var ranges = new List<ValueRange>();
        for (uint p = 0; p <= byte.MaxValue; p++)
        {
            if ((p & mask) == (value & mask)) ranges.Add(new ValueRange(p, p));
        }
        return FieldMatch.Of(ranges);
    }

    private static uint ParseNumber(string s) =>
        s.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            ? uint.Parse(s.Substring(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture)
            : uint.Parse(s, CultureInfo.InvariantCulture);
}

/// <summary>A header trace in structure-of-arrays form; Ids is the file's last column (-1 when absent).</summary>
public sealed record Trace(uint[] Source, uint[] Destination, byte[] Protocol, ushort[] SourcePort, ushort[] DestinationPort, int[] Ids)
{
    public int Count => Source.Length;
}
