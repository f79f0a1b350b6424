using PreDnatAppliance.Dataplane.Interop;
using PreDnatAppliance.Dataplane.Stages;
using PreDnatAppliance.Pipeline.Packets;
using PreDnatAppliance.Pipeline.Parsing;
using PreDnatAppliance.Pipeline.Routing;
using PreDnatAppliance.Pipeline.Runtime;

namespace PreDnatAppliance.Pipeline.Stages;

/// <summary>
/// IPv6 neighbour discovery for one worker (the out stage's counterpart of ARP):
/// <list type="bullet">
/// <item>a valid Neighbor Solicitation from the wire for a host address is answered with a Neighbor Advertisement
/// from the receiving port's MAC, and its source link-layer option is learned; for another target:
/// <c>nd-not-for-us</c> (no proxy ND);</item>
/// <item>a valid Neighbor Advertisement to a host address or a multicast group teaches the target's link-layer
/// address and is punted to the kernel (as ARP replies are); otherwise <c>nd-not-for-us</c>;</item>
/// <item>a solicitation from the kernel port (the kernel resolving a next hop) is answered by proxy with the MAC of
/// the port the target is routed through, except for host addresses and duplicate address detection, which are the
/// kernel's own;</item>
/// <item>an unresolved IPv6 next hop turns the packet into a solicitation for it, at most one per next hop per second
/// per worker (Linux's retransmit timer); packets in between are dropped (<c>neighbour-unresolved</c>).</item>
/// </list>
/// What Linux's ndisc refuses (<see cref="NeighbourDiscovery.TryRead"/>) is dropped as <c>nd-invalid</c>.
/// Linux answers only for addresses of the receiving interface; the appliance answers for every host address, as it
/// does for ARP (it is the node's NIC). Neighbour discovery bypasses policy, like ARP.
/// </summary>
public sealed unsafe class NeighbourDiscoveryHandler
{
    private readonly WorkerContext _w;
    private readonly SolicitationLimiter _solicitations;
    private readonly ulong[] _sourceHigh, _sourceLow;

    public NeighbourDiscoveryHandler(WorkerContext worker, SolicitationLimiter solicitations)
    {
        _w = worker;
        _solicitations = solicitations;
        var rt = worker.Runtime;
        var fallback = rt.HostAddresses.FirstOrDefault(a => a.Version == 6);
        _sourceHigh = new ulong[rt.Ports.Length];
        _sourceLow = new ulong[rt.Ports.Length];
        foreach (var port in rt.Ports)
        {
            var own = port.Addresses.Select(a => a.Address).FirstOrDefault(a => a.Version == 6);
            var source = own.Version == 6 ? own : fallback;
            _sourceHigh[port.Index] = source.High;
            _sourceLow[port.Index] = source.Low;
        }
    }

    /// <summary>Answers, learns from, punts or refuses the ND message in row <paramref name="i"/>; the drop reason or None.</summary>
    public DropReason Receive(Burst burst, int i, out PacketOutcome outcome)
    {
        outcome = PacketOutcome.None;
        var w = _w;
        var rt = w.Runtime;
        var st = w.State;
        var p = st.Parsed;
        var h = p.Headers;
        var m = burst.Mbufs[i];
        var data = Mbuf.Data(m);
        var ip = data + p.L3Offset[i];
        var icmpLength = p.L3Offset[i] + p.L3Length[i] - p.L4Offset[i];
        if (!NeighbourDiscovery.TryRead(ip, data + p.L4Offset[i], icmpLength, out var message))
            return DropReason.NdInvalid;
        var fromKernel = (st.Marks[i] & PacketMarks.FromKernel) != 0;
        var targetIsHost = rt.IsHost(6, message.TargetHigh, message.TargetLow);
        var sourceHigh = h.SrcV6High[i];
        var sourceLow = h.SrcV6Low[i];
        if (message.Type == Protocols.NeighborSolicitation)
        {
            ulong mac;
            if (fromKernel)
            {
                // The kernel resolving a next hop: the appliance routes for it. Its own addresses and DAD are left alone.
                if (targetIsHost || (sourceHigh == 0 && sourceLow == 0)
                    || !rt.Routes.Lookup(6, message.TargetHigh, message.TargetLow, out var via, out _, out _))
                    return DropReason.NdNotForUs;
                mac = rt.Ports[via].Mac;
            }
            else
            {
                if (!targetIsHost)
                    return DropReason.NdNotForUs;
                if (message.LinkLayerAddress != 0)
                    rt.Neighbours.Set(6, sourceHigh, sourceLow, message.LinkLayerAddress);
                mac = w.RxPort.Mac;
            }
            if (!NeighbourDiscovery.TryAdvertise(m, p.L3Offset[i], message.TargetHigh, message.TargetLow, mac))
                return DropReason.NdInvalid;
            burst.Egress[i] = w.PortId[st.RxPort];
            outcome = PacketOutcome.NeighbourAdvertisement;
            return DropReason.None;
        }
        StageHelpers.Destination(h, i, out _, out var destinationHigh, out var destinationLow);
        if (fromKernel || targetIsHost || !(NeighbourDiscovery.IsMulticast(destinationHigh) || rt.IsHost(6, destinationHigh, destinationLow)))
            return DropReason.NdNotForUs;
        if (message.LinkLayerAddress != 0)
            rt.Neighbours.Set(6, message.TargetHigh, message.TargetLow, message.LinkLayerAddress);
        if (rt.KernelPort < 0)
            return DropReason.NoKernelPort;
        burst.Egress[i] = w.PortId[rt.KernelPort];
        outcome = PacketOutcome.Punted;
        return DropReason.None;
    }

    /// <summary>
    /// Turns packet <paramref name="i"/> into a solicitation for its unresolved next hop out of <paramref name="egress"/>;
    /// false (drop it as <c>neighbour-unresolved</c>) when this worker solicited that next hop less than a second ago,
    /// or the port has no IPv6 address to solicit from.
    /// </summary>
    public bool TrySolicit(Burst burst, int i, int egress)
    {
        var w = _w;
        var st = w.State;
        var targetHigh = st.NextHopHigh[i];
        var targetLow = st.NextHopLow[i];
        var sourceHigh = _sourceHigh[egress];
        var sourceLow = _sourceLow[egress];
        if (sourceHigh == 0 && sourceLow == 0)
            return false;
        if (_solicitations.Recently(6, targetHigh, targetLow, st.Now))
            return false;
        if (!NeighbourDiscovery.TrySolicit(burst.Mbufs[i], w.Runtime.Ports[egress].Mac, sourceHigh, sourceLow, targetHigh, targetLow))
            return false;
        _solicitations.Solicited(6, targetHigh, targetLow, st.Now);
        burst.Egress[i] = w.PortId[egress];
        return true;
    }
}
