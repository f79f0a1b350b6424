using PreDnatAppliance.Classification;
using PreDnatAppliance.Dataplane.Stages;
using PreDnatAppliance.Pipeline.Parsing;
using PreDnatAppliance.Pipeline.Runtime;

namespace PreDnatAppliance.Pipeline.Stages;

/// <summary>
/// Stage 1, <c>untracked</c> (raw PREROUTING): the ingress host endpoint's untracked (doNotTrack) ingress program,
/// stateless, before conntrack, for every IP packet from the wire (there is no "new flow" here: untracked policy sees
/// every packet, replies included). Raw failsafes first: the inbound failsafes, and replies from outbound failsafe
/// ports (source port and source net), so untracked policy cannot cut half of a failsafe connection. Deny drops
/// (<c>untracked-deny</c>). Allow marks the packet untracked: no conntrack lookup or entry, no pre-DNAT policy, no
/// service NAT (iptables' NOTRACK skips the nat table), and the ingress host endpoint's normal and forward ingress
/// checks are skipped; workload policy and the egress host endpoint's forward policy still run. Only on ports whose
/// untracked program has a tier.
/// </summary>
public sealed class UntrackedStage : IBurstStage
{
    private readonly WorkerContext _w;

    public UntrackedStage(WorkerContext worker) => _w = worker;

    public string Name => "untracked";

    public void Process(Burst burst)
    {
        var w = _w;
        var hep = w.RxHostEndpoint;
        if (hep is null || !hep.UntrackedCanDecide || hep.UntrackedIn < 0)
            return;
        var st = w.State;
        var h = st.Parsed.Headers;
        var flags = st.Parsed.Flags;
        var runner = w.Programs;
        var policy = w.Policy!.Model;
        var n = burst.Count;
        for (var i = 0; i < n; i++)
        {
            if ((st.Marks[i] & (PacketMarks.Arp | PacketMarks.FromKernel)) != 0 || h.IpVersion[i] == 0)
                continue;
            if ((flags[i] & PacketFlags.LaterFragment) == 0 && RawFailsafe(policy, h, i) is { } rule)
            {
                w.Record(st.Origin[i], TraceStage.Untracked, TraceVerdict.Pass, rule);
                continue;
            }
            runner.ProgramOf[i] = hep.UntrackedIn;
        }
        if (!runner.Run(h, n, policy.Programs))
            return;
        var drops = false;
        for (var i = 0; i < n; i++)
        {
            if (!runner.Ran[i])
                continue;
            var verdict = runner.Verdict[i];
            w.Record(st.Origin[i], TraceStage.Untracked, StageHelpers.Verdict(verdict), runner.Rule[i]);
            if (verdict == PolicyVerdict.Allow)
                st.Marks[i] |= PacketMarks.Untracked | PacketMarks.HostIngressApproved;
            else if (verdict == PolicyVerdict.Deny)
            {
                burst.Drop(i, DropReason.UntrackedDeny);
                drops = true;
            }
        }
        if (drops)
            st.Compact(burst);
    }

    /// <summary>Felix's raw failsafe-in: an inbound failsafe (destination port, source in net), or a reply from an outbound one (source port, source in net).</summary>
    private static uint? RawFailsafe(PolicyModel policy, HeaderBatch h, int i)
    {
        var protocol = h.Protocol[i];
        if (!StageHelpers.HasPorts(protocol))
            return null;
        StageHelpers.Source(h, i, out var v, out var sh, out var sl);
        foreach (var e in policy.InboundFailsafes)
            if (e.Protocol == protocol && e.Port == h.DstPort[i] && (!e.HasNet || e.Net.Contains(v, sh, sl)))
                return e.Rule;
        foreach (var e in policy.OutboundFailsafes)
            if (e.Protocol == protocol && e.Port == h.SrcPort[i] && (!e.HasNet || e.Net.Contains(v, sh, sl)))
                return e.Rule;
        return null;
    }
}
