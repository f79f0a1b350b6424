using System.Runtime.InteropServices;
using PreDnatAppliance.Classification;
using PreDnatAppliance.Pipeline.Flows;

namespace PreDnatAppliance.Pipeline.Parsing;

[Flags]
public enum PacketFlags : ushort
{
    None = 0,
    Vlan = 1 << 0,
    QinQ = 1 << 1,
    Arp = 1 << 2,
    IpOptions = 1 << 3,

    /// <summary>An IP fragment other than the first: no L4 header, ports unknown.</summary>
    LaterFragment = 1 << 4,

    /// <summary>The first fragment of a fragmented datagram (more fragments follow).</summary>
    FirstFragment = 1 << 5,

    /// <summary>An ICMP(v6) error (unreachable, time exceeded, ...) carrying the offending packet's headers.</summary>
    IcmpError = 1 << 6,

    /// <summary>An IPv6 packet that went through extension headers.</summary>
    Ipv6Extensions = 1 << 7,
}

/// <summary>
/// The parse stage's results for one burst, index for index with the burst's packets, in structure-of-arrays
/// form: <see cref="Headers"/> is exactly what the policy classifiers read; the rest is what conntrack, NAT
/// and the out stage need (offsets to rewrite, TCP flags, the embedded tuple of an ICMP error). Allocated once
/// per worker.
/// </summary>
public sealed class ParsedBurst
{
    public const int Capacity = HeaderBatch.Capacity;

    public HeaderBatch Headers { get; } = new();

    /// <summary>Offset of the L3 header from the start of the frame (after Ethernet and VLAN tags).</summary>
    public ushort[] L3Offset { get; } = Pinned<ushort>();

    /// <summary>Offset of the L4 header (TCP/UDP/SCTP/ICMP) from the start of the frame; 0 when there is none.</summary>
    public ushort[] L4Offset { get; } = Pinned<ushort>();

    /// <summary>The EtherType after any VLAN tags (0x0800, 0x86DD, 0x0806 ...).</summary>
    public ushort[] EtherType { get; } = Pinned<ushort>();

    /// <summary>The outermost VLAN ID (0 when untagged).</summary>
    public ushort[] VlanId { get; } = Pinned<ushort>();

    /// <summary>TCP flags byte (FIN 0x01, SYN 0x02, RST 0x04, PSH 0x08, ACK 0x10); 0 for other protocols.</summary>
    public byte[] TcpFlags { get; } = Pinned<byte>();

    public PacketFlags[] Flags { get; } = Pinned<PacketFlags>();

    /// <summary>For an ICMP error: the flow of the packet it reports on, as that packet travelled.</summary>
    public FlowKey[] EmbeddedFlow { get; } = new FlowKey[Capacity];

    /// <summary>The flow of each packet (from <see cref="Headers"/>; ICMP echo id in the source port).</summary>
    public FlowKey[] Flow { get; } = new FlowKey[Capacity];

    private static T[] Pinned<T>() where T : unmanaged => GC.AllocateArray<T>(Capacity, pinned: true);
}
