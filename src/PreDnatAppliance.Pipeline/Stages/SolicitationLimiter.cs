namespace PreDnatAppliance.Pipeline.Stages;

/// <summary>
/// One worker's memory of the next hops it solicited (ARP requests and IPv6 Neighbor Solicitations): at most one per
/// next hop per second (Linux's retransmit timer), so a stream of packets to an unresolved next hop does not become a
/// stream of solicitations. Direct-mapped over 256 slots; a collision forgets the older next hop (which can then be
/// solicited again early, never late).
/// </summary>
public sealed class SolicitationLimiter
{
    private const int Slots = 256;

    private readonly byte[] _version = new byte[Slots];
    private readonly ulong[] _high = new ulong[Slots], _low = new ulong[Slots];
    private readonly long[] _at = new long[Slots];
    private readonly long _interval;

    public SolicitationLimiter(long ticksPerSecond) => _interval = ticksPerSecond;

    private static int Slot(ulong high, ulong low) => (int)(((low ^ high) * 0x9E3779B97F4A7C15UL) >> 56) & (Slots - 1);

    /// <summary>Whether this worker solicited the next hop less than a second before <paramref name="now"/>.</summary>
    public bool Recently(byte version, ulong high, ulong low, long now)
    {
        var s = Slot(high, low);
        return _version[s] == version && _high[s] == high && _low[s] == low && now - _at[s] < _interval;
    }

    /// <summary>The next hop was solicited at <paramref name="now"/>.</summary>
    public void Solicited(byte version, ulong high, ulong low, long now)
    {
        var s = Slot(high, low);
        _version[s] = version;
        _high[s] = high;
        _low[s] = low;
        _at[s] = now;
    }
}
