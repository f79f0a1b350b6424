using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;
using PreDnatAppliance.Dataplane.Interop;
using PreDnatAppliance.Dataplane.Stages;
using PreDnatAppliance.Pipeline.Flows;

namespace PreDnatAppliance.Pipeline.Parsing;

/// <summary>
/// The first stage: parses every packet of the burst (single-segment mbufs, read through <see cref="Mbuf"/>)
/// into <see cref="Parsed"/>, index for index with the burst after it compacts, and drops what cannot be
/// parsed with a named <see cref="DropReason"/> (16..39). No allocation, lock, exception or virtual call per
/// packet: one straight-line parser over the frame's bytes with explicit length tests.
///
/// <para>With <see cref="BoundsChecked"/> (the default in Debug builds and when the Pipeline project is built
/// with <c>PREDNAT_BOUNDS_CHECKS</c>; selectable per instance) every read also asserts that it lies inside
/// the frame and throws <see cref="ParserBoundsException"/> otherwise. The two variants are separate generic
/// instantiations, chosen once per burst.</para>
/// </summary>
public sealed unsafe class ParseStage : IBurstStage
{
#if DEBUG || PREDNAT_BOUNDS_CHECKS
    public const bool DefaultBoundsChecked = true;
#else
    public const bool DefaultBoundsChecked = false;
#endif

    /// <summary>Packets ahead whose first data line is prefetched (as DPDK's l3fwd does).</summary>
    private const int PrefetchAhead = 4;

    private readonly ParsedBurst _parsed;

    public ParseStage()
        : this(DefaultBoundsChecked)
    {
    }

    public ParseStage(bool boundsChecked)
    {
        BoundsChecked = boundsChecked;
        _parsed = new ParsedBurst();
    }

    public string Name => "parse";

    /// <summary>This stage's results for the current burst (one instance per stage, reused for every burst).</summary>
    public ParsedBurst Parsed => _parsed;

    /// <summary>Whether every read of a frame byte is verified against the frame's length.</summary>
    public bool BoundsChecked { get; }

    public void Process(Burst burst) => Process(burst, 0);

    /// <summary>
    /// Parses packets <paramref name="start"/> and on; the first <paramref name="start"/> are kept without a row of their
    /// own (their rows keep whatever they held: the caller has dealt with those packets, and the stages skip them).
    /// </summary>
    public void Process(Burst burst, int start)
    {
        if (BoundsChecked)
            Run<CheckedReads>(burst, start);
        else
            Run<UncheckedReads>(burst, start);
    }

    private void Run<TB>(Burst burst, int start) where TB : struct, IBoundsPolicy
    {
        var n = burst.Count;
        var mbufs = burst.Mbufs;
        var verdicts = burst.Verdicts;
        var output = _parsed.Ptr;
        var kept = start;
        if (Sse.IsSupported)
            for (var i = start; i < n && i < start + PrefetchAhead; i++)
                Sse.Prefetch0(Mbuf.Data(mbufs[i]));
        for (var i = start; i < n; i++)
        {
            if (Sse.IsSupported && i + PrefetchAhead < n)
                Sse.Prefetch0(Mbuf.Data(mbufs[i + PrefetchAhead]));
            var m = mbufs[i];
            DropReason reason;
            PacketInfo info;
            if (Mbuf.NbSegs(m) != 1 || Mbuf.PktLen(m) != Mbuf.DataLen(m))
            {
                info = default;
                reason = DropReason.MultiSegment;
            }
            else if (TryStorePlainIpv4<TB>(Mbuf.Data(m), Mbuf.DataLen(m), in output, kept))
            {
                kept++;
                continue;
            }
            else
                reason = PacketParser<TB>.Parse(Mbuf.Data(m), Mbuf.DataLen(m), out info);

            if (reason == DropReason.None)
                Store(in output, kept++, in info);
            else
                verdicts[i] = (byte)reason;
        }
        _parsed.Count = kept;
        if (kept != n)
            burst.Compact();
    }

    /// <summary>Where a plain IPv4 frame (<see cref="IsPlainIpv4{TB}"/>) has its IPv4 and its TCP/UDP header.</summary>
    internal const int PlainIpv4L3 = PacketParser<UncheckedReads>.EthernetHeader, PlainIpv4L4 = PlainIpv4L3 + PacketParser<UncheckedReads>.Ipv4MinHeader;

    /// <summary>
    /// Whether a single-segment frame is the common case the parser stores without its general path: untagged Ethernet,
    /// IPv4 without options and not fragmented, TCP or UDP with valid lengths. The established-flow prefix
    /// (<see cref="Stages.EstablishedPrefix"/>) takes only such frames, so every frame it forwards would have parsed.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool IsPlainIpv4<TB>(byte* data, int length, out int total, out byte protocol, out byte tcpFlags) where TB : struct, IBoundsPolicy
    {
        const int l3 = PlainIpv4L3, l4 = PlainIpv4L4;
        total = 0;
        protocol = 0;
        tcpFlags = 0;
        if (length < l4 + 8)
            return false;
        var f = new FrameReader<TB>(data, length);
        if (f.U16(12) != Protocols.EtherTypeIpv4 || f.U8(l3) != 0x45 || (f.U16(l3 + 6) & 0x3FFF) != 0)
            return false;
        total = f.U16(l3 + 2);
        var available = total - PacketParser<TB>.Ipv4MinHeader;
        if (total > length - l3 || available < 8)
            return false;
        protocol = f.U8(l3 + 9);
        if (protocol == Protocols.Tcp)
        {
            if (available < 20)
                return false;
            var dataOffset = (f.U8(l4 + 12) >> 4) << 2;
            if (dataOffset < 20 || dataOffset > available)
                return false;
            tcpFlags = f.U8(l4 + 13);
            return true;
        }
        if (protocol == Protocols.Udp)
        {
            int udpLength = f.U16(l4 + 4);
            return udpLength >= 8 && udpLength <= available;
        }
        return false;
    }

    /// <summary>
    /// The common case, stored straight into slot <paramref name="i"/>: untagged Ethernet, IPv4 without options and
    /// not fragmented, TCP or UDP with valid lengths. Exactly what <see cref="PacketParser{TB}.Parse"/> and
    /// <see cref="Store"/> write for such a frame (the other fields zero), without building and copying the whole
    /// <see cref="PacketInfo"/>; anything else returns false and takes the general parser.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool TryStorePlainIpv4<TB>(byte* data, int length, in ParsedBurst.Pointers o, int i) where TB : struct, IBoundsPolicy
    {
        const int l3 = PlainIpv4L3, l4 = PlainIpv4L4;
        if (!IsPlainIpv4<TB>(data, length, out var total, out var protocol, out var tcpFlags))
            return false;
        var f = new FrameReader<TB>(data, length);
        var src = f.U32(l3 + 12);
        var dst = f.U32(l3 + 16);
        var srcPort = f.U16(l4);
        var dstPort = f.U16(l4 + 2);
        o.IpVersion[i] = 4;
        o.Protocol[i] = protocol;
        o.IcmpType[i] = 0;
        o.IcmpCode[i] = 0;
        o.TcpFlags[i] = tcpFlags;
        o.SrcV4[i] = src;
        o.DstV4[i] = dst;
        o.SrcV6High[i] = 0;
        o.SrcV6Low[i] = 0;
        o.DstV6High[i] = 0;
        o.DstV6Low[i] = 0;
        o.Flow[i] = FlowKey.V4(src, dst, protocol, srcPort, dstPort);
        o.SrcPort[i] = srcPort;
        o.DstPort[i] = dstPort;
        o.L3Offset[i] = l3;
        o.L3Length[i] = (ushort)total;
        o.L4Offset[i] = l4;
        o.EtherType[i] = Protocols.EtherTypeIpv4;
        o.VlanId[i] = 0;
        o.InnerVlanId[i] = 0;
        o.Flags[i] = PacketFlags.None;
        o.EmbeddedFlow[i] = default;
        o.EmbeddedL3Offset[i] = 0;
        o.EmbeddedL4Offset[i] = 0;
        o.ArpOpcode[i] = 0;
        o.ArpSenderMac[i] = 0;
        o.ArpSenderIp[i] = 0;
        o.ArpTargetMac[i] = 0;
        o.ArpTargetIp[i] = 0;
        return true;
    }

    /// <summary>Writes every field of slot <paramref name="i"/> (the survivors' index after compaction).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(in ParsedBurst.Pointers o, int i, in PacketInfo r)
    {
        o.IpVersion[i] = r.IpVersion;
        o.Protocol[i] = r.Protocol;
        o.IcmpType[i] = r.IcmpType;
        o.IcmpCode[i] = r.IcmpCode;
        o.TcpFlags[i] = r.TcpFlags;
        if (r.IpVersion == 6)
        {
            o.SrcV4[i] = 0;
            o.DstV4[i] = 0;
            o.SrcV6High[i] = r.SrcHigh;
            o.SrcV6Low[i] = r.SrcLow;
            o.DstV6High[i] = r.DstHigh;
            o.DstV6Low[i] = r.DstLow;
            o.Flow[i] = new FlowKey(6, r.SrcHigh, r.SrcLow, r.DstHigh, r.DstLow, r.Protocol, r.FlowSrcPort, r.FlowDstPort);
        }
        else
        {
            // IPv4 (addresses in the low halves) or not IP at all (all zero).
            o.SrcV4[i] = (uint)r.SrcLow;
            o.DstV4[i] = (uint)r.DstLow;
            o.SrcV6High[i] = 0;
            o.SrcV6Low[i] = 0;
            o.DstV6High[i] = 0;
            o.DstV6Low[i] = 0;
            o.Flow[i] = r.IpVersion == 4
                ? FlowKey.V4((uint)r.SrcLow, (uint)r.DstLow, r.Protocol, r.FlowSrcPort, r.FlowDstPort)
                : default;
        }
        o.SrcPort[i] = r.SrcPort;
        o.DstPort[i] = r.DstPort;
        o.L3Offset[i] = r.L3Offset;
        o.L3Length[i] = r.L3Length;
        o.L4Offset[i] = r.L4Offset;
        o.EtherType[i] = r.EtherType;
        o.VlanId[i] = r.VlanId;
        o.InnerVlanId[i] = r.InnerVlanId;
        o.Flags[i] = r.Flags;
        o.EmbeddedFlow[i] = r.Embedded;
        o.EmbeddedL3Offset[i] = r.EmbeddedL3Offset;
        o.EmbeddedL4Offset[i] = r.EmbeddedL4Offset;
        o.ArpOpcode[i] = r.ArpOpcode;
        o.ArpSenderMac[i] = r.ArpSenderMac;
        o.ArpSenderIp[i] = r.ArpSenderIp;
        o.ArpTargetMac[i] = r.ArpTargetMac;
        o.ArpTargetIp[i] = r.ArpTargetIp;
    }
}
