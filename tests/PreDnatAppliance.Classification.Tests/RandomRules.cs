using PreDnatAppliance.ClassifierTables;

namespace PreDnatAppliance.Classification.Tests;

/// <summary>
/// Random rule sets shaped like compiled Calico policy: prefixes, CIDR lists,
/// port lists, negations (complements, so unions with a hole), empty unions,
/// wildcards and ranges touching 0 and the field maximum. Values are drawn from
/// a small pool per field so that rules overlap and share boundaries.
/// </summary>
internal sealed class RandomRules
{
    private readonly Random _random;
    private readonly uint[][] _pools;

    /// <param name="compact">
    /// Few protocol and port values, as in real policies: the protocol x ports product and the
    /// pair product then fit, so large rule sets exercise the three- and two-vector layouts.
    /// </param>
    public RandomRules(int seed, bool compact = false)
    {
        _random = new Random(seed);
        _pools = new uint[FieldKinds.Count][];
        for (int f = 0; f < FieldKinds.Count; f++)
        {
            var kind = (FieldKind)f;
            uint max = FieldKinds.MaxValue(kind);
            var pool = new List<uint> { 0, 1, max, max - 1 };
            bool address = kind is FieldKind.SourceIPv4 or FieldKind.DestinationIPv4;
            int size = compact ? (address ? 6 : 3) : kind == FieldKind.Protocol ? 12 : 40;
            if (compact && !address) pool.RemoveRange(2, 2);
            for (int i = 0; i < size; i++) pool.Add(NextValue(max));
            _pools[f] = pool.ToArray();
        }
    }

    public List<ClassifierRule> Rules(int count)
    {
        var rules = new List<ClassifierRule>(count);
        for (int i = 0; i < count; i++)
        {
            rules.Add(new ClassifierRule(
                Match(FieldKind.SourceIPv4), Match(FieldKind.DestinationIPv4), Match(FieldKind.Protocol),
                Match(FieldKind.SourcePort), Match(FieldKind.DestinationPort),
                ruleId: (uint)_random.Next(), verdict: (byte)_random.Next(4)));
        }
        return rules;
    }

    private FieldMatch Match(FieldKind kind)
    {
        int shape = _random.Next(100);
        if (shape < 35) return FieldMatch.Any(kind);
        if (shape < 37) return FieldMatch.None;
        var ranges = new List<ValueRange>();
        int parts = 1 + (_random.Next(4) == 0 ? _random.Next(4) : 0);
        for (int i = 0; i < parts; i++) ranges.Add(Range(kind));
        var match = FieldMatch.Of(ranges);
        // Negation: "not these" becomes the union of the gaps around them.
        return shape < 50 ? match.Complement(kind) : match;
    }

    private ValueRange Range(FieldKind kind)
    {
        uint max = FieldKinds.MaxValue(kind);
        var pool = _pools[(int)kind];
        if (kind is FieldKind.SourceIPv4 or FieldKind.DestinationIPv4 && _random.Next(2) == 0)
        {
            int length = _random.Next(4) switch { 0 => 32, 1 => 24, 2 => 16, _ => _random.Next(33) };
            return ValueRange.Prefix(pool[_random.Next(pool.Length)], length);
        }
        if (_random.Next(3) == 0)
        {
            uint v = pool[_random.Next(pool.Length)];
            return new ValueRange(v, v);
        }
        uint a = pool[_random.Next(pool.Length)], b = pool[_random.Next(pool.Length)];
        return new ValueRange(Math.Min(a, b), Math.Max(a, b));
    }

    /// <summary>A packet whose fields sit on, next to, or between rule boundaries.</summary>
    public void Packet(IReadOnlyList<ClassifierRule> rules, Span<uint> fields)
    {
        var anchor = rules.Count > 0 ? rules[_random.Next(rules.Count)] : null;
        for (int f = 0; f < FieldKinds.Count; f++)
        {
            var kind = (FieldKind)f;
            uint max = FieldKinds.MaxValue(kind);
            var ranges = anchor?.Field(kind).Ranges;
            int pick = _random.Next(10);
            if (ranges != null && ranges.Count > 0 && pick < 6)
            {
                var r = ranges[_random.Next(ranges.Count)];
                fields[f] = _random.Next(6) switch
                {
                    0 => r.Low,
                    1 => r.High,
                    2 => r.Low == 0 ? 0 : r.Low - 1,
                    3 => r.High == max ? max : r.High + 1,
                    _ => (uint)(r.Low + (ulong)(_random.NextDouble() * ((ulong)r.High - r.Low + 1))),
                };
            }
            else if (pick < 8)
            {
                uint v = _pools[f][_random.Next(_pools[f].Length)];
                fields[f] = _random.Next(3) switch { 0 => v, 1 => v == 0 ? 0 : v - 1, _ => v == max ? max : v + 1 };
            }
            else
            {
                fields[f] = NextValue(max);
            }
        }
    }

    private uint NextValue(uint max) => (uint)(((ulong)(uint)_random.Next() << 1 ^ (ulong)(uint)_random.Next()) % ((ulong)max + 1));
}
