using PreDnatAppliance.Classification;
using PreDnatAppliance.Dataplane.Stages;
using PreDnatAppliance.Pipeline.Runtime;

namespace PreDnatAppliance.Pipeline.Stages;

/// <summary>
/// Stage 4, <c>prednat</c>: the ingress interface's host endpoint pre-DNAT program (the generated classifier), on
/// the packet as it arrived. A burst comes from one port, so this is one classifier call per burst. Deny drops
/// (<c>prednat-deny</c>); Allow marks the packet host-ingress-approved (the ingress HEP's normal and forward ingress
/// checks are skipped later; workload and egress-HEP policy still run); no decision goes on (no default drop).
/// Only new flows: conntrack-tracked packets, failsafe hits and host-originated packets skip it.
/// </summary>
public sealed class PreDnatStage : IBurstStage
{
    private readonly WorkerContext _w;

    public PreDnatStage(WorkerContext worker) => _w = worker;

    public string Name => "prednat";

    public void Process(Burst burst)
    {
        var w = _w;
        if (w.State.Undecided == 0)
            return;
        var hep = w.RxHostEndpoint;
        if (hep is null || hep.PreDnatIn < 0)
            return;
        var st = w.State;
        var runner = w.Programs;
        var h = st.Parsed.Headers;
        var n = burst.Count;
        for (var i = 0; i < n; i++)
            if ((st.Marks[i] & (PacketMarks.Arp | PacketMarks.Tracked | PacketMarks.FailsafeIn | PacketMarks.FromKernel | PacketMarks.Untracked)) == 0 && h.IpVersion[i] != 0)
                runner.ProgramOf[i] = hep.PreDnatIn;
        if (!runner.Run(h, n, w.Policy!.Model.Programs))
            return;
        var drops = false;
        for (var i = 0; i < n; i++)
        {
            if (!runner.Ran[i])
                continue;
            var verdict = runner.Verdict[i];
            w.Record(st.Origin[i], TraceStage.PreDnat, StageHelpers.Verdict(verdict), runner.Rule[i]);
            if (verdict == PolicyVerdict.Allow)
                st.Marks[i] |= PacketMarks.HostIngressApproved;
            else if (verdict == PolicyVerdict.Deny)
            {
                burst.Drop(i, DropReason.PreDnatDeny);
                drops = true;
            }
        }
        if (drops)
            st.Compact(burst);
    }
}
