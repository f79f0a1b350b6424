namespace PreDnatAppliance.ClassifierTables;

/// <summary>
/// One field cut into intervals, each mapped to an equivalence class, with the
/// classes' per-chunk rule patterns deduplicated. Built by a sweep over the
/// range end points that updates the rule bitset incrementally, so only the
/// chunks touched at a boundary are re-hashed.
/// </summary>
internal sealed class FieldDecomposition
{
    /// <summary>Last value of every interval but the final one, ascending: the search keys.</summary>
    public uint[] Ends { get; private set; } = Array.Empty<uint>();

    /// <summary>Class of every interval (Ends.Length + 1 entries).</summary>
    public int[] IntervalClass { get; private set; } = Array.Empty<int>();

    /// <summary>Per class, the pattern id of each chunk; id 0 is the all-zero pattern.</summary>
    public List<int[]> ClassRows => Classes.Rows;

    /// <summary>Distinct 512-bit patterns, 8 words each; pattern 0 is zero.</summary>
    public List<ulong[]> Patterns => PatternTable.Patterns;

    public RowTable Classes { get; } = new();

    public ClassSet AsClassSet() => new(Classes.Rows, PatternTable.Patterns);
    public PatternTable PatternTable { get; } = new();

    public static FieldDecomposition Build(IReadOnlyList<ClassifierRule> rules, FieldKind kind, int chunkCount)
    {
        var result = new FieldDecomposition();
        ulong max = FieldKinds.MaxValue(kind);

        // Elementary interval starts: 0 and every range's low and high + 1.
        var points = new List<uint> { 0 };
        foreach (var rule in rules)
        {
            foreach (var r in rule.Field(kind).Ranges)
            {
                if (r.Low > max) continue;
                points.Add(r.Low);
                ulong after = (ulong)Math.Min(r.High, (uint)max) + 1;
                if (after <= max) points.Add((uint)after);
            }
        }
        points.Sort();
        var starts = new List<uint>(points.Count);
        foreach (var p in points)
        {
            if (starts.Count == 0 || starts[starts.Count - 1] != p) starts.Add(p);
        }
        int m = starts.Count;

        // Add/remove events per elementary interval, in compressed rows.
        var addCount = new int[m + 1];
        var removeCount = new int[m + 1];
        var spans = new List<(int Rule, int Start, int End)>();
        for (int ri = 0; ri < rules.Count; ri++)
        {
            foreach (var r in rules[ri].Field(kind).Ranges)
            {
                if (r.Low > max) continue;
                int s = starts.BinarySearch(r.Low);
                ulong after = (ulong)Math.Min(r.High, (uint)max) + 1;
                int e = after > max ? m : starts.BinarySearch((uint)after);
                spans.Add((ri, s, e));
                addCount[s]++;
                removeCount[e]++;
            }
        }
        var addStart = Prefix(addCount);
        var removeStart = Prefix(removeCount);
        var adds = new int[spans.Count];
        var removes = new int[spans.Count];
        var addFill = (int[])addStart.Clone();
        var removeFill = (int[])removeStart.Clone();
        foreach (var (rule, s, e) in spans)
        {
            adds[addFill[s]++] = rule;
            removes[removeFill[e]++] = rule;
        }

        var bits = new ulong[chunkCount * 8];
        var row = new int[chunkCount];
        var dirty = new bool[chunkCount];
        var dirtyList = new List<int>();

        var ends = new List<uint>();
        var intervalClass = new List<int>();
        for (int i = 0; i < m; i++)
        {
            for (int k = removeStart[i]; k < removeStart[i + 1]; k++) Flip(removes[k], clear: true);
            for (int k = addStart[i]; k < addStart[i + 1]; k++) Flip(adds[k], clear: false);
            foreach (int c in dirtyList)
            {
                dirty[c] = false;
                row[c] = result.PatternTable.Intern(bits, c * 8);
            }
            dirtyList.Clear();

            int cls = result.Classes.Intern(row);
            // Adjacent intervals with the same class merge: fewer search keys.
            if (intervalClass.Count > 0 && intervalClass[intervalClass.Count - 1] == cls) continue;
            if (intervalClass.Count > 0) ends.Add(starts[i] - 1);
            intervalClass.Add(cls);
        }
        result.Ends = ends.ToArray();
        result.IntervalClass = intervalClass.ToArray();
        return result;

        void Flip(int rule, bool clear)
        {
            int word = rule >> 6;
            ulong bit = 1UL << (rule & 63);
            if (clear) bits[word] &= ~bit; else bits[word] |= bit;
            int chunk = rule / TableFormat.ChunkBits;
            if (!dirty[chunk])
            {
                dirty[chunk] = true;
                dirtyList.Add(chunk);
            }
        }
    }

    private static int[] Prefix(int[] counts)
    {
        var start = new int[counts.Length + 1];
        for (int i = 0; i < counts.Length; i++) start[i + 1] = start[i] + counts[i];
        return start;
    }
}
