using PreDnatAppliance.Pipeline.Routing;

namespace PreDnatAppliance.Pipeline.Tests.Routing;

/// <summary>The reference the scaling lookups must agree with: a linear scan, longest prefix first, then listed order.</summary>
internal sealed class LinearRoutes
{
    private readonly (IpPrefix Prefix, int Value)[] _sorted;

    public LinearRoutes(IEnumerable<(IpPrefix Prefix, int Value)> prefixes) =>
        _sorted = prefixes.Select((p, i) => (p, i)).OrderByDescending(x => x.p.Prefix.Length).ThenBy(x => x.i).Select(x => x.p).ToArray();

    public int Lookup(byte version, ulong high, ulong low)
    {
        foreach (var (prefix, value) in _sorted)
            if (prefix.Contains(version, high, low))
                return value;
        return -1;
    }
}
