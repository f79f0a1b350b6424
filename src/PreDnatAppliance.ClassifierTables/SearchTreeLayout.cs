namespace PreDnatAppliance.ClassifierTables;

/// <summary>
/// A static 17-way search tree over sorted interval ends (an S+ tree): every
/// node is 16 keys in one 64-byte line, so a level is one vector compare and a
/// popcount. Leaves hold all keys in order; an internal key is the last end
/// before its child's first leaf key. The interval of x is the number of ends
/// below x. Pads are uint.MaxValue, which is never below any x, so a search
/// never counts a pad and never walks into a child that does not exist.
/// </summary>
internal static class SearchTreeLayout
{
    /// <summary>Levels top first; each is a multiple of 16 keys.</summary>
    public static List<uint[]> Build(uint[] ends)
    {
        int n = ends.Length;
        var sizes = new List<int> { Math.Max(1, (n + TableFormat.NodeKeys - 1) / TableFormat.NodeKeys) };
        while (sizes[sizes.Count - 1] > 1)
        {
            sizes.Add((sizes[sizes.Count - 1] + TableFormat.Fanout - 1) / TableFormat.Fanout);
        }
        if (sizes.Count > TableFormat.MaxLevels) throw new InvalidOperationException("search tree too deep");

        var levels = new List<uint[]>(sizes.Count);
        var leaf = new uint[sizes[0] * TableFormat.NodeKeys];
        for (int i = 0; i < leaf.Length; i++) leaf[i] = i < n ? ends[i] : uint.MaxValue;
        levels.Add(leaf);

        // leafSpan: how many leaf key positions one child at the level below covers.
        long leafSpan = TableFormat.NodeKeys;
        for (int l = 1; l < sizes.Count; l++)
        {
            var keys = new uint[sizes[l] * TableFormat.NodeKeys];
            for (int node = 0; node < sizes[l]; node++)
            {
                for (int slot = 0; slot < TableFormat.NodeKeys; slot++)
                {
                    long child = (long)node * TableFormat.Fanout + slot + 1;
                    long firstPos = child * leafSpan;
                    keys[node * TableFormat.NodeKeys + slot] = firstPos < n ? ends[firstPos - 1] : uint.MaxValue;
                }
            }
            levels.Add(keys);
            leafSpan *= TableFormat.Fanout;
        }
        levels.Reverse();
        return levels;
    }

    /// <summary>Reference search over the layout, used by the builder's self-check.</summary>
    public static int Search(List<uint[]> levels, uint x)
    {
        int k = 0;
        for (int l = 0; l < levels.Count; l++)
        {
            int c = 0;
            for (int i = 0; i < TableFormat.NodeKeys; i++)
            {
                if (levels[l][k * TableFormat.NodeKeys + i] < x) c++;
            }
            k = l == levels.Count - 1 ? k * TableFormat.NodeKeys + c : k * TableFormat.Fanout + c;
        }
        return k;
    }
}
