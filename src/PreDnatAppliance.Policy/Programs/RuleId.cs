namespace PreDnatAppliance.Policy.Programs;

/// <summary>
/// A compiled rule's identity: a 32-bit hash of what the rule is (owner, direction, position), never of
/// where it lands in a program, so that counters, logs and explain keep naming the same rule when
/// unrelated policies are added or reordered.
/// </summary>
public readonly struct RuleId : IEquatable<RuleId>, IComparable<RuleId>
{
    public RuleId(uint value) => Value = value;

    public uint Value { get; }

    /// <summary>FNV-1a over the UTF-16 code units of the identity key, salted to resolve collisions.</summary>
    public static RuleId FromKey(string key, uint salt = 0)
    {
        unchecked
        {
            uint hash = 2166136261u ^ salt;
            foreach (var c in key)
            {
                hash = (hash ^ (byte)c) * 16777619u;
                hash = (hash ^ (byte)(c >> 8)) * 16777619u;
            }
            return new RuleId(hash == 0 ? 1u : hash);
        }
    }

    public static bool TryParse(string text, out RuleId id)
    {
        id = default;
        if (text.Length != 9 || text[0] != 'r')
            return false;
        if (!uint.TryParse(text.Substring(1), System.Globalization.NumberStyles.AllowHexSpecifier, System.Globalization.CultureInfo.InvariantCulture, out var value))
            return false;
        id = new RuleId(value);
        return true;
    }

    public override string ToString() => "r" + Value.ToString("x8", System.Globalization.CultureInfo.InvariantCulture);

    public bool Equals(RuleId other) => Value == other.Value;
    public override bool Equals(object? obj) => obj is RuleId other && Equals(other);
    public override int GetHashCode() => (int)Value;
    public int CompareTo(RuleId other) => Value.CompareTo(other.Value);
    public static bool operator ==(RuleId a, RuleId b) => a.Value == b.Value;
    public static bool operator !=(RuleId a, RuleId b) => a.Value != b.Value;
}
