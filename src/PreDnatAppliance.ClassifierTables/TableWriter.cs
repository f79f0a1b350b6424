namespace PreDnatAppliance.ClassifierTables;

/// <summary>
/// Serializes a <see cref="TablePlan"/> into the blob layout of <see cref="TableFormat"/>:
/// header, per field its search tree, class map, direct table and class records, then
/// the cross and pair products, then rule ids and verdicts.
/// </summary>
internal static class TableWriter
{
    public static (byte[] Bytes, List<FieldTableStats> Fields, CrossTableStats? Cross, PairTableStats? Pair) Write(TablePlan plan)
    {
        var rules = plan.Rules;
        var fields = plan.Fields;
        var cross = plan.Cross;
        var pair = plan.Pair;
        int pairFirst = plan.PairFirst, pairSecond = plan.PairSecond;
        int ruleCount = rules.Count, chunkCount = plan.ChunkCount, summaryWords = plan.SummaryWords, stride = plan.Stride;
        // A unit in the pair yields its share of the pair-table index instead of a record offset.
        uint PairMultiplier(int unit) =>
            unit == pairFirst ? (uint)pair!.Strides[0] : unit == pairSecond ? 1u : 0u;
        bool InPair(int unit) => unit == pairFirst || unit == pairSecond;


        var blob = new BlobWriter(1 << 16);
        int header = blob.Reserve(TableFormat.HeaderBytes + FieldKinds.Count * TableFormat.FieldDescriptorBytes);
        blob.WriteUInt32(header + TableFormat.HeaderMagic, TableFormat.Magic);
        blob.WriteUInt32(header + TableFormat.HeaderVersion, TableFormat.Version);
        blob.WriteUInt32(header + TableFormat.HeaderRuleCount, (uint)ruleCount);
        blob.WriteUInt32(header + TableFormat.HeaderChunkCount, (uint)chunkCount);
        blob.WriteUInt32(header + TableFormat.HeaderSummaryWords, (uint)summaryWords);
        blob.WriteUInt32(header + TableFormat.HeaderFieldCount, FieldKinds.Count);
        blob.WriteUInt32(header + TableFormat.HeaderInline, chunkCount <= TableFormat.InlineMaxChunks ? 1u : 0u);
        int pairDesc = pair != null ? blob.Reserve(TableFormat.PairDescriptorBytes) : 0;

        var fieldStats = new List<FieldTableStats>();
        for (int f = 0; f < FieldKinds.Count; f++)
        {
            int start = blob.Length;
            var kind = (FieldKind)f;
            var field = fields[f];
            bool feedsCross = cross != null && kind is FieldKind.Protocol or FieldKind.SourcePort or FieldKind.DestinationPort;
            int desc = TableFormat.FieldDescriptorsOffset + f * TableFormat.FieldDescriptorBytes;

            // What the lookup of each class yields: a record offset, or a cross-table index part.
            var classValue = new uint[field.ClassRows.Count];
            if (feedsCross)
            {
                uint multiplier = kind switch
                {
                    FieldKind.Protocol => (uint)cross!.Strides[0],
                    FieldKind.SourcePort => (uint)cross!.Strides[1],
                    _ => 1u,
                };
                for (int c = 0; c < classValue.Length; c++) classValue[c] = (uint)c * multiplier;
            }
            else if (InPair(f))
            {
                for (int c = 0; c < classValue.Length; c++) classValue[c] = (uint)c * PairMultiplier(f);
            }
            else
            {
                int records = WriteRecords(blob, field.ClassRows, field.Patterns, summaryWords, chunkCount, stride);
                for (int c = 0; c < classValue.Length; c++) classValue[c] = (uint)(records + c * stride);
                blob.WriteUInt32(desc + TableFormat.FieldRecordsOffset, (uint)records);
            }

            uint strategy = ChooseStrategy(kind, field);
            if (strategy == TableFormat.StrategyDirect && classValue.Max() <= ushort.MaxValue) strategy = TableFormat.StrategyDirect16;
            var levels = SearchTreeLayout.Build(field.Ends);
            blob.WriteUInt32(desc + TableFormat.FieldKindOffset, (uint)f);
            blob.WriteUInt32(desc + TableFormat.FieldStrategy, strategy);
            blob.WriteUInt32(desc + TableFormat.FieldLevelCount, (uint)levels.Count);
            for (int l = 0; l < levels.Count; l++)
            {
                int at = blob.Reserve(levels[l].Length * 4);
                for (int i = 0; i < levels[l].Length; i++) blob.WriteUInt32(at + i * 4, levels[l][i]);
                blob.WriteUInt32(desc + TableFormat.FieldLevelOffsets + l * 4, (uint)at);
            }
            int classMap = blob.Reserve(field.IntervalClass.Length * 4);
            for (int i = 0; i < field.IntervalClass.Length; i++) blob.WriteUInt32(classMap + i * 4, classValue[field.IntervalClass[i]]);
            if (strategy is TableFormat.StrategyDirect or TableFormat.StrategyDirect16)
            {
                uint max = FieldKinds.MaxValue(kind);
                int width = strategy == TableFormat.StrategyDirect16 ? 2 : 4;
                int direct = blob.Reserve((int)(max + 1) * width);
                int interval = 0;
                for (uint v = 0; v <= max; v++)
                {
                    if (interval < field.Ends.Length && v > field.Ends[interval]) interval++;
                    uint value = classValue[field.IntervalClass[interval]];
                    if (width == 2)
                    {
                        blob.WriteByte(direct + (int)v * 2, (byte)value);
                        blob.WriteByte(direct + (int)v * 2 + 1, (byte)(value >> 8));
                    }
                    else
                    {
                        blob.WriteUInt32(direct + (int)v * 4, value);
                    }
                }
                blob.WriteUInt32(desc + TableFormat.FieldDirectOffset, (uint)direct);
            }
            blob.WriteUInt32(desc + TableFormat.FieldClassMapOffset, (uint)classMap);
            blob.WriteUInt32(desc + TableFormat.FieldClassCount, (uint)field.ClassRows.Count);
            blob.WriteUInt32(desc + TableFormat.FieldRecordStride, (uint)stride);
            fieldStats.Add(new FieldTableStats
            {
                Kind = kind,
                Intervals = field.IntervalClass.Length,
                Classes = field.ClassRows.Count,
                Patterns = feedsCross ? 0 : field.Patterns.Count,
                Levels = levels.Count,
                Strategy = strategy switch
                {
                    TableFormat.StrategyDirect => "direct",
                    TableFormat.StrategyDirect16 => "direct16",
                    TableFormat.StrategyConstant => "constant",
                    _ => "tree",
                },
                Bytes = blob.Length - start,
            });
        }

        CrossTableStats? crossStats = null;
        if (cross != null)
        {
            int start = blob.Length;
            int desc = blob.Reserve(TableFormat.CrossDescriptorBytes);
            int records = InPair(2) ? 0 : WriteRecords(blob, cross.Classes.Rows, cross.Patterns.Patterns, summaryWords, chunkCount, stride);
            int table = blob.Reserve(cross.EntryClass.Length * 4);
            for (int i = 0; i < cross.EntryClass.Length; i++)
            {
                uint value = InPair(2) ? (uint)cross.EntryClass[i] * PairMultiplier(2) : (uint)(records + cross.EntryClass[i] * stride);
                blob.WriteUInt32(table + i * 4, value);
            }
            blob.WriteUInt32(desc + TableFormat.CrossTableOffset, (uint)table);
            blob.WriteUInt32(desc + TableFormat.CrossEntries, (uint)cross.EntryClass.Length);
            blob.WriteUInt32(desc + TableFormat.CrossRecordsOffset, (uint)records);
            blob.WriteUInt32(desc + TableFormat.CrossClassCount, (uint)cross.Classes.Rows.Count);
            blob.WriteUInt32(header + TableFormat.HeaderCrossOffset, (uint)desc);
            crossStats = new CrossTableStats
            {
                Entries = cross.EntryClass.Length,
                Classes = cross.Classes.Rows.Count,
                Patterns = cross.Patterns.Patterns.Count,
                Bytes = blob.Length - start,
            };
        }

        PairTableStats? pairStats = null;
        if (pair != null)
        {
            int start = blob.Length;
            int records = WriteRecords(blob, pair.Classes.Rows, pair.Patterns.Patterns, summaryWords, chunkCount, stride);
            int table = blob.Reserve(pair.EntryClass.Length * 4);
            for (int i = 0; i < pair.EntryClass.Length; i++) blob.WriteUInt32(table + i * 4, (uint)(records + pair.EntryClass[i] * stride));
            blob.WriteUInt32(pairDesc + TableFormat.PairTableOffset, (uint)table);
            blob.WriteUInt32(pairDesc + TableFormat.PairEntries, (uint)pair.EntryClass.Length);
            blob.WriteUInt32(pairDesc + TableFormat.PairFirstUnit, (uint)pairFirst);
            blob.WriteUInt32(pairDesc + TableFormat.PairSecondUnit, (uint)pairSecond);
            blob.WriteUInt32(pairDesc + TableFormat.PairRecordsOffset, (uint)records);
            blob.WriteUInt32(pairDesc + TableFormat.PairClassCount, (uint)pair.Classes.Rows.Count);
            blob.WriteUInt32(header + TableFormat.HeaderPairOffset, (uint)pairDesc);
            string[] names = { "source", "destination", "cross" };
            pairStats = new PairTableStats
            {
                Units = names[pairFirst] + "x" + names[pairSecond],
                Entries = pair.EntryClass.Length,
                Classes = pair.Classes.Rows.Count,
                Patterns = pair.Patterns.Patterns.Count,
                Bytes = blob.Length - start,
            };
        }

        int ruleIds = blob.Reserve(ruleCount * 4);
        int verdicts = blob.Reserve(ruleCount);
        for (int r = 0; r < ruleCount; r++)
        {
            blob.WriteUInt32(ruleIds + r * 4, rules[r].RuleId);
            blob.WriteByte(verdicts + r, rules[r].Verdict);
        }
        blob.WriteUInt32(header + TableFormat.HeaderRuleIdsOffset, (uint)ruleIds);
        blob.WriteUInt32(header + TableFormat.HeaderVerdictsOffset, (uint)verdicts);
        blob.Reserve(0);
        blob.WriteUInt32(header + TableFormat.HeaderTotalBytes, (uint)TableFormat.Align(blob.Length, TableFormat.Alignment));
        return (blob.ToArray(), fieldStats, crossStats, pairStats);
    }

    /// <summary>
    /// One class needs no lookup. Protocol and ports with more intervals than one
    /// tree node holds use a direct table (one load instead of two tree levels);
    /// addresses always use the tree.
    /// </summary>
    private static uint ChooseStrategy(FieldKind kind, FieldDecomposition field)
    {
        if (field.IntervalClass.Length == 1) return TableFormat.StrategyConstant;
        bool small = kind is FieldKind.Protocol or FieldKind.SourcePort or FieldKind.DestinationPort;
        return small && field.IntervalClass.Length > TableFormat.NodeKeys + 1 ? TableFormat.StrategyDirect : TableFormat.StrategyTree;
    }

    /// <summary>Writes patterns then class records (summary bits + pattern offsets); returns the records' offset.</summary>
    private static int WriteRecords(BlobWriter blob, List<int[]> rows, List<ulong[]> patterns, int summaryWords, int chunkCount, int stride)
    {
        if (chunkCount <= TableFormat.InlineMaxChunks)
        {
            int inline = blob.Reserve(rows.Count * stride);
            for (int c = 0; c < rows.Count; c++)
            {
                for (int chunk = 0; chunk < chunkCount; chunk++)
                {
                    var pattern = patterns[rows[c][chunk]];
                    int at = inline + c * stride + chunk * TableFormat.ChunkBytes;
                    for (int w = 0; w < 8; w++) blob.WriteUInt64(at + w * 8, pattern[w]);
                }
            }
            return inline;
        }
        int patternsAt = blob.Reserve(patterns.Count * TableFormat.ChunkBytes);
        for (int p = 0; p < patterns.Count; p++)
        {
            for (int w = 0; w < 8; w++) blob.WriteUInt64(patternsAt + p * TableFormat.ChunkBytes + w * 8, patterns[p][w]);
        }
        int records = blob.Reserve(rows.Count * stride);
        for (int c = 0; c < rows.Count; c++)
        {
            int rec = records + c * stride;
            var row = rows[c];
            var summary = new ulong[summaryWords];
            for (int chunk = 0; chunk < chunkCount; chunk++)
            {
                if (row[chunk] != 0) summary[chunk >> 6] |= 1UL << (chunk & 63);
                blob.WriteUInt32(rec + summaryWords * 8 + chunk * 4, (uint)(patternsAt + row[chunk] * TableFormat.ChunkBytes));
            }
            for (int w = 0; w < summaryWords; w++) blob.WriteUInt64(rec + w * 8, summary[w]);
        }
        return records;
    }
}
