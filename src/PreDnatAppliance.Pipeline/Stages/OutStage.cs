using PreDnatAppliance.Dataplane.Interop;
using PreDnatAppliance.Dataplane.Stages;
using PreDnatAppliance.Pipeline.Packets;
using PreDnatAppliance.Pipeline.Routing;
using PreDnatAppliance.Pipeline.Runtime;

namespace PreDnatAppliance.Pipeline.Stages;

/// <summary>
/// Stage 8, <c>out</c>: L2 and the egress port.
/// <list type="bullet">
/// <item>Answers (ICMP unreachable, ARP reply) leave by the port they came from.</item>
/// <item>ARP from the wire: a request for a node address is answered with the port's MAC (Linux answers for any local
/// address on any interface); the sender of anything addressed to a node address is learned; replies are also punted
/// to the kernel; ARP for other addresses is dropped (<c>arp-not-for-us</c>). ARP requests from the kernel port are
/// answered by proxy with the MAC of the port the target is routed through.</item>
/// <item>Host-bound packets are punted to the kernel port (destination MAC: the kernel interface's).</item>
/// <item>Forwarded packets: TTL / hop limit decremented (not for host-originated ones), source MAC = egress port,
/// destination MAC = the next hop's from the neighbour table. An unknown IPv4 next hop turns the packet into an ARP
/// request for it, an unknown IPv6 one into a Neighbor Solicitation, at most one per next hop per second per worker
/// (<see cref="SolicitationLimiter"/>). The packet itself is lost (replay reports it as <c>neighbour-unresolved</c>), and
/// so are the packets in between. A tracked flow's forwarding decision is kept for its next packets (<see cref="ForwardingCache"/>).</item>
/// <item>IPv6 Neighbor Solicitations / Advertisements: <see cref="NeighbourDiscoveryHandler"/>.</item>
/// </list>
/// Ends the burst for the service table holder (quiescent state).
/// </summary>
public sealed unsafe class OutStage : IBurstStage
{
    private readonly WorkerContext _w;
    private readonly NeighbourDiscoveryHandler _neighbourDiscovery;
    private readonly SolicitationLimiter _solicitations;

    public OutStage(WorkerContext worker)
    {
        _w = worker;
        _solicitations = new SolicitationLimiter(worker.Runtime.Options.TicksPerSecond);
        _neighbourDiscovery = new NeighbourDiscoveryHandler(worker, _solicitations);
    }

    public string Name => "out";

    public void Process(Burst burst)
    {
        var w = _w;
        var rt = w.Runtime;
        var st = w.State;
        var p = st.Parsed;
        var h = p.Headers;
        var trace = w.Trace;
        var n = burst.Count;
        var drops = false;
        for (var i = 0; i < n; i++)
        {
            var marks = st.Marks[i];
            if ((marks & PacketMarks.FastForwarded) != 0)
                continue;
            var m = burst.Mbufs[i];
            var origin = st.Origin[i];
            if ((marks & PacketMarks.Answered) != 0)
            {
                burst.Egress[i] = w.PortId[st.EgressPort[i]];
                continue;
            }
            if ((marks & PacketMarks.Arp) != 0)
            {
                var reason = h.IpVersion[i] == 6 ? NeighbourDiscovery(burst, i) : Arp(burst, i);
                if (reason != DropReason.None)
                {
                    burst.Drop(i, reason);
                    drops = true;
                }
                continue;
            }
            var egress = st.EgressPort[i];
            if (st.Destination[i] == DestinationClass.Host)
            {
                var kernel = rt.Ports[egress];
                if (kernel.Mac != 0)
                    MacAddress.Write(Mbuf.Data(m), kernel.Mac);
                burst.Egress[i] = w.PortId[egress];
                w.Counters.Punted();
                if (trace is not null)
                    trace.Outcome[origin] = PacketOutcome.Punted;
                continue;
            }
            var data = Mbuf.Data(m);
            var version = h.IpVersion[i];
            if ((marks & PacketMarks.FromKernel) == 0 && !PacketBuilders.DecrementTtl(data + p.L3Offset[i], version))
            {
                burst.Drop(i, DropReason.TtlExceeded);
                drops = true;
                continue;
            }
            var port = rt.Ports[egress];
            if (!rt.Neighbours.TryGet(version, st.NextHopHigh[i], st.NextHopLow[i], out var mac))
            {
                if (version != 4)
                {
                    if (!_neighbourDiscovery.TrySolicit(burst, i, egress))
                    {
                        burst.Drop(i, DropReason.NeighbourUnresolved);
                        drops = true;
                    }
                    else if (trace is not null)
                        trace.Outcome[origin] = PacketOutcome.ArpRequest;
                    continue;
                }
                var source = port.ArpSource != 0 ? port.ArpSource : FirstHostV4(rt);
                var nextHop = (uint)st.NextHopLow[i];
                if (_solicitations.Recently(4, 0, nextHop, st.Now) || !PacketBuilders.TryArpRequest(m, port.Mac, source, nextHop))
                {
                    burst.Drop(i, DropReason.NeighbourUnresolved);
                    drops = true;
                    continue;
                }
                _solicitations.Solicited(4, 0, nextHop, st.Now);
                burst.Egress[i] = w.PortId[egress];
                if (trace is not null)
                    trace.Outcome[origin] = PacketOutcome.ArpRequest;
                continue;
            }
            MacAddress.Write(data, mac);
            MacAddress.Write(data + 6, port.Mac);
            burst.Egress[i] = w.PortId[egress];
            // A tracked flow's decision serves its next packets (ICMP errors are decided on their embedded flow: not cached).
            if ((marks & (PacketMarks.Tracked | PacketMarks.Related)) == PacketMarks.Tracked)
                w.Forwarding.Remember(st, i, burst.Egress[i], mac, port.Mac);
            if (trace is not null)
                trace.Outcome[origin] = PacketOutcome.Forwarded;
        }
        if (drops)
            st.Compact(burst);
        w.EndBurst();
    }

    private DropReason Arp(Burst burst, int i)
    {
        var w = _w;
        var rt = w.Runtime;
        var st = w.State;
        var p = st.Parsed;
        var m = burst.Mbufs[i];
        var op = p.ArpOpcode[i];
        var target = p.ArpTargetIp[i];
        var sender = p.ArpSenderIp[i];
        if ((st.Marks[i] & PacketMarks.FromKernel) != 0)
        {
            // The kernel resolving a next hop: the appliance routes for it, so it answers for every routed address.
            if (op != 1 || !rt.Routes.Lookup(4, 0, target, out var via, out _, out _))
                return DropReason.ArpNotForUs;
            PacketBuilders.ArpReply(m, p.L3Offset[i], rt.Ports[via].Mac);
            burst.Egress[i] = w.PortId[st.RxPort];
            SetOutcome(st.Origin[i], PacketOutcome.ArpReply);
            return DropReason.None;
        }
        if (!rt.IsHost(4, 0, target))
            return DropReason.ArpNotForUs;
        if (sender != 0)
            rt.Neighbours.Set(4, 0, sender, p.ArpSenderMac[i]);
        if (op == 1)
        {
            PacketBuilders.ArpReply(m, p.L3Offset[i], w.RxPort.Mac);
            burst.Egress[i] = w.PortId[st.RxPort];
            SetOutcome(st.Origin[i], PacketOutcome.ArpReply);
            return DropReason.None;
        }
        if (rt.KernelPort < 0)
            return DropReason.NoKernelPort;
        burst.Egress[i] = w.PortId[rt.KernelPort];
        w.Counters.Punted();
        SetOutcome(st.Origin[i], PacketOutcome.Punted);
        return DropReason.None;
    }

    private DropReason NeighbourDiscovery(Burst burst, int i)
    {
        var reason = _neighbourDiscovery.Receive(burst, i, out var outcome);
        if (reason == DropReason.None)
            SetOutcome(_w.State.Origin[i], outcome);
        return reason;
    }

    private void SetOutcome(int origin, PacketOutcome outcome)
    {
        if (_w.Trace is { } t)
            t.Outcome[origin] = outcome;
    }

    private static uint FirstHostV4(ApplianceRuntime rt)
    {
        foreach (var a in rt.HostAddresses)
            if (a.Version == 4)
                return (uint)a.Low;
        return 0;
    }
}
