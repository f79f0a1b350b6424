using PreDnatAppliance.Dataplane.Configuration;
using PreDnatAppliance.Dataplane.Stages;
using PreDnatAppliance.Pipeline.Parsing;
using PreDnatAppliance.Pipeline.Runtime;

namespace PreDnatAppliance.Pipeline.Stages;

/// <summary>
/// Stage 1, <c>parse</c>: reads the burst clock, forwards the burst's established prefix (<see cref="EstablishedPrefix"/>;
/// when that is the whole burst, the burst is finished here and the other stages do not run), runs the
/// <see cref="ParseStage"/> (drop reasons 16-39), and starts the burst's <see cref="PacketState"/> rows (each packet's
/// received position, ARP and ingress-role marks; the prefix's packets marked fast-forwarded, so the stages leave them
/// alone). On a poll round that received nothing it reports the worker's quiescent point (<see cref="OnIdle"/>).
/// </summary>
public sealed unsafe class ParseStep : IBurstStage, IIdleAware
{
    private readonly WorkerContext _w;
    private readonly nint[] _received = new nint[Burst.MaxCapacity];
    private readonly EstablishedPrefix _prefix;

    public ParseStep(WorkerContext worker)
    {
        _w = worker;
        _prefix = new EstablishedPrefix(worker);
    }

    public string Name => "parse";

    /// <summary>
    /// No burst this round: the worker holds no policy or table reference, so it reports a quiescent point (two
    /// plain stores on its own cache lines; cheaper than going offline and online again, which needs a full fence).
    /// </summary>
    public void OnIdle() => _w.EndBurst();

    public void Process(Burst burst)
    {
        var w = _w;
        var st = w.State;
        st.Now = w.Clock.Now();
        var rx = burst.RxPort < w.PortIndexOfId.Length ? w.PortIndexOfId[burst.RxPort] : (short)-1;
        var n = burst.Count;
        w.BeginBurst();
        w.Trace?.Begin(burst.Mbufs, n);
        if (rx < 0)
        {
            w.Counters.Verdicts(TraceStage.Parse, TraceVerdict.Drop, n);
            burst.DropAll(DropReason.NoEgress);
            return;
        }
        st.RxPort = rx;
        var forwarded = _prefix.Forward(burst);
        if (forwarded == n)
        {
            // What the conntrack and out stages do at the end of every burst.
            w.Conntrack.Sweep(st.Now);
            w.EndBurst();
            burst.Finish();
            return;
        }
        for (var i = 0; i < n; i++)
            _received[i] = burst.Mbufs[i];

        // The prefix's packets are not parsed: every stage skips them by their FastForwarded mark.
        w.Parse.Process(burst, forwarded);

        w.Counters.Verdicts(TraceStage.Parse, TraceVerdict.Drop, n - burst.Count);
        n = burst.Count;
        st.Reset(n);
        var role = w.Runtime.Ports[rx].Role;
        var roleMark = role == PortRole.Kernel ? PacketMarks.FromKernel : role == PortRole.WorkloadEndpoint ? PacketMarks.FromWorkload : PacketMarks.None;
        var flags = st.Parsed.Flags;
        var k = 0;
        for (var i = 0; i < n; i++)
        {
            while (_received[k] != burst.Mbufs[i])
                k++;
            st.Origin[i] = (byte)k++;
            if (i < forwarded)
            {
                // Counted and traced by the prefix.
                var flow = _prefix.FlowOf(i);
                st.Marks[i] = roleMark | PacketMarks.Tracked | PacketMarks.FastForwarded | ((flow & 1) != 0 ? PacketMarks.Reply : PacketMarks.None);
                st.Entry[i] = flow >> 1;
                st.EntryGeneration[i] = _prefix.GenerationOf(i);
                continue;
            }
            st.Marks[i] = roleMark | ((flags[i] & (PacketFlags.Arp | PacketFlags.NeighbourDiscovery)) != 0 ? PacketMarks.Arp : PacketMarks.None);
            w.Record(st.Origin[i], TraceStage.Parse, TraceVerdict.Ok);
        }
        st.Undecided = n - forwarded;
    }
}
