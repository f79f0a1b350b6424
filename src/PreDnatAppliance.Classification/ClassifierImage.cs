using System.Buffers.Binary;
using System.Runtime.InteropServices;
using PreDnatAppliance.ClassifierTables;

namespace PreDnatAppliance.Classification;

/// <summary>
/// A table blob copied once into 64-byte aligned native memory, so that every
/// node and pattern is one cache line and the kernel can use raw pointers
/// without pinning per burst. Validates the header before anything reads it.
/// </summary>
internal sealed unsafe class ClassifierImage : IDisposable
{
    public ClassifierImage(ReadOnlySpan<byte> blob)
    {
        if (blob.Length < TableFormat.HeaderBytes) throw new ArgumentException("table blob too short");
        if (BinaryPrimitives.ReadUInt32LittleEndian(blob) != TableFormat.Magic) throw new ArgumentException("not a classifier table");
        uint version = BinaryPrimitives.ReadUInt32LittleEndian(blob[TableFormat.HeaderVersion..]);
        if (version != TableFormat.Version) throw new ArgumentException($"table version {version}, kernel reads {TableFormat.Version}");
        uint total = BinaryPrimitives.ReadUInt32LittleEndian(blob[TableFormat.HeaderTotalBytes..]);
        if (total != blob.Length) throw new ArgumentException("table blob length does not match its header");

        Base = (byte*)NativeMemory.AlignedAlloc((nuint)blob.Length, TableFormat.Alignment);
        blob.CopyTo(new Span<byte>(Base, blob.Length));
        Length = blob.Length;
        RuleCount = ReadInt(TableFormat.HeaderRuleCount);
        ChunkCount = ReadInt(TableFormat.HeaderChunkCount);
        SummaryWords = ReadInt(TableFormat.HeaderSummaryWords);
        if (ReadInt(TableFormat.HeaderFieldCount) != FieldCount) throw new ArgumentException("unexpected field count");
        RuleIds = (uint*)(Base + ReadInt(TableFormat.HeaderRuleIdsOffset));
        Verdicts = Base + ReadInt(TableFormat.HeaderVerdictsOffset);
        Inline = ReadInt(TableFormat.HeaderInline) != 0;
        int cross = ReadInt(TableFormat.HeaderCrossOffset);
        CrossTable = cross == 0 ? null : (uint*)(Base + ReadInt(cross + TableFormat.CrossTableOffset));
        int pair = ReadInt(TableFormat.HeaderPairOffset);
        PairTable = pair == 0 ? null : (uint*)(Base + ReadInt(pair + TableFormat.PairTableOffset));
        PairFirstUnit = pair == 0 ? -1 : ReadInt(pair + TableFormat.PairFirstUnit);
        PairSecondUnit = pair == 0 ? -1 : ReadInt(pair + TableFormat.PairSecondUnit);
    }

    /// <summary>Fields in table order: source, destination, protocol, source port, destination port.</summary>
    public const int FieldCount = 5;

    public byte* Base { get; private set; }
    public int Length { get; }
    public int RuleCount { get; }
    public int ChunkCount { get; }
    public int SummaryWords { get; }

    /// <summary>Class records hold their patterns (small tables); else summary and pattern offsets.</summary>
    public bool Inline { get; }
    public uint* RuleIds { get; }
    public byte* Verdicts { get; }

    /// <summary>Protocol x ports -> class record offset, or null when the table keeps five fields.</summary>
    public uint* CrossTable { get; }

    /// <summary>Two units -> class record offset, or null; units are record rows 0 source, 1 destination, 2 cross.</summary>
    public uint* PairTable { get; }
    public int PairFirstUnit { get; }
    public int PairSecondUnit { get; }

    /// <summary>The descriptor of one field inside the image.</summary>
    public byte* Field(int index) => Base + TableFormat.FieldDescriptorsOffset + index * TableFormat.FieldDescriptorBytes;

    public int ReadInt(int offset) => (int)*(uint*)(Base + offset);

    public void Dispose()
    {
        Free();
        GC.SuppressFinalize(this);
    }

    // A classifier that is dropped without Dispose must not leak its table.
    ~ClassifierImage() => Free();

    private void Free()
    {
        if (Base != null)
        {
            NativeMemory.AlignedFree(Base);
            Base = null;
        }
    }
}
