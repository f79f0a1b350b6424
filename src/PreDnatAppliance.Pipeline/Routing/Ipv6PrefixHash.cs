namespace PreDnatAppliance.Pipeline.Routing;

/// <summary>
/// Longest-prefix match for IPv6: one open-addressing hash table per distinct prefix length, probed from the longest
/// length down (the usual software LPM for the sparse IPv6 tables an appliance has: a few lengths, each an exact
/// match on the masked address). One array of slots for all lengths; built once, read-only afterwards.
/// </summary>
public sealed class Ipv6PrefixHash
{
    private readonly ulong[] _maskHigh, _maskLow;
    private readonly int[] _tableStart, _tableMask;
    private readonly ulong[] _keyHigh, _keyLow;
    private readonly int[] _value;   // value + 1; 0 = empty slot

    /// <param name="prefixes">distinct IPv6 prefixes with their values.</param>
    public Ipv6PrefixHash(IEnumerable<(IpPrefix Prefix, int Value)> prefixes)
    {
        var byLength = prefixes.GroupBy(p => p.Prefix.Length).OrderByDescending(g => g.Key).ToList();
        _maskHigh = new ulong[byLength.Count];
        _maskLow = new ulong[byLength.Count];
        _tableStart = new int[byLength.Count];
        _tableMask = new int[byLength.Count];
        var total = 0;
        for (var t = 0; t < byLength.Count; t++)
        {
            var size = 4;
            while (size < byLength[t].Count() * 2)
                size <<= 1;
            _tableStart[t] = total;
            _tableMask[t] = size - 1;
            total += size;
        }
        _keyHigh = new ulong[total];
        _keyLow = new ulong[total];
        _value = new int[total];
        for (var t = 0; t < byLength.Count; t++)
        {
            var first = byLength[t].First().Prefix;
            _maskHigh[t] = first.MaskHigh;
            _maskLow[t] = first.MaskLow;
            foreach (var (prefix, value) in byLength[t])
            {
                var slot = Hash(prefix.High, prefix.Low) & _tableMask[t];
                while (_value[_tableStart[t] + slot] != 0)
                    slot = (slot + 1) & _tableMask[t];
                _keyHigh[_tableStart[t] + slot] = prefix.High;
                _keyLow[_tableStart[t] + slot] = prefix.Low;
                _value[_tableStart[t] + slot] = value + 1;
            }
        }
    }

    /// <summary>Number of distinct prefix lengths: the most tables one lookup probes.</summary>
    public int Lengths => _maskHigh.Length;

    internal static int Hash(ulong high, ulong low) => (int)(((high * 0x9E3779B97F4A7C15UL) ^ low) * 0xBF58476D1CE4E5B9UL >> 40);

    /// <summary>The value of the longest prefix containing the address, or -1.</summary>
    public int Lookup(ulong high, ulong low)
    {
        for (var t = 0; t < _maskHigh.Length; t++)
        {
            var kh = high & _maskHigh[t];
            var kl = low & _maskLow[t];
            var start = _tableStart[t];
            var mask = _tableMask[t];
            for (var slot = Hash(kh, kl) & mask; ; slot = (slot + 1) & mask)
            {
                var value = _value[start + slot];
                if (value == 0)
                    break;
                if (_keyHigh[start + slot] == kh && _keyLow[start + slot] == kl)
                    return value - 1;
            }
        }
        return -1;
    }
}
