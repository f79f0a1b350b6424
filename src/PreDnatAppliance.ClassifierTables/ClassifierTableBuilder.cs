using System.Diagnostics;

namespace PreDnatAppliance.ClassifierTables;

/// <summary>
/// Turns an ordered rule list into the serialized table the kernel reads
/// (layout in <see cref="TableFormat"/>). Pure and deterministic: the same
/// rules always give the same bytes, as a source generator needs.
/// </summary>
public static class ClassifierTableBuilder
{
    public static ClassifierTable Build(IReadOnlyList<ClassifierRule> rules)
    {
        var clock = Stopwatch.StartNew();
        int ruleCount = rules.Count;
        int chunkCount = Math.Max(1, (ruleCount + TableFormat.ChunkBits - 1) / TableFormat.ChunkBits);
        int summaryWords = (chunkCount + 63) / 64;

        var fields = new FieldDecomposition[FieldKinds.Count];
        var trees = new List<uint[]>[FieldKinds.Count];
        for (int f = 0; f < FieldKinds.Count; f++)
        {
            fields[f] = FieldDecomposition.Build(rules, (FieldKind)f, chunkCount);
            trees[f] = SearchTreeLayout.Build(fields[f].Ends);
        }

        var blob = new BlobWriter(1 << 16);
        int header = blob.Reserve(TableFormat.HeaderBytes + FieldKinds.Count * TableFormat.FieldDescriptorBytes);
        blob.WriteUInt32(header + TableFormat.HeaderMagic, TableFormat.Magic);
        blob.WriteUInt32(header + TableFormat.HeaderVersion, TableFormat.Version);
        blob.WriteUInt32(header + TableFormat.HeaderRuleCount, (uint)ruleCount);
        blob.WriteUInt32(header + TableFormat.HeaderChunkCount, (uint)chunkCount);
        blob.WriteUInt32(header + TableFormat.HeaderSummaryWords, (uint)summaryWords);
        blob.WriteUInt32(header + TableFormat.HeaderFieldCount, FieldKinds.Count);

        var fieldStats = new List<FieldTableStats>();
        int stride = TableFormat.RecordStride(summaryWords, chunkCount);
        for (int f = 0; f < FieldKinds.Count; f++)
        {
            int start = blob.Length;
            var field = fields[f];
            var levels = trees[f];
            int desc = TableFormat.FieldDescriptorsOffset + f * TableFormat.FieldDescriptorBytes;
            blob.WriteUInt32(desc + TableFormat.FieldKindOffset, (uint)f);
            blob.WriteUInt32(desc + TableFormat.FieldLevelCount, (uint)levels.Count);
            for (int l = 0; l < levels.Count; l++)
            {
                int at = blob.Reserve(levels[l].Length * 4);
                for (int i = 0; i < levels[l].Length; i++) blob.WriteUInt32(at + i * 4, levels[l][i]);
                blob.WriteUInt32(desc + TableFormat.FieldLevelOffsets + l * 4, (uint)at);
            }

            int classMap = blob.Reserve(field.IntervalClass.Length * 4);
            int records = blob.Reserve(field.ClassRows.Count * stride);
            int patterns = blob.Reserve(field.Patterns.Count * TableFormat.ChunkBytes);
            for (int i = 0; i < field.IntervalClass.Length; i++)
            {
                blob.WriteUInt32(classMap + i * 4, (uint)(records + field.IntervalClass[i] * stride));
            }
            for (int c = 0; c < field.ClassRows.Count; c++)
            {
                int rec = records + c * stride;
                var row = field.ClassRows[c];
                for (int chunk = 0; chunk < chunkCount; chunk++)
                {
                    if (row[chunk] != 0)
                    {
                        int word = rec + (chunk >> 6) * 8;
                        // Summary words are written bit by bit; read-modify-write keeps it simple.
                        ulong current = ReadUInt64(blob, word);
                        blob.WriteUInt64(word, current | (1UL << (chunk & 63)));
                    }
                    blob.WriteUInt32(rec + summaryWords * 8 + chunk * 4, (uint)(patterns + row[chunk] * TableFormat.ChunkBytes));
                }
            }
            for (int p = 0; p < field.Patterns.Count; p++)
            {
                for (int w = 0; w < 8; w++) blob.WriteUInt64(patterns + p * TableFormat.ChunkBytes + w * 8, field.Patterns[p][w]);
            }
            blob.WriteUInt32(desc + TableFormat.FieldClassMapOffset, (uint)classMap);
            blob.WriteUInt32(desc + TableFormat.FieldClassCount, (uint)field.ClassRows.Count);
            blob.WriteUInt32(desc + TableFormat.FieldRecordStride, (uint)stride);
            blob.WriteUInt32(desc + TableFormat.FieldRecordsOffset, (uint)records);
            blob.WriteUInt32(desc + TableFormat.FieldPatternsOffset, (uint)patterns);
            blob.WriteUInt32(desc + TableFormat.FieldPatternCount, (uint)field.Patterns.Count);
            fieldStats.Add(new FieldTableStats
            {
                Kind = (FieldKind)f,
                Intervals = field.IntervalClass.Length,
                Classes = field.ClassRows.Count,
                Patterns = field.Patterns.Count,
                Levels = levels.Count,
                Bytes = blob.Length - start,
            });
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
        var bytes = blob.ToArray();
        blob.WriteUInt32(header + TableFormat.HeaderTotalBytes, (uint)bytes.Length);
        bytes = blob.ToArray();
        clock.Stop();

        return new ClassifierTable(bytes, new ClassifierTableStats
        {
            RuleCount = ruleCount,
            ChunkCount = chunkCount,
            MemoryBytes = bytes.Length,
            BuildTime = clock.Elapsed,
            Fields = fieldStats,
        });
    }

    private static ulong ReadUInt64(BlobWriter blob, int offset) => blob.ReadUInt64(offset);
}
