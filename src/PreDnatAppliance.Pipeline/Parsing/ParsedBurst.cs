using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using PreDnatAppliance.Classification;
using PreDnatAppliance.Dataplane.Stages;
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

    /// <summary>An ICMPv6 Neighbor Solicitation or Advertisement (the out stage answers, learns or drops it, like ARP).</summary>
    NeighbourDiscovery = 1 << 8,
}

/// <summary>
/// The parse stage's results for one burst, index for index with the burst's packets, in structure-of-arrays
/// form: <see cref="Headers"/> is exactly what the policy classifiers read; the rest is what conntrack, NAT
/// and the out stage need (offsets to rewrite, TCP flags, the embedded tuple of an ICMP error). Allocated once
/// per worker; every array is pinned (never moves), so stages may keep pointers into them.
///
/// <para>Index <c>i</c> describes <c>burst.Mbufs[i]</c> for <c>i &lt; Count</c>. A stage after the parse stage
/// that drops packets must keep the two aligned: mark drops with <c>burst.Drop(i, reason)</c> as usual and call
/// <see cref="Compact"/> instead of <c>burst.Compact()</c>. Every field of a kept packet is written by the parser
/// (fields that do not apply are zero), so nothing stale survives from an earlier burst.</para>
/// </summary>
public sealed unsafe class ParsedBurst
{
    public const int Capacity = HeaderBatch.Capacity;

    public ParsedBurst()
    {
        Ptr = new Pointers(this);
    }

    /// <summary>Packets described (equals the burst's <c>Count</c> after the parse stage).</summary>
    public int Count
    {
        get => Headers.Count;
        set => Headers.Count = value;
    }

    public HeaderBatch Headers { get; } = new();

    /// <summary>Offset of the L3 header (IPv4, IPv6 or ARP) from the start of the frame (after Ethernet and VLAN tags).</summary>
    public ushort[] L3Offset { get; } = Pinned<ushort>();

    /// <summary>
    /// Bytes of the L3 packet per its own header: IPv4 total length, IPv6 40 + payload length, 28 for ARP.
    /// Anything in the frame after <c>L3Offset + L3Length</c> is Ethernet padding.
    /// </summary>
    public ushort[] L3Length { get; } = Pinned<ushort>();

    /// <summary>Offset of the L4 header (TCP/UDP/SCTP/ICMP/other) from the start of the frame; 0 when there is none (ARP, later fragments).</summary>
    public ushort[] L4Offset { get; } = Pinned<ushort>();

    /// <summary>The EtherType after any VLAN tags (0x0800, 0x86DD, 0x0806 ...).</summary>
    public ushort[] EtherType { get; } = Pinned<ushort>();

    /// <summary>The outermost VLAN ID (0 when untagged).</summary>
    public ushort[] VlanId { get; } = Pinned<ushort>();

    /// <summary>The inner VLAN ID of a QinQ frame (0 otherwise).</summary>
    public ushort[] InnerVlanId { get; } = Pinned<ushort>();

    /// <summary>TCP flags byte (FIN 0x01, SYN 0x02, RST 0x04, PSH 0x08, ACK 0x10, URG 0x20, ECE 0x40, CWR 0x80); 0 for other protocols.</summary>
    public byte[] TcpFlags { get; } = Pinned<byte>();

    public PacketFlags[] Flags { get; } = Pinned<PacketFlags>();

    /// <summary>For an ICMP error: the flow of the packet it reports on, as that packet travelled.</summary>
    public FlowKey[] EmbeddedFlow { get; } = Pinned<FlowKey>();

    /// <summary>For an ICMP error: offsets (from the frame start) of the embedded IP header and of its L4 header (0 when the embedded packet is a later fragment).</summary>
    public ushort[] EmbeddedL3Offset { get; } = Pinned<ushort>();
    public ushort[] EmbeddedL4Offset { get; } = Pinned<ushort>();

    /// <summary>The flow of each packet (from <see cref="Headers"/>; ICMP query id in the source port).</summary>
    public FlowKey[] Flow { get; } = Pinned<FlowKey>();

    /// <summary>ARP: opcode (1 request, 2 reply), sender and target hardware (low 48 bits, wire order high to low) and protocol addresses (host order).</summary>
    public ushort[] ArpOpcode { get; } = Pinned<ushort>();
    public ulong[] ArpSenderMac { get; } = Pinned<ulong>();
    public uint[] ArpSenderIp { get; } = Pinned<uint>();
    public ulong[] ArpTargetMac { get; } = Pinned<ulong>();
    public uint[] ArpTargetIp { get; } = Pinned<uint>();

    /// <summary>Raw pointers to every array (they are pinned), for the per-packet loops.</summary>
    internal readonly Pointers Ptr;

    /// <summary>
    /// Drops the packets whose burst verdict is a drop reason, from this batch and from the burst alike (the
    /// survivors keep their order in both), then calls <see cref="Burst.Compact"/>. Returns the new count.
    /// </summary>
    public int Compact(Burst burst)
    {
        System.Diagnostics.Debug.Assert(Count == burst.Count, "the parsed burst is not aligned with the burst (a stage compacted one without the other)");
        var n = burst.Count;
        var verdicts = burst.Verdicts;
        var kept = 0;
        for (var i = 0; i < n; i++)
        {
            if (verdicts[i] != 0)
                continue;
            if (kept != i)
                Ptr.Move(i, kept);
            kept++;
        }
        Count = kept;
        return burst.Compact();
    }

    /// <summary>Copies packet <paramref name="i"/>'s fields out of the side arrays (tests, tracing; not for the packet path).</summary>
    public ParsedPacket Row(int i)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(i);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(i, Count);
        var h = Headers;
        return new ParsedPacket(Flags[i], EtherType[i], VlanId[i], InnerVlanId[i], L3Offset[i], L3Length[i], L4Offset[i],
            h.IpVersion[i], h.Protocol[i], h.SrcV4[i], h.DstV4[i], h.SrcV6High[i], h.SrcV6Low[i], h.DstV6High[i], h.DstV6Low[i],
            h.SrcPort[i], h.DstPort[i], h.IcmpType[i], h.IcmpCode[i], TcpFlags[i], Flow[i], EmbeddedFlow[i],
            EmbeddedL3Offset[i], EmbeddedL4Offset[i], ArpOpcode[i], ArpSenderMac[i], ArpSenderIp[i], ArpTargetMac[i], ArpTargetIp[i]);
    }

    private static T[] Pinned<T>() where T : unmanaged => GC.AllocateArray<T>(Capacity, pinned: true);

    private static T* Address<T>(T[] array) where T : unmanaged =>
        (T*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(array));

    /// <summary>Pointers to the pinned arrays (no bounds checks in the per-packet code).</summary>
    internal readonly struct Pointers
    {
        public readonly byte* IpVersion, Protocol, IcmpType, IcmpCode, TcpFlags;
        public readonly uint* SrcV4, DstV4, ArpSenderIp, ArpTargetIp;
        public readonly ulong* SrcV6High, SrcV6Low, DstV6High, DstV6Low, ArpSenderMac, ArpTargetMac;
        public readonly ushort* SrcPort, DstPort, L3Offset, L3Length, L4Offset, EtherType, VlanId, InnerVlanId,
            EmbeddedL3Offset, EmbeddedL4Offset, ArpOpcode;
        public readonly PacketFlags* Flags;
        public readonly FlowKey* Flow, EmbeddedFlow;

        public Pointers(ParsedBurst p)
        {
            var h = p.Headers;
            IpVersion = Address(h.IpVersion);
            Protocol = Address(h.Protocol);
            IcmpType = Address(h.IcmpType);
            IcmpCode = Address(h.IcmpCode);
            SrcV4 = Address(h.SrcV4);
            DstV4 = Address(h.DstV4);
            SrcV6High = Address(h.SrcV6High);
            SrcV6Low = Address(h.SrcV6Low);
            DstV6High = Address(h.DstV6High);
            DstV6Low = Address(h.DstV6Low);
            SrcPort = Address(h.SrcPort);
            DstPort = Address(h.DstPort);
            TcpFlags = Address(p.TcpFlags);
            ArpSenderIp = Address(p.ArpSenderIp);
            ArpTargetIp = Address(p.ArpTargetIp);
            ArpSenderMac = Address(p.ArpSenderMac);
            ArpTargetMac = Address(p.ArpTargetMac);
            ArpOpcode = Address(p.ArpOpcode);
            L3Offset = Address(p.L3Offset);
            L3Length = Address(p.L3Length);
            L4Offset = Address(p.L4Offset);
            EtherType = Address(p.EtherType);
            VlanId = Address(p.VlanId);
            InnerVlanId = Address(p.InnerVlanId);
            EmbeddedL3Offset = Address(p.EmbeddedL3Offset);
            EmbeddedL4Offset = Address(p.EmbeddedL4Offset);
            Flags = Address(p.Flags);
            Flow = Address(p.Flow);
            EmbeddedFlow = Address(p.EmbeddedFlow);
        }

        /// <summary>Copies every field of packet <paramref name="from"/> to <paramref name="to"/>.</summary>
        public void Move(int from, int to)
        {
            IpVersion[to] = IpVersion[from];
            Protocol[to] = Protocol[from];
            IcmpType[to] = IcmpType[from];
            IcmpCode[to] = IcmpCode[from];
            TcpFlags[to] = TcpFlags[from];
            SrcV4[to] = SrcV4[from];
            DstV4[to] = DstV4[from];
            ArpSenderIp[to] = ArpSenderIp[from];
            ArpTargetIp[to] = ArpTargetIp[from];
            SrcV6High[to] = SrcV6High[from];
            SrcV6Low[to] = SrcV6Low[from];
            DstV6High[to] = DstV6High[from];
            DstV6Low[to] = DstV6Low[from];
            ArpSenderMac[to] = ArpSenderMac[from];
            ArpTargetMac[to] = ArpTargetMac[from];
            SrcPort[to] = SrcPort[from];
            DstPort[to] = DstPort[from];
            L3Offset[to] = L3Offset[from];
            L3Length[to] = L3Length[from];
            L4Offset[to] = L4Offset[from];
            EtherType[to] = EtherType[from];
            VlanId[to] = VlanId[from];
            InnerVlanId[to] = InnerVlanId[from];
            EmbeddedL3Offset[to] = EmbeddedL3Offset[from];
            EmbeddedL4Offset[to] = EmbeddedL4Offset[from];
            ArpOpcode[to] = ArpOpcode[from];
            Flags[to] = Flags[from];
            Flow[to] = Flow[from];
            EmbeddedFlow[to] = EmbeddedFlow[from];
        }
    }
}
