namespace PreDnatAppliance.ClassifierTables;

/// <summary>
/// RFC-style combination of the protocol, source-port and destination-port
/// classes: every combination gets the class of the AND of its three rows, so
/// the kernel looks up one record where it would AND three. Worth it because
/// these fields have few classes; refused when the table would be large.
/// </summary>
internal sealed class CrossProduct
{
    /// <summary>Combinations at most; past this the three fields stay separate.</summary>
    public const long MaxEntries = 1 << 20;

    /// <summary>Combinations x chunks at most, which bounds build time.</summary>
    public const long MaxWork = 64L << 20;

    /// <summary>
    /// Distinct combined patterns at most (64 bytes each). Past this the combined
    /// records no longer stay in cache and the five-field layout is both smaller
    /// and faster, so the build gives up.
    /// </summary>
    public const int MaxPatterns = 1 << 16;

    public int[] EntryClass { get; private set; } = Array.Empty<int>();
    public RowTable Classes { get; } = new();
    public PatternTable Patterns { get; } = new();

    /// <summary>Index multipliers: entry = p * ProtocolStride + s * SourcePortStride + d.</summary>
    public int ProtocolStride { get; private set; }
    public int SourcePortStride { get; private set; }

    public static bool Fits(FieldDecomposition p, FieldDecomposition s, FieldDecomposition d, int chunkCount)
    {
        long entries = (long)p.ClassRows.Count * s.ClassRows.Count * d.ClassRows.Count;
        return entries <= MaxEntries && entries * chunkCount <= MaxWork;
    }

    /// <summary>The combined table, or null when it would exceed <see cref="MaxPatterns"/>.</summary>
    public static CrossProduct? Build(FieldDecomposition p, FieldDecomposition s, FieldDecomposition d, int chunkCount)
    {
        var result = new CrossProduct
        {
            SourcePortStride = d.ClassRows.Count,
            ProtocolStride = s.ClassRows.Count * d.ClassRows.Count,
        };
        var entries = new int[p.ClassRows.Count * result.ProtocolStride];
        var words = new ulong[8];
        var row = new int[chunkCount];
        for (int pi = 0; pi < p.ClassRows.Count; pi++)
        {
            for (int si = 0; si < s.ClassRows.Count; si++)
            {
                for (int di = 0; di < d.ClassRows.Count; di++)
                {
                    for (int c = 0; c < chunkCount; c++)
                    {
                        int a = p.ClassRows[pi][c], b = s.ClassRows[si][c], e = d.ClassRows[di][c];
                        if (a == 0 || b == 0 || e == 0)
                        {
                            row[c] = 0;
                            continue;
                        }
                        ulong[] pa = p.Patterns[a], pb = s.Patterns[b], pe = d.Patterns[e];
                        for (int w = 0; w < 8; w++) words[w] = pa[w] & pb[w] & pe[w];
                        row[c] = result.Patterns.Intern(words, 0);
                        if (result.Patterns.Patterns.Count > MaxPatterns) return null;
                    }
                    entries[pi * result.ProtocolStride + si * result.SourcePortStride + di] = result.Classes.Intern(row);
                }
            }
        }
        result.EntryClass = entries;
        return result;
    }
}
