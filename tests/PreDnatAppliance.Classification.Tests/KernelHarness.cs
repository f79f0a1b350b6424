using PreDnatAppliance.ClassifierTables;

namespace PreDnatAppliance.Classification.Tests;

/// <summary>Runs packets through every kernel path and both table layouts and compares each answer with the oracle.</summary>
internal sealed class KernelHarness : IDisposable
{
    private readonly IReadOnlyList<ClassifierRule> _rules;
    private readonly LinearFirstMatch _oracle;
    private readonly PacketClassifier[] _kernels;

    public KernelHarness(IReadOnlyList<ClassifierRule> rules)
    {
        _rules = rules;
        _oracle = new LinearFirstMatch(rules);
        _kernels = new[]
        {
            new PacketClassifier(ClassifierTableBuilder.Build(rules, allowCrossProduct: true).Blob),
            new PacketClassifier(ClassifierTableBuilder.Build(rules, allowCrossProduct: false).Blob),
        };
    }

    /// <summary>
    /// The scalar path and every vector path this machine accelerates (here: 512, 256 and 128
    /// bits); a path it does not accelerate would only test the runtime's emulation, slowly.
    /// </summary>
    public static readonly KernelPath[] Paths =
        Enum.GetValues<KernelPath>().Where(p => p == KernelPath.Scalar || KernelPaths.IsAccelerated(p)).ToArray();

    /// <summary>Kernel answers compared (every path, both layouts) so far.</summary>
    public long Checks { get; private set; }

    /// <summary>Classifies the packets in bursts of varying size; returns a description of the first mismatch.</summary>
    public string? Check(uint[] src, uint[] dst, byte[] proto, ushort[] sport, ushort[] dport, int count, Random random)
    {
        var expected = new int[count];
        for (int i = 0; i < count; i++) expected[i] = _oracle.Classify(src[i], dst[i], proto[i], sport[i], dport[i]);
        var actual = new int[count];
        foreach (var kernel in _kernels)
        {
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
                        return $"{path} path, {(kernel == _kernels[0] ? "cross" : "five-field")} layout: packet "
                            + $"{src[i]} {dst[i]} {proto[i]} {sport[i]} {dport[i]} got rule {actual[i]}, oracle says {expected[i]} of {_rules.Count}";
                    }
                }
                Checks += count;
            }
        }
        return null;
    }

    public PacketClassifier CrossKernel => _kernels[0];

    public void Dispose()
    {
        foreach (var k in _kernels) k.Dispose();
    }
}
