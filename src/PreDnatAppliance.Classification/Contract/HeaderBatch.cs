namespace PreDnatAppliance.Classification;

/// <summary>
/// The parsed L3/L4 headers of one burst, structure-of-arrays so that a classifier loads 16 packets'
/// worth of one field with a single Vector512 load. Allocated once per lcore (pinned, never moved) and
/// refilled by the parse stage for every burst.
/// </summary>
public sealed class HeaderBatch
{
    /// <summary>Largest burst a batch holds; DPDK bursts are 32 by default and at most 512 in testpmd.</summary>
    public const int Capacity = 256;

    public int Count { get; set; }

    /// <summary>4 or 6; 0 for a packet that is not IP (classifiers leave it undecided).</summary>
    public byte[] IpVersion { get; } = Pinned<byte>();

    /// <summary>IPv4 addresses in host byte order (10.0.0.1 is 0x0A000001).</summary>
    public uint[] SrcV4 { get; } = Pinned<uint>();
    public uint[] DstV4 { get; } = Pinned<uint>();

    /// <summary>IPv6 addresses as two host-order halves.</summary>
    public ulong[] SrcV6High { get; } = Pinned<ulong>();
    public ulong[] SrcV6Low { get; } = Pinned<ulong>();
    public ulong[] DstV6High { get; } = Pinned<ulong>();
    public ulong[] DstV6Low { get; } = Pinned<ulong>();

    public byte[] Protocol { get; } = Pinned<byte>();

    /// <summary>Zero for protocols without ports.</summary>
    public ushort[] SrcPort { get; } = Pinned<ushort>();
    public ushort[] DstPort { get; } = Pinned<ushort>();

    /// <summary>Only meaningful when <see cref="Protocol"/> is ICMP (IPv4) or ICMPv6 (IPv6).</summary>
    public byte[] IcmpType { get; } = Pinned<byte>();
    public byte[] IcmpCode { get; } = Pinned<byte>();

    public void SetV4(int index, uint src, uint dst, byte protocol, ushort srcPort, ushort dstPort, byte icmpType = 0, byte icmpCode = 0)
    {
        IpVersion[index] = 4;
        SrcV4[index] = src;
        DstV4[index] = dst;
        SrcV6High[index] = SrcV6Low[index] = DstV6High[index] = DstV6Low[index] = 0;
        SetL4(index, protocol, srcPort, dstPort, icmpType, icmpCode);
    }

    public void SetV6(int index, ulong srcHigh, ulong srcLow, ulong dstHigh, ulong dstLow, byte protocol, ushort srcPort, ushort dstPort, byte icmpType = 0, byte icmpCode = 0)
    {
        IpVersion[index] = 6;
        SrcV4[index] = DstV4[index] = 0;
        SrcV6High[index] = srcHigh;
        SrcV6Low[index] = srcLow;
        DstV6High[index] = dstHigh;
        DstV6Low[index] = dstLow;
        SetL4(index, protocol, srcPort, dstPort, icmpType, icmpCode);
    }

    private void SetL4(int index, byte protocol, ushort srcPort, ushort dstPort, byte icmpType, byte icmpCode)
    {
        Protocol[index] = protocol;
        SrcPort[index] = srcPort;
        DstPort[index] = dstPort;
        IcmpType[index] = icmpType;
        IcmpCode[index] = icmpCode;
    }

    private static T[] Pinned<T>() => GC.AllocateArray<T>(Capacity, pinned: true);
}
