using PreDnatAppliance.Dataplane.Stages;
using PreDnatAppliance.Pipeline.Parsing;
using PreDnatAppliance.Pipeline.Runtime;

namespace PreDnatAppliance.Pipeline.Stages;

/// <summary>
/// Stage 3, <c>failsafe</c>: Calico iptables' <c>cali-failsafe-in</c> in mangle PREROUTING. A new flow arriving on a
/// host endpoint whose protocol and <b>original</b> destination port (and source, against the entry's net) match an
/// inbound failsafe skips pre-DNAT policy, and nothing else: it is a plain accept that sets no mark, so NodePort DNAT
/// and normal policy still run (normal host ingress has its own failsafe check). Only where the pre-DNAT program could
/// decide at all (PolicyExplainer's rule).
/// </summary>
public sealed class FailsafeStage : IBurstStage
{
    private readonly WorkerContext _w;

    public FailsafeStage(WorkerContext worker) => _w = worker;

    public string Name => "failsafe";

    public void Process(Burst burst)
    {
        var w = _w;
        if (w.State.Undecided == 0)
            return;
        var hep = w.RxHostEndpoint;
        var failsafes = w.Policy!.Model.InboundFailsafes;
        if (hep is null || !hep.PreDnatCanDecide || failsafes.Length == 0)
            return;
        var st = w.State;
        var h = st.Parsed.Headers;
        var flags = st.Parsed.Flags;
        var n = burst.Count;
        for (var i = 0; i < n; i++)
        {
            if ((st.Marks[i] & (PacketMarks.Arp | PacketMarks.Tracked | PacketMarks.FromKernel | PacketMarks.Untracked)) != 0
                || (flags[i] & PacketFlags.LaterFragment) != 0)
                continue;
            var protocol = h.Protocol[i];
            if (!StageHelpers.HasPorts(protocol))
                continue;
            var port = h.DstPort[i];
            StageHelpers.Source(h, i, out var v, out var sh, out var sl);
            for (var f = 0; f < failsafes.Length; f++)
            {
                ref readonly var e = ref failsafes[f];
                if (e.Protocol != protocol || e.Port != port || (e.HasNet && !e.Net.Contains(v, sh, sl)))
                    continue;
                st.Marks[i] |= PacketMarks.FailsafeIn;
                w.Record(st.Origin[i], TraceStage.Failsafe, TraceVerdict.Allow, e.Rule);
                break;
            }
        }
    }
}
