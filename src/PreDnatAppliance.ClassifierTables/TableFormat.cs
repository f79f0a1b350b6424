// The byte layout of a classifier table. This one file is compiled into both
// the builder (netstandard2.0) and the kernel (net10.0) so they cannot disagree.
//
// Method (bit-vector decomposition with per-chunk pattern sharing):
//   * Rules are bits in priority order; bit b lives in chunk b / 512.
//   * Per field, the value space is cut into elementary intervals and intervals
//     with the same set of covering rules share an equivalence class.
//   * A class record holds a summary (one bit per chunk: does the class cover any
//     rule of that chunk?) and, per chunk, the byte offset of a 64-byte pattern
//     (the class's 512 rule bits of that chunk). Patterns are deduplicated per
//     field, so memory grows with distinct patterns, not classes x rules.
//   * A packet finds its class per field: addresses with a 17-way search tree
//     of 16-key nodes (one 64-byte compare per level); protocol and ports with a
//     direct table, a one-node tree, or nothing when the field has one class.
//   * Protocol x source port x destination port classes are cross-producted
//     (RFC-style) into one record per combination when that table is small, so
//     a packet ANDs three bit vectors instead of five.
//   * Then, when small enough, two of the three remaining units (source,
//     destination, that product) are combined the same way into a pair table,
//     so the kernel ANDs two bit vectors, and the pair's summaries are exact
//     across both (fewer false candidate chunks).
//   * The kernel ANDs the summaries and walks the candidate chunks in order;
//     the first chunk whose AND of patterns is not zero holds the first match.
//   * Small tables (at most InlineMaxChunks chunks, i.e. 1024 rules) store the
//     patterns inside the class records instead (no summary, no offsets): the
//     kernel ANDs every chunk without branching, one load level less.
//
// All offsets are bytes from the start of the blob; sections start 64-aligned.
namespace PreDnatAppliance.ClassifierTables;

internal static class TableFormat
{
    public const uint Magic = 0x54434450; // "PDCT"
    public const uint Version = 5;

    public const int ChunkBits = 512;
    public const int ChunkBytes = 64;
    public const int NodeKeys = 16;
    public const int Fanout = NodeKeys + 1;
    public const int NodeBytes = 64;
    public const int MaxLevels = 6;
    public const int Alignment = 64;

    // Header.
    public const int HeaderMagic = 0;
    public const int HeaderVersion = 4;
    public const int HeaderRuleCount = 8;
    public const int HeaderChunkCount = 12;
    public const int HeaderSummaryWords = 16;
    public const int HeaderFieldCount = 20;
    public const int HeaderRuleIdsOffset = 24;
    public const int HeaderVerdictsOffset = 28;
    public const int HeaderTotalBytes = 32;
    public const int HeaderCrossOffset = 36;      // u32 offset of the cross descriptor, 0 when absent
    public const int HeaderInline = 40;           // u32 1 when records hold their patterns inline
    public const int HeaderPairOffset = 44;       // u32 offset of the pair descriptor, 0 when absent
    public const int HeaderBytes = 64;

    // Field descriptors follow the header, one per field in FieldKind order.
    public const int FieldDescriptorsOffset = HeaderBytes;
    public const int FieldDescriptorBytes = 64;
    public const int FieldKindOffset = 0;          // u32 FieldKind
    public const int FieldLevelCount = 4;          // u32 levels including the leaf level
    public const int FieldClassMapOffset = 8;      // u32[intervals]: interval -> class record offset
    public const int FieldClassCount = 12;
    public const int FieldRecordStride = 16;       // bytes per class record
    public const int FieldRecordsOffset = 20;
    public const int FieldPatternsOffset = 24;
    public const int FieldPatternCount = 28;
    public const int FieldLevelOffsets = 32;       // u32[MaxLevels], top level first, leaf level last
    public const int FieldStrategy = 56;           // u32 LookupStrategy
    public const int FieldDirectOffset = 60;       // u32[max value + 1] for LookupStrategy.Direct

    // A field's lookup yields a u32: the class-map value of the packet's interval.
    // That is a class record offset, or, for a field feeding the cross product,
    // class index x the field's stride in the cross table.
    public const uint StrategyTree = 0;
    public const uint StrategyDirect = 1;
    public const uint StrategyConstant = 2;
    public const uint StrategyDirect16 = 3;        // direct table of u16 values (all below 65536): half the cache

    // Cross descriptor: protocol, source port, destination port -> one record.
    public const int CrossDescriptorBytes = 64;
    public const int CrossTableOffset = 0;         // u32[entries]: record offset per combination
    public const int CrossEntries = 4;
    public const int CrossRecordsOffset = 8;
    public const int CrossClassCount = 12;
    public const int CrossPatternsOffset = 16;
    public const int CrossPatternCount = 20;

    // Pair descriptor: two units -> one record. Units are the kernel's record rows after the
    // cross step: 0 source, 1 destination, 2 protocol x ports. First < second; the first unit's
    // lookup yields class x (second unit's class count), the second's its class.
    public const int PairDescriptorBytes = 64;
    public const int PairTableOffset = 0;          // u32[entries]: record offset per combination
    public const int PairEntries = 4;
    public const int PairFirstUnit = 8;
    public const int PairSecondUnit = 12;
    public const int PairRecordsOffset = 16;
    public const int PairClassCount = 20;

    public const int InlineMaxChunks = 2;

    // Class record: summary u64[SummaryWords], then u32 pattern offset per chunk;
    // inline: the chunkCount patterns themselves, 64 bytes each.
    public static int RecordStride(int summaryWords, int chunkCount) =>
        chunkCount <= InlineMaxChunks ? chunkCount * ChunkBytes : Align(summaryWords * 8 + chunkCount * 4, 8);

    public static int Align(int value, int alignment) => (value + alignment - 1) / alignment * alignment;
}
