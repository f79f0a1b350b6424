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
    public List<int[]> ClassRows { get; } = new();

    /// <summary>Distinct 512-bit patterns, 8 words each; pattern 0 is zero.</summary>
    public List<ulong[]> Patterns { get; } = new();

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

        var patternIds = new Dictionary<ChunkKey, int>();
        var zero = new ulong[8];
        result.Patterns.Add(zero);
        patternIds.Add(new ChunkKey(zero, 0), 0);

        var rowIds = new Dictionary<int[], int>(RowComparer.Instance);
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
                var key = new ChunkKey(bits, c * 8);
                if (!patternIds.TryGetValue(key, out int id))
                {
                    var copy = new ulong[8];
                    Array.Copy(bits, c * 8, copy, 0, 8);
                    id = result.Patterns.Count;
                    result.Patterns.Add(copy);
                    patternIds.Add(new ChunkKey(copy, 0), id);
                }
                row[c] = id;
            }
            dirtyList.Clear();

            if (!rowIds.TryGetValue(row, out int cls))
            {
                cls = result.ClassRows.Count;
                var copy = (int[])row.Clone();
                result.ClassRows.Add(copy);
                rowIds.Add(copy, cls);
            }
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

    /// <summary>Eight words of a bitset, compared by value (the copy is taken only on insert).</summary>
    private readonly struct ChunkKey : IEquatable<ChunkKey>
    {
        private readonly ulong _a, _b, _c, _d, _e, _f, _g, _h;

        public ChunkKey(ulong[] words, int at)
        {
            _a = words[at]; _b = words[at + 1]; _c = words[at + 2]; _d = words[at + 3];
            _e = words[at + 4]; _f = words[at + 5]; _g = words[at + 6]; _h = words[at + 7];
        }

        public bool Equals(ChunkKey o) =>
            _a == o._a && _b == o._b && _c == o._c && _d == o._d && _e == o._e && _f == o._f && _g == o._g && _h == o._h;

        public override bool Equals(object? obj) => obj is ChunkKey k && Equals(k);

        public override int GetHashCode()
        {
            ulong h = _a;
            h = h * 0x9E3779B97F4A7C15UL ^ _b;
            h = h * 0x9E3779B97F4A7C15UL ^ _c;
            h = h * 0x9E3779B97F4A7C15UL ^ _d;
            h = h * 0x9E3779B97F4A7C15UL ^ _e;
            h = h * 0x9E3779B97F4A7C15UL ^ _f;
            h = h * 0x9E3779B97F4A7C15UL ^ _g;
            h = h * 0x9E3779B97F4A7C15UL ^ _h;
            return (int)(h ^ (h >> 32));
        }
    }

    private sealed class RowComparer : IEqualityComparer<int[]>
    {
        public static readonly RowComparer Instance = new();

        public bool Equals(int[]? x, int[]? y)
        {
            if (x!.Length != y!.Length) return false;
            for (int i = 0; i < x.Length; i++)
            {
                if (x[i] != y[i]) return false;
            }
            return true;
        }

        public int GetHashCode(int[] row)
        {
            unchecked
            {
                int h = (int)2166136261;
                foreach (int v in row) h = (h ^ v) * 16777619;
                return h;
            }
        }
    }
}
