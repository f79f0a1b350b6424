namespace PreDnatAppliance.ClassifierTables;

/// <summary>Distinct 512-bit chunk patterns; id 0 is always the zero pattern.</summary>
internal sealed class PatternTable
{
    private readonly Dictionary<ChunkKey, int> _ids = new();

    public PatternTable()
    {
        var zero = new ulong[8];
        Patterns.Add(zero);
        _ids.Add(new ChunkKey(zero, 0), 0);
    }

    public List<ulong[]> Patterns { get; } = new();

    /// <summary>The id of the 8 words at <paramref name="words"/>[<paramref name="at"/>..], added if new.</summary>
    public int Intern(ulong[] words, int at)
    {
        var key = new ChunkKey(words, at);
        if (_ids.TryGetValue(key, out int id)) return id;
        var copy = new ulong[8];
        Array.Copy(words, at, copy, 0, 8);
        id = Patterns.Count;
        Patterns.Add(copy);
        _ids.Add(new ChunkKey(copy, 0), id);
        return id;
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
}

/// <summary>Distinct class rows (a pattern id per chunk).</summary>
internal sealed class RowTable
{
    private readonly Dictionary<int[], int> _ids = new(RowComparer.Instance);

    public List<int[]> Rows { get; } = new();

    /// <summary>The class id of <paramref name="row"/>, added (copied) if new.</summary>
    public int Intern(int[] row)
    {
        if (_ids.TryGetValue(row, out int id)) return id;
        var copy = (int[])row.Clone();
        id = Rows.Count;
        Rows.Add(copy);
        _ids.Add(copy, id);
        return id;
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
