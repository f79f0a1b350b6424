using PreDnatAppliance.Dataplane.Stages;
using PreDnatAppliance.Pipeline.Runtime;

namespace PreDnatAppliance.Pipeline.Stages;

/// <summary>
/// Stage 6, routing on the post-DNAT destination: the host itself (node, port and host endpoint addresses: punted to
/// the kernel port), a local workload endpoint (its interface's port if one has that name, else by route), or
/// forwarded by the longest matching route (static, then connected). No route: <c>no-route</c>; host-bound with no
/// kernel port: <c>no-kernel-port</c>. Host-originated packets (from the kernel port) are always routed.
/// </summary>
public sealed class RoutingStage : IBurstStage
{
    private readonly WorkerContext _w;

    public RoutingStage(WorkerContext worker) => _w = worker;

    public string Name => "route";

    public void Process(Burst burst)
    {
        var w = _w;
        var st = w.State;
        var n = burst.Count;
        var drops = false;
        for (var i = 0; i < n; i++)
        {
            if ((st.Marks[i] & (PacketMarks.Arp | PacketMarks.Answered | PacketMarks.FastForwarded)) != 0)
                continue;
            var reason = Route(w, i);
            if (reason != DropReason.None)
            {
                burst.Drop(i, reason);
                drops = true;
            }
        }
        if (drops)
            st.Compact(burst);
    }

    /// <summary>Routes packet <paramref name="i"/> on its current (post-NAT) destination; returns the drop reason, or None.</summary>
    internal static DropReason Route(WorkerContext w, int i)
    {
        var rt = w.Runtime;
        var st = w.State;
        var h = st.Parsed.Headers;
        var marks = st.Marks[i];
        StageHelpers.Destination(h, i, out var v, out var dh, out var dl);
        if ((marks & PacketMarks.FromWorkload) != 0)
        {
            StageHelpers.Source(h, i, out var sv, out var sh, out var sl);
            st.SourceWorkload[i] = (short)w.Policy!.WorkloadOf(sv, sh, sl);
        }
        if ((marks & PacketMarks.FromKernel) == 0 && rt.IsHost(v, dh, dl))
        {
            st.Destination[i] = DestinationClass.Host;
            if (rt.KernelPort < 0)
                return DropReason.NoKernelPort;
            st.EgressPort[i] = (short)rt.KernelPort;
            return DropReason.None;
        }
        var workload = w.Policy!.WorkloadOf(v, dh, dl);
        if (workload >= 0)
        {
            st.Destination[i] = DestinationClass.LocalWorkload;
            st.Workload[i] = (short)workload;
            if (rt.PortIndexByName.TryGetValue(w.Policy!.Model.Workloads[workload].InterfaceName, out var own))
            {
                st.EgressPort[i] = (short)own;
                st.NextHopHigh[i] = dh;
                st.NextHopLow[i] = dl;
                return DropReason.None;
            }
        }
        else
            st.Destination[i] = DestinationClass.Forwarded;
        if (!rt.Routes.Lookup(v, dh, dl, out var port, out st.NextHopHigh[i], out st.NextHopLow[i]))
            return DropReason.NoRoute;
        st.EgressPort[i] = (short)port;
        return DropReason.None;
    }
}
