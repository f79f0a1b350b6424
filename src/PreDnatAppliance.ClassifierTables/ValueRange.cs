namespace PreDnatAppliance.ClassifierTables;

/// <summary>An inclusive range of field values.</summary>
public readonly struct ValueRange : IEquatable<ValueRange>
{
    public ValueRange(uint low, uint high)
    {
        if (low > high) throw new ArgumentException($"empty range {low}..{high}");
        Low = low;
        High = high;
    }

    public uint Low { get; }
    public uint High { get; }

    public bool Contains(uint value) => value >= Low && value <= High;

    /// <summary>The addresses of an IPv4 prefix; length 0 is every address.</summary>
    public static ValueRange Prefix(uint address, int length)
    {
        if (length < 0 || length > 32) throw new ArgumentOutOfRangeException(nameof(length));
        uint mask = length == 0 ? 0u : uint.MaxValue << (32 - length);
        uint low = address & mask;
        return new ValueRange(low, low | ~mask);
    }

    public bool Equals(ValueRange other) => Low == other.Low && High == other.High;
    public override bool Equals(object? obj) => obj is ValueRange r && Equals(r);
    public override int GetHashCode() => unchecked((int)(Low * 2654435761u) ^ (int)High);
    public override string ToString() => Low == High ? Low.ToString() : $"{Low}-{High}";
}
