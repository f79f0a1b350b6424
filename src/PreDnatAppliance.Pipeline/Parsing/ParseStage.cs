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

    public void Process(Burst burst)
    {
        if (BoundsChecked)
            Run<CheckedReads>(burst);
        else
            Run<UncheckedReads>(burst);
    }

    private void Run<TB>(Burst burst) where TB : struct, IBoundsPolicy
    {
        var n = burst.Count;
        var mbufs = burst.Mbufs;
        var verdicts = burst.Verdicts;
        var output = _parsed.Ptr;
        var kept = 0;
        if (Sse.IsSupported)
            for (var i = 0; i < n && i < PrefetchAhead; i++)
                Sse.Prefetch0(Mbuf.Data(mbufs[i]));
        for (var i = 0; i < n; i++)
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
