using System.Runtime.CompilerServices;

namespace PreDnatAppliance.Pipeline.Flows;

/// <summary>
/// A flow's 5-tuple in one direction, for IPv4 and IPv6 alike: an IPv4 address lives in the low 32 bits of
/// its <c>Low</c> half with <c>High</c> zero, and <see cref="IpVersion"/> keeps the families apart. Plain
/// data (40 bytes), so it can key hash tables, feed Maglev's hash and be compared without allocating.
/// For ICMP echo, <see cref="SourcePort"/> carries the identifier and <see cref="DestinationPort"/> is 0.
/// </summary>
public readonly struct FlowKey : IEquatable<FlowKey>
{
    public FlowKey(byte ipVersion, ulong srcHigh, ulong srcLow, ulong dstHigh, ulong dstLow, byte protocol, ushort srcPort, ushort dstPort)
    {
        SrcHigh = srcHigh;
        SrcLow = srcLow;
        DstHigh = dstHigh;
        DstLow = dstLow;
        SourcePort = srcPort;
        DestinationPort = dstPort;
        Protocol = protocol;
        IpVersion = ipVersion;
    }

    public static FlowKey V4(uint src, uint dst, byte protocol, ushort srcPort, ushort dstPort) =>
        new(4, 0, src, 0, dst, protocol, srcPort, dstPort);

    public ulong SrcHigh { get; }
    public ulong SrcLow { get; }
    public ulong DstHigh { get; }
    public ulong DstLow { get; }
    public ushort SourcePort { get; }
    public ushort DestinationPort { get; }
    public byte Protocol { get; }
    public byte IpVersion { get; }

    public uint SrcV4 => (uint)SrcLow;
    public uint DstV4 => (uint)DstLow;

    /// <summary>The same flow seen from the other end (source and destination swapped).</summary>
    public FlowKey Reversed() => new(IpVersion, DstHigh, DstLow, SrcHigh, SrcLow, Protocol, DestinationPort, SourcePort);

    public FlowKey WithDestination(ulong high, ulong low, ushort port) => new(IpVersion, SrcHigh, SrcLow, high, low, Protocol, SourcePort, port);
    public FlowKey WithSource(ulong high, ulong low, ushort port) => new(IpVersion, high, low, DstHigh, DstLow, Protocol, port, DestinationPort);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Equals(FlowKey other) =>
        SrcLow == other.SrcLow && DstLow == other.DstLow && SrcHigh == other.SrcHigh && DstHigh == other.DstHigh
        && SourcePort == other.SourcePort && DestinationPort == other.DestinationPort && Protocol == other.Protocol && IpVersion == other.IpVersion;

    public override bool Equals(object? obj) => obj is FlowKey other && Equals(other);

    /// <summary>A 64-bit mix of every field (not cryptographic); tables and Maglev use it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong Hash64()
    {
        ulong h = SrcLow * 0x9E3779B97F4A7C15UL ^ DstLow;
        h = (h ^ (h >> 29)) * 0xBF58476D1CE4E5B9UL ^ SrcHigh ^ (DstHigh << 1);
        h = (h ^ (h >> 32)) * 0x94D049BB133111EBUL ^ ((ulong)SourcePort << 24 | (ulong)DestinationPort << 8 | Protocol) ^ ((ulong)IpVersion << 56);
        // Final avalanche (splitmix64's finalizer): every input bit reaches the high half, which Maglev's slot uses.
        // Without it, flows differing only in the low byte of a port had the same high half, so one client's
        // connections all went to the same backend.
        h = (h ^ (h >> 30)) * 0xBF58476D1CE4E5B9UL;
        h = (h ^ (h >> 27)) * 0x94D049BB133111EBUL;
        return h ^ (h >> 31);
    }

    public override int GetHashCode() => (int)Hash64();

    public override string ToString()
    {
        var v4 = IpVersion == 4;
        string Address(ulong high, ulong low) => v4
            ? $"{(low >> 24) & 0xFF}.{(low >> 16) & 0xFF}.{(low >> 8) & 0xFF}.{low & 0xFF}"
            : $"[{new System.Net.IPAddress(ToBytes(high, low))}]";
        return $"{Protocol} {Address(SrcHigh, SrcLow)}:{SourcePort} -> {Address(DstHigh, DstLow)}:{DestinationPort}";
    }

    private static byte[] ToBytes(ulong high, ulong low)
    {
        var bytes = new byte[16];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(bytes, high);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(bytes.AsSpan(8), low);
        return bytes;
    }

    public static bool operator ==(FlowKey a, FlowKey b) => a.Equals(b);
    public static bool operator !=(FlowKey a, FlowKey b) => !a.Equals(b);
}
