using System.Diagnostics;

namespace PreDnatAppliance.ClassifierTables;

/// <summary>
/// Turns an ordered rule list into the serialized table the kernel reads
/// (layout in <see cref="TableFormat"/>). Pure and deterministic: the same
/// rules always give the same bytes, as a source generator needs.
/// </summary>
public static class ClassifierTableBuilder
{
    public static ClassifierTable Build(IReadOnlyList<ClassifierRule> rules) => Build(rules, TableLayout.PairProduct);

    /// <param name="layout">The most combining allowed (tests cover every layout).</param>
    public static ClassifierTable Build(IReadOnlyList<ClassifierRule> rules, TableLayout layout)
    {
        var clock = Stopwatch.StartNew();
        int ruleCount = rules.Count;
        int chunkCount = Math.Max(1, (ruleCount + TableFormat.ChunkBits - 1) / TableFormat.ChunkBits);
        int summaryWords = (chunkCount + 63) / 64;
        int stride = TableFormat.RecordStride(summaryWords, chunkCount);

        var fields = new FieldDecomposition[FieldKinds.Count];
        for (int f = 0; f < FieldKinds.Count; f++) fields[f] = FieldDecomposition.Build(rules, (FieldKind)f, chunkCount);

        var proto = fields[(int)FieldKind.Protocol];
        var sport = fields[(int)FieldKind.SourcePort];
        var dport = fields[(int)FieldKind.DestinationPort];
        var small = new[] { proto.AsClassSet(), sport.AsClassSet(), dport.AsClassSet() };
        CrossProduct? cross = layout >= TableLayout.CrossProduct && CrossProduct.Fits(small, chunkCount)
            ? CrossProduct.Build(small, chunkCount)
            : null;

        // Units are the kernel's record rows after the cross step: 0 source, 1 destination, 2 cross.
        // Only for large tables: there the pair's exact summaries cut false candidate chunks
        // (fw1_100k: 300 -> 165 cycles/packet); small tables have no summaries, and the extra
        // lookup cost more than the saved AND (measured on the 1k sets).
        CrossProduct? pair = null;
        int pairFirst = -1, pairSecond = -1;
        if (cross != null && layout >= TableLayout.PairProduct && chunkCount > TableFormat.InlineMaxChunks)
        {
            var units = new[] { fields[0].AsClassSet(), fields[1].AsClassSet(), cross.AsClassSet() };
            var options = new[] { (0, 1), (1, 2), (0, 2) }
                .OrderBy(o => (long)units[o.Item1].Rows.Count * units[o.Item2].Rows.Count)
                .ToList();
            foreach (var (a, b) in options)
            {
                var inputs = new[] { units[a], units[b] };
                if (!CrossProduct.Fits(inputs, chunkCount)) continue;
                var candidate = CrossProduct.Build(inputs, chunkCount);
                if (candidate == null) continue;
                // Worth it while it stays in L3 or at most twice the two units it replaces.
                long replaced = UnitBytes(units[a], chunkCount, stride) + UnitBytes(units[b], chunkCount, stride);
                long pairBytes = UnitBytes(candidate.AsClassSet(), chunkCount, stride) + 4L * candidate.EntryClass.Length;
                if (pairBytes > Math.Max(8L << 20, 2 * replaced)) continue;
                pair = candidate;
                pairFirst = a;
                pairSecond = b;
                break;
            }
        }
        var plan = new TablePlan(rules, fields, cross, pair, pairFirst, pairSecond, chunkCount, summaryWords, stride);
        var (bytes, fieldStats, crossStats, pairStats) = TableWriter.Write(plan);
        clock.Stop();

        return new ClassifierTable(bytes, new ClassifierTableStats
        {
            RuleCount = ruleCount,
            ChunkCount = chunkCount,
            MemoryBytes = bytes.Length,
            BuildTime = clock.Elapsed,
            Fields = fieldStats,
            Cross = crossStats,
            Pair = pairStats,
        });
    }

    /// <summary>Bytes a unit's records and patterns take in the blob.</summary>
    private static long UnitBytes(ClassSet unit, int chunkCount, int stride) =>
        (long)unit.Rows.Count * stride + (chunkCount <= TableFormat.InlineMaxChunks ? 0 : (long)unit.Patterns.Count * TableFormat.ChunkBytes);
}

/// <summary>What the builder decided: the decomposed fields and which products to store.</summary>
internal sealed record TablePlan(
    IReadOnlyList<ClassifierRule> Rules,
    FieldDecomposition[] Fields,
    CrossProduct? Cross,
    CrossProduct? Pair,
    int PairFirst,
    int PairSecond,
    int ChunkCount,
    int SummaryWords,
    int Stride);
