using PreDnatAppliance.Dataplane.Interop;
using PreDnatAppliance.Dataplane.Stages;
using PreDnatAppliance.Pipeline.Flows;
using PreDnatAppliance.Pipeline.Packets;
using PreDnatAppliance.Pipeline.Runtime;

namespace PreDnatAppliance.Pipeline.Stages;

/// <summary>
/// Writes the planned NAT into the packets that passed policy: DNAT/SNAT of new flows, the stored NAT of established
/// ones, the reverse NAT of replies and of ICMP errors about NAT'd flows (outer and embedded headers), with
/// incremental checksum updates (<see cref="NatRewriter"/>).
/// </summary>
public sealed unsafe class NatStage : IBurstStage
{
    private readonly WorkerContext _w;

    public NatStage(WorkerContext worker) => _w = worker;

    public string Name => "nat";

    public void Process(Burst burst)
    {
        var w = _w;
        var st = w.State;
        var n = burst.Count;
        for (var i = 0; i < n; i++)
        {
            ref readonly var r = ref st.Rewrite[i];
            if (!r.Any || (st.Marks[i] & (PacketMarks.Answered | PacketMarks.FastForwarded)) != 0)
                continue;
            Apply(w, burst.Mbufs[i], i, in r);
        }
    }

    /// <summary>Writes <paramref name="r"/> into packet <paramref name="i"/> (<paramref name="mbuf"/>) and traces the result (also the fast path's NAT).</summary>
    internal static void Apply(WorkerContext w, nint mbuf, int i, in Rewrite r)
    {
        var st = w.State;
        var p = st.Parsed;
        var frame = new NatRewriter.Frame
        {
            Data = Mbuf.Data(mbuf),
            L3 = p.L3Offset[i],
            L4 = p.L4Offset[i],
            L3Length = p.L3Length[i],
            IpVersion = p.Headers.IpVersion[i],
            Protocol = p.Headers.Protocol[i],
            Flags = p.Flags[i],
            InnerL3 = p.EmbeddedL3Offset[i],
            InnerL4 = p.EmbeddedL4Offset[i],
        };
        NatRewriter.Apply(in frame, in r);
        TraceResult(w, i, in r);
    }

    /// <summary>Records in the trace (if any) the flow as packet <paramref name="i"/> leaves NAT.</summary>
    internal static void TraceResult(WorkerContext w, int i, in Rewrite r)
    {
        if (w.Trace is not null)
            TraceResult(w, w.State.Origin[i], w.State.Parsed.Flow[i], in r);
    }

    /// <summary>Records in the trace (if any) flow <paramref name="f"/> of the packet received at <paramref name="origin"/> as it leaves NAT.</summary>
    internal static void TraceResult(WorkerContext w, int origin, FlowKey f, in Rewrite r)
    {
        if (w.Trace is { } t)
        {
            if ((r.Fields & RewriteFields.Src) != 0)
                f = f.WithSource(r.SrcHigh, r.SrcLow, StageHelpers.HasPorts(f.Protocol) ? r.SrcPort : f.SourcePort);
            if ((r.Fields & RewriteFields.Dst) != 0)
                f = f.WithDestination(r.DstHigh, r.DstLow, StageHelpers.HasPorts(f.Protocol) ? r.DstPort : f.DestinationPort);
            t.NatResult[origin] = f;
            t.NatApplied[origin] = true;
        }
    }
}
