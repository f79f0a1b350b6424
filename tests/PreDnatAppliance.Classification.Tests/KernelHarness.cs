using PreDnatAppliance.ClassifierTables;

namespace PreDnatAppliance.Classification.Tests;

/// <summary>Runs packets through every kernel path and table layout and compares each answer with the oracle.</summary>
internal sealed class KernelHarness : IDisposable
{
    private readonly IReadOnlyList<ClassifierRule> _rules;
    private readonly LinearFirstMatch _oracle;
    private readonly PacketClassifier[] _kernels;

    public KernelHarness(IReadOnlyList<ClassifierRule> rules)
    {
        _rules = rules;
        _oracle = new LinearFirstMatch(rules);
        var tables = Layouts.Select(layout => ClassifierTableBuilder.Build(rules, layout)).ToArray();
        Tables = string.Join("; ", tables.Select(t => (t.Stats.Cross is null ? "five fields" : t.Stats.Pair is null ? "cross" : "pair " + t.Stats.Pair.Units)));
        _kernels = tables.Select(t => new PacketClassifier(t.Blob)).ToArray();
    }

    /// <summary>
    /// The scalar path and every vector path this machine accelerates (here: 512, 256 and 128
    /// bits); a path it does not accelerate would only test the runtime's emulation, slowly.
    /// </summary>
    public static readonly KernelPath[] Paths =
        Enum.GetValues<KernelPath>().Where(p => p == KernelPath.Scalar || KernelPaths.IsAccelerated(p)).ToArray();

    /// <summary>Every layout; the builder falls back to a simpler one when a product is too large.</summary>
    public static readonly TableLayout[] Layouts = Enum.GetValues<TableLayout>();

    /// <summary>What the builder made of each requested layout.</summary>
    public string Tables { get; }

    /// <summary>Kernel answers compared (every path, every layout) so far.</summary>
    public long Checks { get; private set; }

    /// <summary>Classifies the packets in bursts of varying size; returns a description of the first mismatch.</summary>
    public string? Check(uint[] src, uint[] dst, byte[] proto, ushort[] sport, ushort[] dport, int count, Random random)
    {
        var expected = new int[count];
        for (int i = 0; i < count; i++) expected[i] = _oracle.Classify(src[i], dst[i], proto[i], sport[i], dport[i]);
        var actual = new int[count];
        for (int k = 0; k < _kernels.Length; k++)
        {
            var kernel = _kernels[k];
            foreach (var path in Paths)
            {
                Array.Fill(actual, int.MinValue);
                for (int start = 0; start < count;)
                {
                    // Odd burst sizes exercise partial blocks.
                    int n = Math.Min(count - start, random.Next(1, 100));
                    var burst = new PacketBurst(src.AsSpan(start), dst.AsSpan(start), proto.AsSpan(start), sport.AsSpan(start), dport.AsSpan(start), n);
                    if (path == KernelPath.Scalar) kernel.ClassifyScalar(burst, actual.AsSpan(start, n));
                    else kernel.Classify(burst, actual.AsSpan(start, n), path);
                    start += n;
                }
                for (int i = 0; i < count; i++)
                {
                    if (actual[i] != expected[i])
                    {
                        return $"{path} path, {Layouts[k]} layout: packet "
                            + $"{src[i]} {dst[i]} {proto[i]} {sport[i]} {dport[i]} got rule {actual[i]}, oracle says {expected[i]} of {_rules.Count}";
                    }
                }
                Checks += count;
            }
        }
        return null;
    }

    
    public void Dispose()
    {
        foreach (var k in _kernels) k.Dispose();
    }
}
