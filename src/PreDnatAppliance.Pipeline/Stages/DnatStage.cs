using PreDnatAppliance.Dataplane.Stages;
using PreDnatAppliance.Pipeline.Flows;
using PreDnatAppliance.Pipeline.Packets;
using PreDnatAppliance.Pipeline.Parsing;
using PreDnatAppliance.Pipeline.Runtime;
using PreDnatAppliance.Pipeline.Services;

namespace PreDnatAppliance.Pipeline.Stages;

/// <summary>
/// Stage 5, <c>dnat</c>: kube-proxy's nat PREROUTING for new flows. The service table (read once per burst from the
/// <see cref="ServiceTableHolder"/>) decides on the original tuple:
/// <list type="bullet">
/// <item>Dnat: the flow's NAT is recorded (conntrack commits it), the packet's rewrite is planned (the NAT stage
/// writes it after policy) and the destination the later stages see becomes the backend's;</item>
/// <item>Reject (no endpoints at all): the packet is turned into an ICMP / ICMPv6 port unreachable in place and sent
/// back out of the ingress port, at most <c>icmp.rejectRatePerSecond</c> per worker (else <c>reject-rate-limited</c>);</item>
/// <item>Drop (traffic policy Local, no local endpoint): <c>service-no-local-endpoints</c>;</item>
/// <item>NoService: unchanged.</item>
/// </list>
/// Tracked packets got their NAT from conntrack; host-originated packets are not service-NAT'd.
/// </summary>
public sealed unsafe class DnatStage : IBurstStage
{
    private readonly WorkerContext _w;

    public DnatStage(WorkerContext worker) => _w = worker;

    public string Name => "dnat";

    public void Process(Burst burst)
    {
        var w = _w;
        var st = w.State;
        if (st.Undecided == 0)
            return;
        var table = w.Table = w.Runtime.Services.Current;
        var parsed = st.Parsed;
        var h = parsed.Headers;
        var n = burst.Count;
        var drops = false;
        for (var i = 0; i < n; i++)
        {
            if ((st.Marks[i] & (PacketMarks.Arp | PacketMarks.Tracked | PacketMarks.FromKernel | PacketMarks.Untracked)) != 0 || h.IpVersion[i] == 0
                || (parsed.Flags[i] & PacketFlags.LaterFragment) != 0)
                continue;
            var decision = table.Lookup(in parsed.Flow[i], st.Now, w.Affinity);
            switch (decision.Verdict)
            {
                case ServiceVerdict.NoService:
                    continue;
                case ServiceVerdict.Dnat:
                {
                    var nat = decision.Nat;
                    st.Nat[i] = nat;
                    st.Rewrite[i] = Rewrite.Forward(nat);
                    if ((nat.Kind & NatKind.Dnat) != 0)
                        StageHelpers.SetDestination(h, i, nat.DstHigh, nat.DstLow, nat.DstPort, true);
                    w.RecordService(st.Origin[i], TraceVerdict.Dnat, decision.ServiceIndex);
                    break;
                }
                case ServiceVerdict.Reject:
                    w.RecordService(st.Origin[i], TraceVerdict.Reject, decision.ServiceIndex);
                    if (!w.RejectLimiter.TryTake(st.Now))
                    {
                        w.Counters.RejectSuppressed();
                        burst.Drop(i, DropReason.RejectRateLimited);
                        drops = true;
                    }
                    else if ((parsed.Flags[i] & PacketFlags.IcmpError) != 0
                             || !PacketBuilders.TryPortUnreachable(burst.Mbufs[i], parsed.L3Offset[i], parsed.L3Length[i], h.IpVersion[i], w.RxPort.Mac))
                    {
                        burst.Drop(i, DropReason.RejectNotPossible);
                        drops = true;
                    }
                    else
                    {
                        w.Counters.RejectSent();
                        st.Marks[i] |= PacketMarks.Answered;
                        st.EgressPort[i] = (short)st.RxPort;
                        if (w.Trace is { } t)
                            t.Outcome[st.Origin[i]] = PacketOutcome.Rejected;
                    }
                    break;
                case ServiceVerdict.Drop:
                    w.RecordService(st.Origin[i], TraceVerdict.Drop, decision.ServiceIndex);
                    burst.Drop(i, DropReason.ServiceNoLocalEndpoints);
                    drops = true;
                    break;
            }
        }
        if (drops)
            st.Compact(burst);
    }
}
