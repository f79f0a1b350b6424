namespace PreDnatAppliance.Pipeline.Routing;

/// <summary>A route: destinations in <see cref="Prefix"/> leave through <see cref="Port"/> (configuration index) to <see cref="Via"/> or, on-link, to the destination itself.</summary>
public readonly record struct Route(IpPrefix Prefix, int Port, bool HasVia, ulong ViaHigh, ulong ViaLow);

/// <summary>
/// Longest-prefix match over the static and connected routes: a linear scan over routes sorted by prefix length
/// (longest first, configuration order among equals). Built once, read-only afterwards, so workers share it.
/// Enough for the tens of routes an appliance has; a DIR-24-8 table would replace it for thousands.
/// </summary>
public sealed class RouteTable
{
    private readonly Route[] _routes;

    public RouteTable(IEnumerable<Route> routes)
    {
        _routes = routes.Select((r, i) => (r, i)).OrderByDescending(x => x.r.Prefix.Length).ThenBy(x => x.i).Select(x => x.r).ToArray();
    }

    public IReadOnlyList<Route> Routes => _routes;

    /// <summary>The egress port (configuration index) and next hop for a destination; false when no route matches.</summary>
    public bool Lookup(byte version, ulong high, ulong low, out int port, out ulong nextHopHigh, out ulong nextHopLow)
    {
        var routes = _routes;
        for (var i = 0; i < routes.Length; i++)
        {
            ref readonly var r = ref routes[i];
            if (!r.Prefix.Contains(version, high, low))
                continue;
            port = r.Port;
            if (r.HasVia)
            {
                nextHopHigh = r.ViaHigh;
                nextHopLow = r.ViaLow;
            }
            else
            {
                nextHopHigh = high;
                nextHopLow = low;
            }
            return true;
        }
        port = -1;
        nextHopHigh = nextHopLow = 0;
        return false;
    }
}
