using System.Runtime.CompilerServices;
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
    public static bool IsVectorized => KernelPaths.Best == KernelPath.Vector512;

    /// <summary>Writes the index of the first matching rule, or <see cref="NoMatch"/>, per packet.</summary>
    public void Classify(in PacketBurst burst, Span<int> ruleIndex) => Run(burst, ruleIndex, KernelPaths.Best);

    /// <summary>The burst as the parse stage leaves it: one array per field, <paramref name="count"/> packets.</summary>
    public void Classify(uint[] source, uint[] destination, byte[] protocol, ushort[] sourcePort, ushort[] destinationPort, int count, int[] ruleIndex) =>
        Classify(new PacketBurst(source, destination, protocol, sourcePort, destinationPort, count), ruleIndex);

    /// <summary>The portable path; gives the same answers as <see cref="Classify"/> on any machine.</summary>
    public void ClassifyScalar(in PacketBurst burst, Span<int> ruleIndex) => Run(burst, ruleIndex, KernelPath.Scalar);

    /// <summary>
    /// A chosen path, for tests and benchmarks. A vector path that this machine does not
    /// accelerate still gives the right answers, slowly (the runtime emulates it).
    /// </summary>
    public void Classify(in PacketBurst burst, Span<int> ruleIndex, KernelPath path) => Run(burst, ruleIndex, path);

    /// <summary>Maps rule indexes to the rules' ids and verdicts; no match gets id 0 and <paramref name="noMatchVerdict"/>.</summary>
    public void Resolve(ReadOnlySpan<int> ruleIndex, Span<uint> ruleIds, Span<byte> verdicts, byte noMatchVerdict)
    {
        if (ruleIds.Length < ruleIndex.Length || verdicts.Length < ruleIndex.Length) throw new ArgumentException("result arrays too short");
        uint* ids = _image.RuleIds;
        byte* v = _image.Verdicts;
        int ruleCount = _image.RuleCount;
        for (int i = 0; i < ruleIndex.Length; i++)
        {
            int r = ruleIndex[i];
            // Indexes come from Classify; anything else is a caller bug, not a packet property.
            if (r >= ruleCount) throw new ArgumentOutOfRangeException(nameof(ruleIndex), $"rule index {r} of {ruleCount} rules");
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
    private void Run(in PacketBurst burst, Span<int> ruleIndex, KernelPath path)
    {
        if (ruleIndex.Length < burst.Count) throw new ArgumentException("result array shorter than the burst");
        byte* image = _image.Base;
        if (image == null) throw new ObjectDisposedException(nameof(PacketClassifier));
        uint* records = stackalloc uint[ClassifierImage.FieldCount * BlockSize];
        int summaryWords = _image.SummaryWords;
        int chunkCount = _image.ChunkCount;
        bool inline = _image.Inline;
        uint* cross = _image.CrossTable;
        uint* pair = _image.PairTable;
        int fields = pair != null ? 2 : cross != null ? 3 : 5;
        uint* pairFirst = records + _image.PairFirstUnit * BlockSize;
        uint* pairSecond = records + _image.PairSecondUnit * BlockSize;
        bool pairTakesRowOne = _image.PairFirstUnit == 0 && _image.PairSecondUnit == 1;

        fixed (uint* src = burst.Source)
        fixed (uint* dst = burst.Destination)
        fixed (byte* proto = burst.Protocol)
        fixed (ushort* sport = burst.SourcePort)
        fixed (ushort* dport = burst.DestinationPort)
        fixed (int* result = ruleIndex)
        {
            for (int start = 0; start < burst.Count; start += BlockSize)
            {
                int n = Math.Min(BlockSize, burst.Count - start);
                var block = new Block(src + start, dst + start, proto + start, sport + start, dport + start, n);
                switch (path)
                {
                    case KernelPath.Vector512: SearchFields<NodeCounter512>(image, block, records); break;
                    case KernelPath.Vector256: SearchFields<NodeCounter256>(image, block, records); break;
                    case KernelPath.Vector128: SearchFields<NodeCounter128>(image, block, records); break;
                    default: SearchFields<NodeCounterScalar>(image, block, records); break;
                }

                if (cross != null)
                {
                    // The three small fields left index parts; their sum picks the combined record.
                    uint* protoRow = records + 2 * BlockSize, sportRow = records + 3 * BlockSize, dportRow = records + 4 * BlockSize;
                    for (int i = 0; i < n; i++) protoRow[i] = cross[protoRow[i] + sportRow[i] + dportRow[i]];
                }

                if (pair != null)
                {
                    // Two units left index parts; the pair record replaces the first, and the
                    // match stage reads rows 0 and 1, so the unit left over moves to row 1 if needed.
                    for (int i = 0; i < n; i++) pairFirst[i] = pair[pairFirst[i] + pairSecond[i]];
                    if (pairTakesRowOne) new Span<uint>(records + 2 * BlockSize, n).CopyTo(new Span<uint>(records + BlockSize, n));
                }

                int* output = result + start;
                switch (path)
                {
                    case KernelPath.Vector512 when inline && fields == 3: InlineMatch.Vector3(image, records, BlockSize, n, chunkCount, output); break;
                    case KernelPath.Vector512 when inline: InlineMatch.Vector5(image, records, BlockSize, n, chunkCount, output); break;
                    case KernelPath.Vector512 when fields == 2: ChunkMatch.Vector2(image, records, BlockSize, n, summaryWords, output); break;
                    case KernelPath.Vector512 when fields == 3: ChunkMatch.Vector3(image, records, BlockSize, n, summaryWords, output); break;
                    case KernelPath.Vector512: ChunkMatch.Vector5(image, records, BlockSize, n, summaryWords, output); break;
                    case KernelPath.Vector256 when inline: InlineMatch.Match<ChunkOps256>(image, records, BlockSize, fields, n, chunkCount, output); break;
                    case KernelPath.Vector256: ChunkMatch.Match<ChunkOps256>(image, records, BlockSize, fields, n, summaryWords, output); break;
                    case KernelPath.Vector128 when inline: InlineMatch.Match<ChunkOps128>(image, records, BlockSize, fields, n, chunkCount, output); break;
                    case KernelPath.Vector128: ChunkMatch.Match<ChunkOps128>(image, records, BlockSize, fields, n, summaryWords, output); break;
                    case KernelPath.Scalar when inline: InlineMatch.Scalar(image, records, BlockSize, fields, n, chunkCount, output); break;
                    default: ChunkMatch.Scalar(image, records, BlockSize, fields, n, summaryWords, output); break;
                }
            }
        }
    }

    /// <summary>One block of the burst: pointers to its first packet in each input array.</summary>
    private readonly struct Block(uint* src, uint* dst, byte* proto, ushort* sport, ushort* dport, int count)
    {
        public readonly uint* Src = src;
        public readonly uint* Dst = dst;
        public readonly byte* Proto = proto;
        public readonly ushort* Sport = sport;
        public readonly ushort* Dport = dport;
        public readonly int Count = count;
    }

    /// <summary>Stage 1 for all five fields; rows of <see cref="BlockSize"/> in field order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void SearchFields<TCounter>(byte* image, in Block b, uint* records)
        where TCounter : struct, INodeCounter<TCounter>
    {
        FieldSearch.Lookup<uint, TCounter>(image, _image.Field(0), b.Src, records, b.Count);
        FieldSearch.Lookup<uint, TCounter>(image, _image.Field(1), b.Dst, records + BlockSize, b.Count);
        FieldSearch.Lookup<byte, TCounter>(image, _image.Field(2), b.Proto, records + 2 * BlockSize, b.Count);
        FieldSearch.Lookup<ushort, TCounter>(image, _image.Field(3), b.Sport, records + 3 * BlockSize, b.Count);
        FieldSearch.Lookup<ushort, TCounter>(image, _image.Field(4), b.Dport, records + 4 * BlockSize, b.Count);
    }

    public void Dispose() => _image.Dispose();
}
