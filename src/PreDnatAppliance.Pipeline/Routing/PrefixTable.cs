namespace PreDnatAppliance.Pipeline.Routing;

/// <summary>
/// Longest-prefix match from IPv4 and IPv6 prefixes to values (a route's index, a workload's index): the longest
/// prefix containing the address wins, and among equal prefixes the first listed. IPv4 through an
/// <see cref="Ipv4Trie"/>, IPv6 through an <see cref="Ipv6PrefixHash"/>. Built once, read-only afterwards (workers
/// share it); a lookup allocates nothing.
/// </summary>
public sealed class PrefixTable
{
    private readonly Ipv4Trie _v4;
    private readonly Ipv6PrefixHash _v6;

    public PrefixTable(IEnumerable<(IpPrefix Prefix, int Value)> prefixes)
    {
        // Equal prefixes: the first listed wins, so the later ones never enter the tables.
        var distinct = prefixes.DistinctBy(p => p.Prefix).ToList();
        _v4 = new Ipv4Trie(distinct.Where(p => p.Prefix.Version == 4));
        _v6 = new Ipv6PrefixHash(distinct.Where(p => p.Prefix.Version == 6));
    }

    /// <summary>The value of the longest (then first listed) prefix containing the address, or -1.</summary>
    public int Lookup(byte version, ulong high, ulong low) => version switch
    {
        4 => _v4.Lookup((uint)low),
        6 => _v6.Lookup(high, low),
        _ => -1,
    };
}
