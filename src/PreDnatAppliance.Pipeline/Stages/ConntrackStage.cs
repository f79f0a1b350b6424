using PreDnatAppliance.Dataplane.Stages;
using PreDnatAppliance.Pipeline.Conntrack;
using PreDnatAppliance.Pipeline.Flows;
using PreDnatAppliance.Pipeline.Packets;
using PreDnatAppliance.Pipeline.Runtime;

namespace PreDnatAppliance.Pipeline.Stages;

/// <summary>
/// Stage 2, <c>conntrack</c>: one batch lookup per burst (nf_conntrack_in for the burst; it also advances the flows'
/// state). Established and related packets are marked tracked: every policy stage skips them, and their NAT is
/// planned here — the stored NAT in the original direction, its reverse in the reply direction, and for an ICMP
/// error about a NAT'd flow the outer and embedded headers (<see cref="Rewrite.Related"/>); the destination the
/// routing stage sees becomes the rewritten one. Invalid packets drop (<c>conntrack-invalid</c>, as Calico's tracked
/// chains drop INVALID). New packets go on to policy; a SYN on an established or closing entry is re-evaluated
/// (policy runs again; the commit replaces the entry). An established packet whose flow's forwarding decision is cached
/// is forwarded here (<see cref="ForwardingCache"/>): the later stages skip it. Ends with the incremental sweep.
/// </summary>
public sealed class ConntrackStage : IBurstStage
{
    private readonly WorkerContext _w;
    private readonly CtResult[] _results = new CtResult[Burst.MaxCapacity];

    // Scratch for bursts with untracked or prefix-forwarded packets: only the others are looked up.
    private readonly FlowKey[] _flows = new FlowKey[Burst.MaxCapacity];
    private readonly byte[] _tcpFlags = new byte[Burst.MaxCapacity];
    private readonly Parsing.PacketFlags[] _packetFlags = new Parsing.PacketFlags[Burst.MaxCapacity];
    private readonly FlowKey[] _embedded = new FlowKey[Burst.MaxCapacity];
    private readonly CtResult[] _gathered = new CtResult[Burst.MaxCapacity];
    private readonly int[] _rowOf = new int[Burst.MaxCapacity];

    public ConntrackStage(WorkerContext worker) => _w = worker;

    public string Name => "conntrack";

    public void Process(Burst burst)
    {
        var w = _w;
        var st = w.State;
        var parsed = st.Parsed;
        var h = parsed.Headers;
        var n = burst.Count;
        var ct = w.Conntrack;
        var fast = w.Forwarding;
        fast.BeginBurst(w.Policy!.Generation, w.Runtime.Neighbours);
        // Untracked packets never touch conntrack; the established prefix's were looked up already.
        var skipSome = false;
        for (var i = 0; i < n && !skipSome; i++)
            skipSome = (st.Marks[i] & (PacketMarks.Untracked | PacketMarks.FastForwarded)) != 0;
        if (!skipSome)
            ct.Lookup(parsed, n, _results, st.Now);
        else
            LookupTracked(n);
        var drops = false;
        var undecided = 0;
        for (var i = 0; i < n; i++)
        {
            if ((st.Marks[i] & PacketMarks.FastForwarded) != 0)
                continue;
            if ((st.Marks[i] & (PacketMarks.Arp | PacketMarks.Untracked)) != 0 || h.IpVersion[i] == 0)
            {
                if ((st.Marks[i] & PacketMarks.Arp) == 0)
                    undecided++;
                continue;
            }
            ref readonly var r = ref _results[i];
            var origin = st.Origin[i];
            switch (r.Verdict)
            {
                case CtVerdict.New:
                    undecided++;
                    w.Record(origin, TraceStage.Conntrack, TraceVerdict.New);
                    break;
                case CtVerdict.ReEvaluate:
                    undecided++;
                    st.Marks[i] |= PacketMarks.ReEvaluate;
                    w.Record(origin, TraceStage.Conntrack, TraceVerdict.ReEvaluate);
                    break;
                case CtVerdict.Invalid:
                    w.Record(origin, TraceStage.Conntrack, TraceVerdict.Invalid);
                    burst.Drop(i, DropReason.ConntrackInvalid);
                    drops = true;
                    break;
                case CtVerdict.Established:
                case CtVerdict.Related:
                {
                    var related = r.Verdict == CtVerdict.Related;
                    var reply = r.Direction == CtDirection.Reply;
                    st.Marks[i] |= PacketMarks.Tracked | (reply ? PacketMarks.Reply : 0) | (related ? PacketMarks.Related : 0);
                    st.Entry[i] = r.Entry;
                    st.EntryGeneration[i] = r.Generation;
                    w.Record(origin, TraceStage.Conntrack, related ? TraceVerdict.Related : reply ? TraceVerdict.Reply : TraceVerdict.Established);
                    if (!related && fast.TryForward(w, burst, i, r.Entry, r.Generation, reply ? 1 : 0, out var fastDrop))
                    {
                        if (fastDrop != DropReason.None)
                        {
                            burst.Drop(i, fastDrop);
                            drops = true;
                        }
                        break;
                    }
                    var nat = r.Nat;
                    if (r.NatDeferred && !ct.Table.TryNat(r.Entry, r.Generation, out nat))
                    {
                        // The entry went away between the lookup and now (expired, purged): treat as invalid.
                        burst.Drop(i, DropReason.ConntrackInvalid);
                        drops = true;
                        break;
                    }
                    st.Nat[i] = nat;
                    if (nat.Kind == NatKind.None)
                        break;
                    if (!PlanRewrite(i, in nat, r.Entry, related, reply))
                    {
                        // The entry went away between the lookup and now (expired, purged): treat as invalid.
                        burst.Drop(i, DropReason.ConntrackInvalid);
                        drops = true;
                    }
                    break;
                }
            }
        }
        st.Undecided = undecided;
        ct.Sweep(st.Now);
        if (drops)
            st.Compact(burst);
    }

    private void LookupTracked(int n)
    {
        var st = _w.State;
        var parsed = st.Parsed;
        var m = 0;
        for (var i = 0; i < n; i++)
        {
            if ((st.Marks[i] & (PacketMarks.Untracked | PacketMarks.FastForwarded)) != 0)
                continue;
            _flows[m] = parsed.Flow[i];
            _tcpFlags[m] = parsed.TcpFlags[i];
            _packetFlags[m] = parsed.Flags[i];
            _embedded[m] = parsed.EmbeddedFlow[i];
            _rowOf[m++] = i;
        }
        _w.Conntrack.Lookup(_flows.AsSpan(0, m), _tcpFlags.AsSpan(0, m), _packetFlags.AsSpan(0, m), _embedded.AsSpan(0, m), _gathered.AsSpan(0, m), st.Now);
        for (var k = 0; k < m; k++)
            _results[_rowOf[k]] = _gathered[k];
    }

    private bool PlanRewrite(int i, in NatRewrite nat, int entry, bool related, bool reply)
    {
        var st = _w.State;
        Rewrite rewrite;
        if (!related && !reply)
            rewrite = Rewrite.Forward(nat);
        else
        {
            // The reverse needs the flow's original tuple (the frontend and the client), which the entry keeps.
            if (_w.Conntrack.Table.View(entry) is not { } view)
                return false;
            var original = view.Original;
            rewrite = related ? Rewrite.Related(nat, original, reply) : Rewrite.Reverse(nat, original);
        }
        st.Rewrite[i] = rewrite;
        if ((rewrite.Fields & RewriteFields.Dst) != 0)
            StageHelpers.SetDestination(st.Parsed.Headers, i, rewrite.DstHigh, rewrite.DstLow, rewrite.DstPort, !related);
        return true;
    }
}
