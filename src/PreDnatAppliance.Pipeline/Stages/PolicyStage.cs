using PreDnatAppliance.Classification;
using PreDnatAppliance.Dataplane.Stages;
using PreDnatAppliance.Pipeline.Runtime;

namespace PreDnatAppliance.Pipeline.Stages;

/// <summary>
/// Stage 7, normal policy on the post-DNAT packet (filter INPUT / FORWARD / OUTPUT), for new flows only, in two
/// passes so that each pass makes one classifier call per distinct program:
/// <list type="number">
/// <item>the ingress side: host-bound packets run the ingress host endpoint's normal ingress program (<c>host</c>;
/// inbound failsafes first; skipped when pre-DNAT allowed), forwarded packets and packets to local workloads its
/// applyOnForward ingress program (<c>forward</c>; skipped when pre-DNAT allowed; no failsafes); packets from a
/// local workload its egress program (<c>workload</c>); host-originated packets the egress host endpoint's normal
/// egress program (<c>host</c>; outbound failsafes first);</item>
/// <item>the egress side: forwarded packets run the egress host endpoint's applyOnForward egress program
/// (<c>forward</c>), packets to a local workload its ingress program (<c>workload</c>: default deny when selected,
/// then profiles) even when pre-DNAT allowed them.</item>
/// </list>
/// An interface without a host endpoint is not policed. Deny drops with the stage's reason; accepted new flows are
/// marked for the conntrack commit.
/// </summary>
public sealed unsafe class PolicyStage : IBurstStage
{
    private readonly WorkerContext _w;
    private readonly TraceStage[] _stageOf = new TraceStage[Burst.MaxCapacity];

    public PolicyStage(WorkerContext worker) => _w = worker;

    public string Name => "policy";

    public void Process(Burst burst)
    {
        var w = _w;
        var st = w.State;
        if (st.Undecided == 0)
            return;
        var n = burst.Count;
        var drops = IngressSide(burst, n);
        drops |= EgressSide(burst, n);
        for (var i = 0; i < n; i++)
            if ((st.Marks[i] & (PacketMarks.Arp | PacketMarks.Answered | PacketMarks.Tracked | PacketMarks.Untracked)) == 0 && burst.Verdicts[i] == 0)
                st.Marks[i] |= PacketMarks.Commit;
        if (drops)
            st.Compact(burst);
    }

    private static bool IsNew(PacketMarks marks) => (marks & (PacketMarks.Arp | PacketMarks.Answered | PacketMarks.Tracked)) == 0;

    private bool IngressSide(Burst burst, int n)
    {
        var w = _w;
        var rt = w.Runtime;
        var st = w.State;
        var h = st.Parsed.Headers;
        var runner = w.Programs;
        var ingress = w.RxHostEndpoint;
        for (var i = 0; i < n; i++)
        {
            var marks = st.Marks[i];
            if (!IsNew(marks))
                continue;
            var origin = st.Origin[i];
            if ((marks & PacketMarks.FromKernel) != 0)
            {
                // Host-originated: the egress host endpoint's normal egress policy, outbound failsafes first.
                var egressHep = w.Policy!.HostEndpointOf(st.EgressPort[i]);
                if (egressHep is null || egressHep.HostOut < 0)
                    continue;
                if ((marks & PacketMarks.Untracked) != 0)
                {
                    w.Record(origin, TraceStage.Host, TraceVerdict.Skip);   // untracked egress allowed it
                    continue;
                }
                if (Failsafe(w.Policy!.Model.OutboundFailsafes, h, i, outbound: true) is { } rule)
                {
                    w.Record(origin, TraceStage.Host, TraceVerdict.Allow, rule);
                    continue;
                }
                runner.ProgramOf[i] = egressHep.HostOut;
                _stageOf[i] = TraceStage.Host;
                continue;
            }
            if ((marks & PacketMarks.FromWorkload) != 0 && st.SourceWorkload[i] >= 0)
            {
                var source = w.Policy!.Model.Workloads[st.SourceWorkload[i]];
                if (source.Out >= 0)
                {
                    runner.ProgramOf[i] = source.Out;
                    _stageOf[i] = TraceStage.Workload;
                }
                continue;
            }
            if (ingress is null)
                continue;
            var approved = (marks & PacketMarks.HostIngressApproved) != 0;
            if (st.Destination[i] == DestinationClass.Host)
            {
                if (approved)
                    w.Record(origin, TraceStage.Host, TraceVerdict.Skip);
                else if (Failsafe(w.Policy!.Model.InboundFailsafes, h, i, outbound: false) is { } rule)
                    w.Record(origin, TraceStage.Host, TraceVerdict.Allow, rule);
                else if (ingress.HostIn >= 0)
                {
                    runner.ProgramOf[i] = ingress.HostIn;
                    _stageOf[i] = TraceStage.Host;
                }
            }
            else if (approved)
                w.Record(origin, TraceStage.Forward, TraceVerdict.Skip);
            else if (ingress.ForwardIn >= 0)
            {
                runner.ProgramOf[i] = ingress.ForwardIn;
                _stageOf[i] = TraceStage.Forward;
            }
        }
        return Apply(burst, n);
    }

    private bool EgressSide(Burst burst, int n)
    {
        var w = _w;
        var rt = w.Runtime;
        var st = w.State;
        var runner = w.Programs;
        for (var i = 0; i < n; i++)
        {
            var marks = st.Marks[i];
            if (!IsNew(marks) || burst.Verdicts[i] != 0 || (marks & PacketMarks.FromKernel) != 0)
                continue;
            switch (st.Destination[i])
            {
                case DestinationClass.LocalWorkload:
                {
                    var workload = w.Policy!.Model.Workloads[st.Workload[i]];
                    if (workload.In >= 0)
                    {
                        runner.ProgramOf[i] = workload.In;
                        _stageOf[i] = TraceStage.Workload;
                    }
                    break;
                }
                case DestinationClass.Forwarded:
                {
                    var egressHep = w.Policy!.HostEndpointOf(st.EgressPort[i]);
                    if (egressHep is not null && egressHep.ForwardOut >= 0)
                    {
                        runner.ProgramOf[i] = egressHep.ForwardOut;
                        _stageOf[i] = TraceStage.Forward;
                    }
                    break;
                }
            }
        }
        return Apply(burst, n);
    }

    /// <summary>Runs the programs chosen per packet; records the trace; marks denied packets. Returns whether any was denied.</summary>
    private bool Apply(Burst burst, int n)
    {
        var w = _w;
        var st = w.State;
        var runner = w.Programs;
        if (!runner.Run(st.Parsed.Headers, n, w.Policy!.Model.Programs))
            return false;
        var drops = false;
        for (var i = 0; i < n; i++)
        {
            if (!runner.Ran[i])
                continue;
            var verdict = runner.Verdict[i];
            var stage = _stageOf[i];
            w.Record(st.Origin[i], stage, StageHelpers.Verdict(verdict), runner.Rule[i]);
            if (verdict != PolicyVerdict.Deny)
                continue;
            burst.Drop(i, stage switch
            {
                TraceStage.Host => DropReason.HostDeny,
                TraceStage.Workload => DropReason.WorkloadDeny,
                _ => DropReason.ForwardDeny,
            });
            drops = true;
        }
        return drops;
    }

    /// <summary>The failsafe rule matching the packet (inbound: protocol, destination port, source in net; outbound: destination in net), or null.</summary>
    private static uint? Failsafe(FailsafeEntry[] failsafes, HeaderBatch h, int i, bool outbound)
    {
        var protocol = h.Protocol[i];
        if (failsafes.Length == 0 || !StageHelpers.HasPorts(protocol))
            return null;
        var port = h.DstPort[i];
        byte v;
        ulong ah, al;
        if (outbound)
            StageHelpers.Destination(h, i, out v, out ah, out al);
        else
            StageHelpers.Source(h, i, out v, out ah, out al);
        for (var f = 0; f < failsafes.Length; f++)
        {
            ref readonly var e = ref failsafes[f];
            if (e.Protocol == protocol && e.Port == port && (!e.HasNet || e.Net.Contains(v, ah, al)))
                return e.Rule;
        }
        return null;
    }
}
