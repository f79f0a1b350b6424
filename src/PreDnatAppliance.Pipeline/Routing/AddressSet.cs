using PreDnatAppliance.Pipeline.Services;

namespace PreDnatAppliance.Pipeline.Routing;

/// <summary>
/// A fixed set of IPv4 and IPv6 addresses (the host's own) as an open-addressing hash table: membership in one or
/// two probes whatever the size. Built once, read-only afterwards; a lookup allocates nothing.
/// </summary>
public sealed class AddressSet
{
    private readonly ulong[] _high, _low;
    private readonly byte[] _version;   // 0 = empty slot
    private readonly int _mask;

    public AddressSet(IEnumerable<ServiceAddress> addresses)
    {
        var distinct = addresses.Where(a => a.Version is 4 or 6).Distinct().ToList();
        var size = 8;
        while (size < distinct.Count * 2)
            size <<= 1;
        _high = new ulong[size];
        _low = new ulong[size];
        _version = new byte[size];
        _mask = size - 1;
        foreach (var a in distinct)
        {
            var slot = Slot(a.Version, a.High, a.Low);
            while (_version[slot] != 0)
                slot = (slot + 1) & _mask;
            _high[slot] = a.High;
            _low[slot] = a.Low;
            _version[slot] = a.Version;
        }
    }

    private int Slot(byte version, ulong high, ulong low) => Ipv6PrefixHash.Hash(high ^ version, low) & _mask;

    public bool Contains(byte version, ulong high, ulong low)
    {
        for (var slot = Slot(version, high, low); ; slot = (slot + 1) & _mask)
        {
            var v = _version[slot];
            if (v == 0)
                return false;
            if (v == version && _low[slot] == low && _high[slot] == high)
                return true;
        }
    }
}
