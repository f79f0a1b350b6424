using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using PreDnatAppliance.ClassifierTables;

namespace PreDnatAppliance.Classification;

/// <summary>
/// First-match classifier over a table built by <c>ClassifierTableBuilder</c>.
/// A burst is cut into blocks of <see cref="BlockSize"/> packets; each block runs
/// the field-search stage for all five fields, then the chunk-match stage, with
/// intermediate results in stack arrays: nothing is allocated per burst.
/// Not thread-safe to dispose while classifying; classifying is read-only and
/// may run on several cores at once.
/// </summary>
public sealed unsafe class PacketClassifier : IDisposable
{
    public const int NoMatch = -1;

    /// <summary>Packets per stage pass: enough to overlap loads, small enough for L1.</summary>
    public const int BlockSize = 32;

    private readonly ClassifierImage _image;

    public PacketClassifier(ReadOnlySpan<byte> blob) => _image = new ClassifierImage(blob);

    public int RuleCount => _image.RuleCount;

    /// <summary>Bytes of table memory the kernel reads.</summary>
    public long MemoryBytes => _image.Length;

    /// <summary>True when <see cref="Classify"/> takes the Vector512 path on this machine.</summary>
    public static bool IsVectorized => Vector512.IsHardwareAccelerated;

    /// <summary>Writes the index of the first matching rule, or <see cref="NoMatch"/>, per packet.</summary>
    public void Classify(in PacketBurst burst, Span<int> ruleIndex) => Run(burst, ruleIndex, IsVectorized);

    /// <summary>The burst as the parse stage leaves it: one array per field, <paramref name="count"/> packets.</summary>
    public void Classify(uint[] source, uint[] destination, byte[] protocol, ushort[] sourcePort, ushort[] destinationPort, int count, int[] ruleIndex) =>
        Classify(new PacketBurst(source, destination, protocol, sourcePort, destinationPort, count), ruleIndex);

    /// <summary>The portable path; gives the same answers as <see cref="Classify"/> on any machine.</summary>
    public void ClassifyScalar(in PacketBurst burst, Span<int> ruleIndex) => Run(burst, ruleIndex, vector: false);

    /// <summary>Maps rule indexes to the rules' ids and verdicts; no match gets id 0 and <paramref name="noMatchVerdict"/>.</summary>
    public void Resolve(ReadOnlySpan<int> ruleIndex, Span<uint> ruleIds, Span<byte> verdicts, byte noMatchVerdict)
    {
        if (ruleIds.Length < ruleIndex.Length || verdicts.Length < ruleIndex.Length) throw new ArgumentException("result arrays too short");
        uint* ids = _image.RuleIds;
        byte* v = _image.Verdicts;
        for (int i = 0; i < ruleIndex.Length; i++)
        {
            int r = ruleIndex[i];
            if (r < 0)
            {
                ruleIds[i] = 0;
                verdicts[i] = noMatchVerdict;
            }
            else
            {
                ruleIds[i] = ids[r];
                verdicts[i] = v[r];
            }
        }
    }

    // Kernels are compiled fully optimized at once: tiering would leave the hot loops
    // in unoptimized code for the first bursts and did not promote them reliably.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Run(in PacketBurst burst, Span<int> ruleIndex, bool vector)
    {
        if (ruleIndex.Length < burst.Count) throw new ArgumentException("result array shorter than the burst");
        byte* image = _image.Base;
        if (image == null) throw new ObjectDisposedException(nameof(PacketClassifier));
        uint* records = stackalloc uint[ClassifierImage.FieldCount * BlockSize];
        int summaryWords = _image.SummaryWords;
        byte* fSrc = _image.Field(0);
        byte* fDst = _image.Field(1);
        byte* fProto = _image.Field(2);
        byte* fSport = _image.Field(3);
        byte* fDport = _image.Field(4);

        fixed (uint* src = burst.Source)
        fixed (uint* dst = burst.Destination)
        fixed (byte* proto = burst.Protocol)
        fixed (ushort* sport = burst.SourcePort)
        fixed (ushort* dport = burst.DestinationPort)
        fixed (int* result = ruleIndex)
        {
            uint* cross = _image.CrossTable;
            bool inline = _image.Inline;
            int chunkCount = _image.ChunkCount;
            for (int start = 0; start < burst.Count; start += BlockSize)
            {
                int n = Math.Min(BlockSize, burst.Count - start);
                uint* srcRow = records, dstRow = records + BlockSize, protoRow = records + 2 * BlockSize;
                uint* sportRow = records + 3 * BlockSize, dportRow = records + 4 * BlockSize;
                if (vector)
                {
                    FieldSearch.Vector(image, fSrc, src + start, srcRow, n);
                    FieldSearch.Vector(image, fDst, dst + start, dstRow, n);
                    FieldSearch.Vector(image, fProto, proto + start, protoRow, n);
                    FieldSearch.Vector(image, fSport, sport + start, sportRow, n);
                    FieldSearch.Vector(image, fDport, dport + start, dportRow, n);
                }
                else
                {
                    FieldSearch.Scalar(image, fSrc, src + start, srcRow, n);
                    FieldSearch.Scalar(image, fDst, dst + start, dstRow, n);
                    FieldSearch.Scalar(image, fProto, proto + start, protoRow, n);
                    FieldSearch.Scalar(image, fSport, sport + start, sportRow, n);
                    FieldSearch.Scalar(image, fDport, dport + start, dportRow, n);
                }

                if (cross != null)
                {
                    // The three small fields left index parts; their sum picks the combined record.
                    for (int i = 0; i < n; i++) protoRow[i] = cross[protoRow[i] + sportRow[i] + dportRow[i]];
                    if (inline && vector) InlineMatch.Vector3(image, records, BlockSize, n, chunkCount, result + start);
                    else if (inline) InlineMatch.Scalar(image, records, BlockSize, 3, n, chunkCount, result + start);
                    else if (vector) ChunkMatch.Vector3(image, records, BlockSize, n, summaryWords, result + start);
                    else ChunkMatch.Scalar(image, records, BlockSize, 3, n, summaryWords, result + start);
                }
                else
                {
                    if (inline && vector) InlineMatch.Vector5(image, records, BlockSize, n, chunkCount, result + start);
                    else if (inline) InlineMatch.Scalar(image, records, BlockSize, 5, n, chunkCount, result + start);
                    else if (vector) ChunkMatch.Vector5(image, records, BlockSize, n, summaryWords, result + start);
                    else ChunkMatch.Scalar(image, records, BlockSize, 5, n, summaryWords, result + start);
                }
            }
        }
    }

    public void Dispose() => _image.Dispose();
}
