namespace PreDnatAppliance.ClassifierTables;

/// <summary>
/// What one field of a rule accepts: a union of inclusive ranges, kept sorted,
/// disjoint and non-adjacent so every value is covered at most once. Calico's
/// CIDR lists, port lists and negations all land here; an empty union means the
/// rule can never match.
/// </summary>
public sealed class FieldMatch
{
    private readonly ValueRange[] _ranges;

    private FieldMatch(ValueRange[] normalized) => _ranges = normalized;

    public static FieldMatch None { get; } = new(Array.Empty<ValueRange>());

    public IReadOnlyList<ValueRange> Ranges => _ranges;

    public bool IsEmpty => _ranges.Length == 0;

    public static FieldMatch Any(FieldKind kind) => new(new[] { new ValueRange(0, FieldKinds.MaxValue(kind)) });

    public static FieldMatch Single(uint value) => new(new[] { new ValueRange(value, value) });

    public static FieldMatch Range(uint low, uint high) => new(new[] { new ValueRange(low, high) });

    public static FieldMatch Of(IEnumerable<ValueRange> ranges)
    {
        var sorted = ranges.OrderBy(r => r.Low).ThenBy(r => r.High).ToList();
        var merged = new List<ValueRange>(sorted.Count);
        foreach (var r in sorted)
        {
            if (merged.Count > 0)
            {
                var last = merged[merged.Count - 1];
                // Merge overlapping and touching ranges (last.High + 1 == r.Low), minding overflow.
                if (last.High == uint.MaxValue || r.Low <= last.High + 1)
                {
                    if (r.High > last.High) merged[merged.Count - 1] = new ValueRange(last.Low, r.High);
                    continue;
                }
            }
            merged.Add(r);
        }
        return new FieldMatch(merged.ToArray());
    }

    /// <summary>Every value of the field that this match does not accept (a negated match).</summary>
    public FieldMatch Complement(FieldKind kind)
    {
        uint max = FieldKinds.MaxValue(kind);
        var result = new List<ValueRange>(_ranges.Length + 1);
        ulong next = 0;
        foreach (var r in _ranges)
        {
            if (r.Low > max) break;
            if (r.Low > next) result.Add(new ValueRange((uint)next, r.Low - 1));
            next = (ulong)r.High + 1;
        }
        if (next <= max) result.Add(new ValueRange((uint)next, max));
        return new FieldMatch(result.ToArray());
    }

    /// <summary>The part of this match that is also in <paramref name="other"/>.</summary>
    public FieldMatch Intersect(FieldMatch other)
    {
        var result = new List<ValueRange>();
        int i = 0, j = 0;
        while (i < _ranges.Length && j < other._ranges.Length)
        {
            var a = _ranges[i];
            var b = other._ranges[j];
            uint lo = Math.Max(a.Low, b.Low), hi = Math.Min(a.High, b.High);
            if (lo <= hi) result.Add(new ValueRange(lo, hi));
            if (a.High < b.High) i++; else j++;
        }
        return new FieldMatch(result.ToArray());
    }

    public bool Contains(uint value)
    {
        int lo = 0, hi = _ranges.Length - 1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >> 1;
            var r = _ranges[mid];
            if (value < r.Low) hi = mid - 1;
            else if (value > r.High) lo = mid + 1;
            else return true;
        }
        return false;
    }

    public override string ToString() => _ranges.Length == 0 ? "{}" : string.Join(",", _ranges);
}
