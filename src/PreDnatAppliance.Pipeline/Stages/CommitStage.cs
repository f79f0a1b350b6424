using PreDnatAppliance.Dataplane.Stages;
using PreDnatAppliance.Pipeline.Conntrack;
using PreDnatAppliance.Pipeline.Flows;
using PreDnatAppliance.Pipeline.Packets;
using PreDnatAppliance.Pipeline.Runtime;

namespace PreDnatAppliance.Pipeline.Stages;

/// <summary>
/// Commits the conntrack entries of the new flows policy accepted (only accepted flows get state: a denied SYN or a
/// flood that policy drops leaves nothing), with the NAT the DNAT stage chose; a re-evaluated SYN replaces its old
/// entry. When another packet of the flow committed first (same burst, or another lcore), its NAT wins: the packet
/// is re-planned and re-routed to that backend. Full table: <c>conntrack-full</c>; the NAT'd reply tuple taken:
/// <c>conntrack-clash</c>; a packet that cannot start a flow: <c>conntrack-invalid</c>.
/// </summary>
public sealed class CommitStage : IBurstStage
{
    private readonly WorkerContext _w;

    public CommitStage(WorkerContext worker) => _w = worker;

    public string Name => "commit";

    public void Process(Burst burst)
    {
        var w = _w;
        var st = w.State;
        if (st.Undecided == 0)
            return;
        var parsed = st.Parsed;
        var n = burst.Count;
        var drops = false;
        for (var i = 0; i < n; i++)
        {
            var marks = st.Marks[i];
            if ((marks & PacketMarks.Commit) == 0 || parsed.Headers.IpVersion[i] == 0)
                continue;
            var status = w.Conntrack.Commit(in parsed.Flow[i], in st.Nat[i], parsed.TcpFlags[i], st.Now, out var result,
                replace: (marks & PacketMarks.ReEvaluate) != 0);
            DropReason reason;
            switch (status)
            {
                case CtCommitStatus.Inserted:
                    continue;
                case CtCommitStatus.Existing:
                    if (result.Nat.Equals(st.Nat[i]))
                        continue;
                    reason = Replan(i, in result.Nat);
                    if (reason == DropReason.None)
                        continue;
                    break;
                case CtCommitStatus.Full:
                    reason = DropReason.ConntrackFull;
                    break;
                case CtCommitStatus.Clash:
                    reason = DropReason.ConntrackClash;
                    break;
                default:
                    reason = DropReason.ConntrackInvalid;
                    break;
            }
            burst.Drop(i, reason);
            drops = true;
        }
        if (drops)
            st.Compact(burst);
    }

    /// <summary>Another packet of the flow won the commit with another NAT: follow it (the flow's first decision stands).</summary>
    private DropReason Replan(int i, in NatRewrite nat)
    {
        var st = _w.State;
        st.Nat[i] = nat;
        st.Rewrite[i] = Rewrite.Forward(nat);
        var flow = st.Parsed.Flow[i];
        var dst = (nat.Kind & NatKind.Dnat) != 0 ? (nat.DstHigh, nat.DstLow) : (flow.DstHigh, flow.DstLow);
        StageHelpers.SetDestination(st.Parsed.Headers, i, dst.Item1, dst.Item2, (nat.Kind & NatKind.Dnat) != 0 ? nat.DstPort : flow.DestinationPort, true);
        return RoutingStage.Route(_w, i);
    }
}
