using PreDnatAppliance.Classification;
using PreDnatAppliance.Dataplane.Configuration;
using PreDnatAppliance.Dataplane.Stages;
using PreDnatAppliance.Pipeline.Parsing;
using PreDnatAppliance.Pipeline.Runtime;

namespace PreDnatAppliance.Pipeline.Stages;

/// <summary>
/// Stage 1, <c>untracked</c> (raw PREROUTING and raw OUTPUT): host endpoints' untracked (doNotTrack) programs,
/// stateless, before conntrack (there is no "new flow" here: untracked policy sees every packet, replies included).
/// <list type="bullet">
/// <item>From the wire: the ingress host endpoint's untracked ingress program. Raw failsafes first: the inbound
/// failsafes, and replies from outbound failsafe ports (source port and source net), so untracked policy cannot cut
/// half of a failsafe connection. Allow marks the packet untracked: no conntrack lookup or entry, no pre-DNAT policy,
/// no service NAT (iptables' NOTRACK skips the nat table), and the ingress host endpoint's normal and forward ingress
/// checks are skipped; workload policy and the egress host endpoint's forward policy still run.</item>
/// <item>Host-originated (from the kernel port): the egress host endpoint's untracked egress program, the port found by
/// routing the packet here (host-originated packets are not DNAT'd, so the routing stage later agrees). Raw failsafes
/// first: outbound failsafes (destination port and net) and replies from inbound failsafe ports (source port,
/// destination in net). Allow marks the packet untracked: no conntrack, and the egress host endpoint's normal egress
/// check is skipped.</item>
/// </list>
/// Deny drops (<c>untracked-deny</c>). Only programs with a tier run.
/// </summary>
public sealed class UntrackedStage : IBurstStage
{
    private readonly WorkerContext _w;

    public UntrackedStage(WorkerContext worker) => _w = worker;

    public string Name => "untracked";

    public void Process(Burst burst)
    {
        var hostOriginated = _w.RxPort.Role == PortRole.Kernel;
        if (hostOriginated ? !ChooseEgressPrograms(burst.Count) : !ChooseIngressPrograms(burst.Count))
            return;
        // Host-originated packets have no ingress host endpoint checks to approve; the policy stage skips their egress check on Untracked.
        var allowMarks = hostOriginated ? PacketMarks.Untracked : PacketMarks.Untracked | PacketMarks.HostIngressApproved;
        var w = _w;
        var st = w.State;
        var runner = w.Programs;
        var n = burst.Count;
        if (!runner.Run(st.Parsed.Headers, n, w.Policy!.Model.Programs))
            return;
        var drops = false;
        for (var i = 0; i < n; i++)
        {
            if (!runner.Ran[i])
                continue;
            var verdict = runner.Verdict[i];
            w.Record(st.Origin[i], TraceStage.Untracked, StageHelpers.Verdict(verdict), runner.Rule[i]);
            if (verdict == PolicyVerdict.Allow)
                st.Marks[i] |= allowMarks;
            else if (verdict == PolicyVerdict.Deny)
            {
                burst.Drop(i, DropReason.UntrackedDeny);
                drops = true;
            }
        }
        if (drops)
            st.Compact(burst);
    }

    /// <summary>
    /// Whether untracked policy can see this burst: the ingress host endpoint has an untracked ingress program (from the
    /// wire) or some port has an untracked egress program (host-originated). When not, the stage does nothing, which
    /// the established-flow prefix relies on.
    /// </summary>
    internal static bool Applies(WorkerContext w)
    {
        if (w.RxPort.Role == PortRole.Kernel)
            return w.Policy!.AnyUntrackedEgress;
        var hep = w.RxHostEndpoint;
        return hep is not null && hep.UntrackedCanDecide && hep.UntrackedIn >= 0;
    }

    /// <summary>The ingress host endpoint's untracked ingress program for every IP packet not passed by a raw failsafe; false when there is none.</summary>
    private bool ChooseIngressPrograms(int n)
    {
        var w = _w;
        if (!Applies(w))
            return false;
        var hep = w.RxHostEndpoint!;
        var st = w.State;
        var h = st.Parsed.Headers;
        var policy = w.Policy!.Model;
        for (var i = 0; i < n; i++)
        {
            if (!Candidate(i))
                continue;
            if (RawFailsafe(policy.InboundFailsafes, policy.OutboundFailsafes, h, i, outbound: false) is { } rule)
                w.Record(st.Origin[i], TraceStage.Untracked, TraceVerdict.Pass, rule);
            else
                w.Programs.ProgramOf[i] = hep.UntrackedIn;
        }
        return true;
    }

    /// <summary>Routes each host-originated IP packet and picks its egress host endpoint's untracked egress program; false when no port has one.</summary>
    private bool ChooseEgressPrograms(int n)
    {
        var w = _w;
        var snapshot = w.Policy!;
        if (!Applies(w))
            return false;
        var policy = snapshot.Model;
        var st = w.State;
        var h = st.Parsed.Headers;
        for (var i = 0; i < n; i++)
        {
            // Unroutable packets are left to the routing stage's drop.
            if (!Candidate(i) || RoutingStage.Route(w, i) != DropReason.None)
                continue;
            var hep = snapshot.HostEndpointOf(st.EgressPort[i]);
            if (hep is null || hep.UntrackedOut < 0)
                continue;
            if (RawFailsafe(policy.OutboundFailsafes, policy.InboundFailsafes, h, i, outbound: true) is { } rule)
                w.Record(st.Origin[i], TraceStage.Untracked, TraceVerdict.Pass, rule);
            else
                w.Programs.ProgramOf[i] = hep.UntrackedOut;
        }
        return true;
    }

    private bool Candidate(int i) =>
        (_w.State.Marks[i] & PacketMarks.Arp) == 0 && _w.State.Parsed.Headers.IpVersion[i] != 0;

    /// <summary>
    /// Felix's raw failsafe chains: a failsafe of this direction by destination port, or a reply from one of the other
    /// direction by source port; the net is the remote end's (the source inbound, the destination outbound).
    /// Later fragments carry no ports and match none.
    /// </summary>
    private uint? RawFailsafe(FailsafeEntry[] sameDirection, FailsafeEntry[] otherDirection, HeaderBatch h, int i, bool outbound)
    {
        var protocol = h.Protocol[i];
        if (!StageHelpers.HasPorts(protocol) || (_w.State.Parsed.Flags[i] & PacketFlags.LaterFragment) != 0)
            return null;
        byte v;
        ulong rh, rl;
        if (outbound)
            StageHelpers.Destination(h, i, out v, out rh, out rl);
        else
            StageHelpers.Source(h, i, out v, out rh, out rl);
        foreach (var e in sameDirection)
            if (e.Protocol == protocol && e.Port == h.DstPort[i] && (!e.HasNet || e.Net.Contains(v, rh, rl)))
                return e.Rule;
        foreach (var e in otherDirection)
            if (e.Protocol == protocol && e.Port == h.SrcPort[i] && (!e.HasNet || e.Net.Contains(v, rh, rl)))
                return e.Rule;
        return null;
    }
}
