namespace PreDnatAppliance.Pipeline.Routing;

/// <summary>
/// Longest-prefix match for IPv4 as a multibit trie with strides 16-8-8 (DIR-24-8 with the first level cut to 16 bits,
/// so a table costs 256 KiB plus 1 KiB per /17-/32 subtree instead of 64 MiB): at most three array reads per lookup,
/// no branches on prefix lengths. Entries are leaf-pushed: each holds the value of the longest prefix covering it
/// (value + 1; 0 = none) or, negative, the next level's chunk. Built once; read-only afterwards.
/// </summary>
public sealed class Ipv4Trie
{
    private const int ChunkSize = 256;

    private readonly int[] _level1;
    private readonly int[] _level2;
    private readonly int[] _level3;

    /// <summary>
    /// <paramref name="prefixes"/>: distinct IPv4 prefixes with their values (a prefix listed twice keeps its first
    /// value: the caller removes the later ones).
    /// </summary>
    public Ipv4Trie(IEnumerable<(IpPrefix Prefix, int Value)> prefixes)
    {
        var level1 = new int[1 << 16];
        var level2 = new List<int>();
        var level3 = new List<int>();
        // Shorter prefixes first, so that longer ones overwrite them and no chunk exists yet when a short one is filled.
        foreach (var (prefix, value) in prefixes.OrderBy(p => p.Prefix.Length))
        {
            var address = (uint)prefix.Low;
            var leaf = value + 1;
            if (prefix.Length <= 16)
            {
                Array.Fill(level1, leaf, (int)(address >> 16), 1 << (16 - prefix.Length));
                continue;
            }
            var chunk2 = ChunkOf(ref level1[address >> 16], level2);
            if (prefix.Length <= 24)
            {
                Fill(level2, chunk2 * ChunkSize + (int)((address >> 8) & 0xFF), 1 << (24 - prefix.Length), leaf);
                continue;
            }
            var slot = chunk2 * ChunkSize + (int)((address >> 8) & 0xFF);
            var entry = level2[slot];
            var chunk3 = ChunkOf(ref entry, level3);
            level2[slot] = entry;
            Fill(level3, chunk3 * ChunkSize + (int)(address & 0xFF), 1 << (32 - prefix.Length), leaf);
        }
        _level1 = level1;
        _level2 = level2.ToArray();
        _level3 = level3.ToArray();
    }

    /// <summary>The chunk an entry points to; a leaf (or empty) entry is first replaced by a new chunk filled with it.</summary>
    private static int ChunkOf(ref int entry, List<int> level)
    {
        if (entry < 0)
            return -entry - 1;
        var chunk = level.Count / ChunkSize;
        for (var i = 0; i < ChunkSize; i++)
            level.Add(entry);
        entry = -(chunk + 1);
        return chunk;
    }

    private static void Fill(List<int> level, int start, int count, int leaf)
    {
        for (var i = start; i < start + count; i++)
            level[i] = leaf;
    }

    /// <summary>Memory the tables take, in bytes.</summary>
    public long Bytes => 4L * (_level1.Length + _level2.Length + _level3.Length);

    /// <summary>The value of the longest prefix containing <paramref name="address"/>, or -1.</summary>
    public int Lookup(uint address)
    {
        var entry = _level1[address >> 16];
        if (entry < 0)
        {
            entry = _level2[((-entry - 1) << 8) | (int)((address >> 8) & 0xFF)];
            if (entry < 0)
                entry = _level3[((-entry - 1) << 8) | (int)(address & 0xFF)];
        }
        return entry - 1;
    }
}
