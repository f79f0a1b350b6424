namespace PreDnatAppliance.PolicyGenerator;

public sealed partial class PolicyGenerator
{
    /// <summary>
    /// File-local helpers written once at the end of PolicyClassifiers.g.cs: burst bounds, loads that widen byte and
    /// ushort fields to 32-bit lanes, verdict stores, and the set-table lookups. <c>%SKIPLOCALSINIT%</c> and
    /// <c>%GENERATEDCODE%</c> are filled in by the emitter.
    /// </summary>
    private const string Helpers = """
/// <summary>Burst bounds, lane loads and stores shared by the programs of this file.</summary>
%GENERATEDCODE%
file static class PolicyLanes
{
    /// <summary>
    /// How many packets to classify: the batch's count, bounded by its capacity and by the output spans, so that
    /// a bad count can never make a classifier read or write out of bounds (and never throws on the data path).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Count(HeaderBatch batch, int verdicts, int ruleIds) =>
        Math.Max(0, Math.Min(Math.Min(batch.Count, HeaderBatch.Capacity), Math.Min(verdicts, ruleIds)));

    /// <summary>Port matches apply to TCP, UDP, SCTP and UDPLite packets only.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool HasPorts(uint protocol) => protocol is 6u or 17u or 132u or 136u;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<uint> HasPorts(Vector512<uint> protocol) =>
        Vector512.Equals(protocol, Vector512.Create(6u)) | Vector512.Equals(protocol, Vector512.Create(17u))
        | Vector512.Equals(protocol, Vector512.Create(132u)) | Vector512.Equals(protocol, Vector512.Create(136u));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<uint> HasPorts(Vector256<uint> protocol) =>
        Vector256.Equals(protocol, Vector256.Create(6u)) | Vector256.Equals(protocol, Vector256.Create(17u))
        | Vector256.Equals(protocol, Vector256.Create(132u)) | Vector256.Equals(protocol, Vector256.Create(136u));

    /// <summary>16 bytes from <paramref name="i"/>, zero-extended to 16 lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<uint> Widen512(ref byte source, int i) =>
        Vector512.WidenLower(Vector256.WidenLower(Vector128.LoadUnsafe(ref source, (nuint)i).ToVector256Unsafe()).ToVector512Unsafe());

    /// <summary>16 ushorts from <paramref name="i"/>, zero-extended to 16 lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<uint> Widen512(ref ushort source, int i) =>
        Vector512.WidenLower(Vector256.LoadUnsafe(ref source, (nuint)i).ToVector512Unsafe());

    /// <summary>8 bytes from <paramref name="i"/>, zero-extended to 8 lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<uint> Widen256(ref byte source, int i) =>
        Vector256.WidenLower(Vector128.WidenLower(Vector128.CreateScalarUnsafe(Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref source, i))).AsByte()).ToVector256Unsafe());

    /// <summary>8 ushorts from <paramref name="i"/>, zero-extended to 8 lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<uint> Widen256(ref ushort source, int i) =>
        Vector256.WidenLower(Vector128.LoadUnsafe(ref source, (nuint)i).ToVector256Unsafe());

    /// <summary>Writes 16 RuleIds and 16 verdicts (narrowed to bytes) from <paramref name="i"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(ref byte verdicts, ref uint ruleIds, int i, Vector512<uint> verdict, Vector512<uint> rule)
    {
        rule.StoreUnsafe(ref ruleIds, (nuint)i);
        Vector512<ushort> narrow = Vector512.Narrow(verdict, verdict);
        Vector512.Narrow(narrow, narrow).GetLower().GetLower().StoreUnsafe(ref verdicts, (nuint)i);
    }

    /// <summary>Writes 8 RuleIds and 8 verdicts (narrowed to bytes) from <paramref name="i"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(ref byte verdicts, ref uint ruleIds, int i, Vector256<uint> verdict, Vector256<uint> rule)
    {
        rule.StoreUnsafe(ref ruleIds, (nuint)i);
        Vector256<ushort> narrow = Vector256.Narrow(verdict, verdict);
        Unsafe.WriteUnaligned(ref Unsafe.Add(ref verdicts, i), Vector256.Narrow(narrow, narrow).AsUInt64().ToScalar());
    }
}

/// <summary>
/// Lookups in the set tables of <c>PolicySetTables</c>. IPv4 range tables hold (first, last - first) pairs of sorted,
/// disjoint ranges; IPv6 range tables (first high, first low, last high, last low); named-port tables
/// (network, mask, protocol &lt;&lt; 16 | port), IPv6 with two-part network and mask.
/// </summary>
%SKIPLOCALSINIT%%GENERATEDCODE%
file static class PolicySetLookup
{
    /// <summary>Up to this many ranges a vector lookup tests every range on all lanes; beyond it each lane binary-searches.</summary>
    private const int VectorScanLimit = 16;

    public static bool Contains(uint address, ReadOnlySpan<uint> ranges)
    {
        int lo = 0, hi = (ranges.Length >> 1) - 1;
        while (lo <= hi)
        {
            int mid = (int)((uint)(lo + hi) >> 1);
            uint first = ranges[2 * mid];
            if (address < first)
                hi = mid - 1;
            else if (address - first <= ranges[2 * mid + 1])
                return true;
            else
                lo = mid + 1;
        }
        return false;
    }

    public static Vector512<uint> Contains(Vector512<uint> address, ReadOnlySpan<uint> ranges)
    {
        if (ranges.Length <= 2 * VectorScanLimit)
        {
            Vector512<uint> hit = Vector512<uint>.Zero;
            for (int k = 0; k + 1 < ranges.Length; k += 2)
                hit |= Vector512.LessThanOrEqual(address - Vector512.Create(ranges[k]), Vector512.Create(ranges[k + 1]));
            return hit;
        }
        Span<uint> lanes = stackalloc uint[Vector512<uint>.Count];
        address.StoreUnsafe(ref MemoryMarshal.GetReference(lanes));
        for (int k = 0; k < lanes.Length; k++)
            lanes[k] = Contains(lanes[k], ranges) ? uint.MaxValue : 0u;
        return Vector512.LoadUnsafe(ref MemoryMarshal.GetReference(lanes));
    }

    public static Vector256<uint> Contains(Vector256<uint> address, ReadOnlySpan<uint> ranges)
    {
        if (ranges.Length <= 2 * VectorScanLimit)
        {
            Vector256<uint> hit = Vector256<uint>.Zero;
            for (int k = 0; k + 1 < ranges.Length; k += 2)
                hit |= Vector256.LessThanOrEqual(address - Vector256.Create(ranges[k]), Vector256.Create(ranges[k + 1]));
            return hit;
        }
        Span<uint> lanes = stackalloc uint[Vector256<uint>.Count];
        address.StoreUnsafe(ref MemoryMarshal.GetReference(lanes));
        for (int k = 0; k < lanes.Length; k++)
            lanes[k] = Contains(lanes[k], ranges) ? uint.MaxValue : 0u;
        return Vector256.LoadUnsafe(ref MemoryMarshal.GetReference(lanes));
    }

    public static bool Contains(ulong high, ulong low, ReadOnlySpan<ulong> ranges)
    {
        int lo = 0, hi = (ranges.Length >> 2) - 1;
        while (lo <= hi)
        {
            int mid = (int)((uint)(lo + hi) >> 1);
            int k = mid << 2;
            if (high < ranges[k] || (high == ranges[k] && low < ranges[k + 1]))
                hi = mid - 1;
            else if (high < ranges[k + 2] || (high == ranges[k + 2] && low <= ranges[k + 3]))
                return true;
            else
                lo = mid + 1;
        }
        return false;
    }

    public static bool ContainsNamedPort(uint address, uint protocol, uint port, ReadOnlySpan<uint> members)
    {
        uint key = protocol << 16 | port;
        for (int k = 0; k + 2 < members.Length; k += 3)
        {
            if ((address & members[k + 1]) == members[k] && members[k + 2] == key)
                return true;
        }
        return false;
    }

    public static Vector512<uint> ContainsNamedPort(Vector512<uint> address, Vector512<uint> protocol, Vector512<uint> port, ReadOnlySpan<uint> members)
    {
        Vector512<uint> key = Vector512.ShiftLeft(protocol, 16) | port;
        Vector512<uint> hit = Vector512<uint>.Zero;
        for (int k = 0; k + 2 < members.Length; k += 3)
            hit |= Vector512.Equals(address & Vector512.Create(members[k + 1]), Vector512.Create(members[k])) & Vector512.Equals(key, Vector512.Create(members[k + 2]));
        return hit;
    }

    public static Vector256<uint> ContainsNamedPort(Vector256<uint> address, Vector256<uint> protocol, Vector256<uint> port, ReadOnlySpan<uint> members)
    {
        Vector256<uint> key = Vector256.ShiftLeft(protocol, 16) | port;
        Vector256<uint> hit = Vector256<uint>.Zero;
        for (int k = 0; k + 2 < members.Length; k += 3)
            hit |= Vector256.Equals(address & Vector256.Create(members[k + 1]), Vector256.Create(members[k])) & Vector256.Equals(key, Vector256.Create(members[k + 2]));
        return hit;
    }

    public static bool ContainsNamedPort(ulong high, ulong low, uint protocol, uint port, ReadOnlySpan<ulong> members)
    {
        ulong key = protocol << 16 | port;
        for (int k = 0; k + 4 < members.Length; k += 5)
        {
            if ((high & members[k + 2]) == members[k] && (low & members[k + 3]) == members[k + 1] && members[k + 4] == key)
                return true;
        }
        return false;
    }
}

""";
}
