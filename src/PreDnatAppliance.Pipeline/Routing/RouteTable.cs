namespace PreDnatAppliance.Pipeline.Routing;

/// <summary>A route: destinations in <see cref="Prefix"/> leave through <see cref="Port"/> (configuration index) to <see cref="Via"/> or, on-link, to the destination itself.</summary>
public readonly record struct Route(IpPrefix Prefix, int Port, bool HasVia, ulong ViaHigh, ulong ViaLow);

/// <summary>
/// Longest-prefix match over the static and connected routes (a <see cref="PrefixTable"/>): the longest prefix wins,
/// and among equal prefixes the first listed (static routes before connected ones). Built once, read-only afterwards,
/// so workers share it.
/// </summary>
public sealed class RouteTable
{
    private readonly Route[] _routes;
    private readonly PrefixTable _table;

    public RouteTable(IEnumerable<Route> routes)
    {
        _routes = routes.ToArray();
        _table = new PrefixTable(_routes.Select((r, i) => (r.Prefix, i)));
    }

    /// <summary>The routes as listed.</summary>
    public IReadOnlyList<Route> Routes => _routes;

    /// <summary>The egress port (configuration index) and next hop for a destination; false when no route matches.</summary>
    public bool Lookup(byte version, ulong high, ulong low, out int port, out ulong nextHopHigh, out ulong nextHopLow)
    {
        var index = _table.Lookup(version, high, low);
        if (index < 0)
        {
            port = -1;
            nextHopHigh = nextHopLow = 0;
            return false;
        }
        ref readonly var r = ref _routes[index];
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
}
