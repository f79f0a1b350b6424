namespace PreDnatAppliance.ClassifierTables;

/// <summary>
/// The packet fields a rule can constrain, in the order the table stores them.
/// IPv6 addresses will be further kinds with 128-bit keys (a second key width in
/// <see cref="TableFormat"/>); the decomposition works on any totally ordered key.
/// </summary>
public enum FieldKind : byte
{
    SourceIPv4 = 0,
    DestinationIPv4 = 1,
    Protocol = 2,
    SourcePort = 3,
    DestinationPort = 4,
}

public static class FieldKinds
{
    public const int Count = 5;

    /// <summary>The largest value a field can hold; ranges are clipped to it.</summary>
    public static uint MaxValue(FieldKind kind) => kind switch
    {
        FieldKind.SourceIPv4 or FieldKind.DestinationIPv4 => uint.MaxValue,
        FieldKind.Protocol => byte.MaxValue,
        FieldKind.SourcePort or FieldKind.DestinationPort => ushort.MaxValue,
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };
}
