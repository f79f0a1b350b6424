namespace PreDnatAppliance.ClassifierTables;

/// <summary>
/// RFC-style combination of the classes of several inputs (fields or earlier
/// products): every combination gets the class of the AND of its rows, so the
/// kernel looks up one record where it would AND several. Used twice: protocol x
/// source port x destination port (few classes), then, when small enough, a pair
/// of the remaining three (for example destination x that product).
/// </summary>
internal sealed class CrossProduct
{
    /// <summary>Combinations at most; past this the inputs stay separate.</summary>
    public const long MaxEntries = 1 << 20;

    /// <summary>Combinations x chunks at most, which bounds build time.</summary>
    public const long MaxWork = 64L << 20;

    /// <summary>
    /// Distinct combined patterns at most (64 bytes each). Past this the combined
    /// records no longer stay in cache and separate inputs are both smaller and
    /// faster, so the build gives up.
    /// </summary>
    public const int MaxPatterns = 1 << 16;

    /// <summary>Class of each combination; entry = sum of class(k) x Strides[k].</summary>
    public int[] EntryClass { get; private set; } = Array.Empty<int>();
    public int[] Strides { get; private set; } = Array.Empty<int>();
    public RowTable Classes { get; } = new();
    public PatternTable Patterns { get; } = new();

    public List<int[]> Rows => Classes.Rows;

    public static bool Fits(IReadOnlyList<ClassSet> inputs, int chunkCount)
    {
        long entries = 1;
        foreach (var input in inputs) entries *= input.Rows.Count;
        return entries <= MaxEntries && entries * chunkCount <= MaxWork;
    }

    /// <summary>The combined table, or null when it would exceed <see cref="MaxPatterns"/>.</summary>
    public static CrossProduct? Build(IReadOnlyList<ClassSet> inputs, int chunkCount)
    {
        int n = inputs.Count;
        var result = new CrossProduct { Strides = new int[n] };
        int entries = 1;
        for (int k = n - 1; k >= 0; k--)
        {
            result.Strides[k] = entries;
            entries *= inputs[k].Rows.Count;
        }
        var entryClass = new int[entries];
        var index = new int[n];
        var words = new ulong[8];
        var row = new int[chunkCount];
        for (int e = 0; e < entries; e++)
        {
            for (int c = 0; c < chunkCount; c++)
            {
                bool zero = false;
                for (int k = 0; k < n && !zero; k++) zero = inputs[k].Rows[index[k]][c] == 0;
                if (zero)
                {
                    row[c] = 0;
                    continue;
                }
                for (int w = 0; w < 8; w++) words[w] = ~0UL;
                for (int k = 0; k < n; k++)
                {
                    var pattern = inputs[k].Patterns[inputs[k].Rows[index[k]][c]];
                    for (int w = 0; w < 8; w++) words[w] &= pattern[w];
                }
                row[c] = result.Patterns.Intern(words, 0);
                if (result.Patterns.Patterns.Count > MaxPatterns) return null;
            }
            entryClass[e] = result.Classes.Intern(row);
            // Odometer over the inputs' classes, last input fastest (matches Strides).
            for (int k = n - 1; k >= 0 && ++index[k] == inputs[k].Rows.Count; k--) index[k] = 0;
        }
        result.EntryClass = entryClass;
        return result;
    }

    public ClassSet AsClassSet() => new(Classes.Rows, Patterns.Patterns);
}

/// <summary>Classes as rows of pattern ids per chunk, and the patterns they name.</summary>
internal sealed class ClassSet
{
    public ClassSet(List<int[]> rows, List<ulong[]> patterns)
    {
        Rows = rows;
        Patterns = patterns;
    }

    public List<int[]> Rows { get; }
    public List<ulong[]> Patterns { get; }
}
