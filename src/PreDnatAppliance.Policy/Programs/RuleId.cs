namespace PreDnatAppliance.Policy.Programs;

/// <summary>
/// A compiled rule's identity: a 48-bit hash of what the rule is (owner, direction, position), never of
/// where it lands in a program, so that counters, logs and explain keep naming the same rule when
/// unrelated policies are added or reordered. 48 bits keep a collision among 100,000 rules at about 2e-5;
/// the compiler reports one as an error rather than renumber anything.
/// </summary>
public readonly struct RuleId : IEquatable<RuleId>, IComparable<RuleId>
{
    public const int HexDigits = 12;
    private const ulong Mask = (1UL << 48) - 1;

    public RuleId(ulong value) => Value = value & Mask;

    public ulong Value { get; }

    /// <summary>FNV-1a (64-bit) over the UTF-16 code units of the identity key, folded to 48 bits.</summary>
    public static RuleId FromKey(string key)
    {
        unchecked
        {
            ulong hash = 14695981039346656037UL;
            foreach (var c in key)
            {
                hash = (hash ^ (byte)c) * 1099511628211UL;
                hash = (hash ^ (byte)(c >> 8)) * 1099511628211UL;
            }
            var folded = (hash ^ (hash >> 48)) & Mask;
            return new RuleId(folded == 0 ? 1UL : folded);
        }
    }

    public static bool TryParse(string text, out RuleId id)
    {
        id = default;
        if (text.Length != HexDigits + 1 || text[0] != 'r')
            return false;
        if (!ulong.TryParse(text.Substring(1), System.Globalization.NumberStyles.AllowHexSpecifier, System.Globalization.CultureInfo.InvariantCulture, out var value))
            return false;
        id = new RuleId(value);
        return true;
    }

    public override string ToString() => "r" + Value.ToString("x12", System.Globalization.CultureInfo.InvariantCulture);

    public bool Equals(RuleId other) => Value == other.Value;
    public override bool Equals(object? obj) => obj is RuleId other && Equals(other);
    public override int GetHashCode() => Value.GetHashCode();
    public int CompareTo(RuleId other) => Value.CompareTo(other.Value);
    public static bool operator ==(RuleId a, RuleId b) => a.Value == b.Value;
    public static bool operator !=(RuleId a, RuleId b) => a.Value != b.Value;
}
