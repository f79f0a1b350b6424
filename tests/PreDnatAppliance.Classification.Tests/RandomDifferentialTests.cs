using PreDnatAppliance.ClassifierTables;
using Xunit.Abstractions;

namespace PreDnatAppliance.Classification.Tests;

/// <summary>
/// Kernel == linear first match on random rule sets and packets biased into rule
/// boundaries, on every kernel path (scalar and each accelerated vector width) and
/// on every table layout.
/// </summary>
public sealed class RandomDifferentialTests
{
    private readonly ITestOutputHelper _output;

    public RandomDifferentialTests(ITestOutputHelper output) => _output = output;

    // Rule counts straddle the 512-rule chunk size and the 64-chunk summary word.
    // Each packet is checked twelve times here (scalar, Vector128, Vector256 and
    // Vector512 paths x three layouts): about 3.7 million kernel answers in all,
    // plus the ClassBench traces.
    [Theory]
    [InlineData(1, 0, 2000)]
    [InlineData(2, 1, 5000)]
    [InlineData(3, 7, 20000)]
    [InlineData(4, 60, 60000)]
    [InlineData(5, 300, 80000)]
    [InlineData(6, 511, 30000)]
    [InlineData(7, 512, 30000)]
    [InlineData(8, 513, 30000)]
    [InlineData(9, 1500, 40000)]
    [InlineData(10, 4000, 12000)]
    [InlineData(11, 33000, 1500)]
    public void KernelAgreesWithLinearFirstMatch(int seed, int ruleCount, int packetCount) =>
        Check(new RandomRules(seed), seed, ruleCount, packetCount);

    // Few port and protocol values: large sets get the cross and pair products too.
    [Theory]
    [InlineData(21, 700, 20000)]
    [InlineData(22, 1500, 20000)]
    [InlineData(23, 5000, 10000)]
    [InlineData(24, 33000, 1000)]
    public void CompactRuleSetsAgreeOnEveryLayout(int seed, int ruleCount, int packetCount) =>
        Check(new RandomRules(seed, compact: true), seed, ruleCount, packetCount);

    private void Check(RandomRules gen, int seed, int ruleCount, int packetCount)
    {
        var rules = gen.Rules(ruleCount);
        using var harness = new KernelHarness(rules);
        var src = new uint[packetCount];
        var dst = new uint[packetCount];
        var proto = new byte[packetCount];
        var sport = new ushort[packetCount];
        var dport = new ushort[packetCount];
        Span<uint> fields = stackalloc uint[FieldKinds.Count];
        for (int i = 0; i < packetCount; i++)
        {
            gen.Packet(rules, fields);
            src[i] = fields[0];
            dst[i] = fields[1];
            proto[i] = (byte)fields[2];
            sport[i] = (ushort)fields[3];
            dport[i] = (ushort)fields[4];
        }
        var mismatch = harness.Check(src, dst, proto, sport, dport, packetCount, new Random(seed));
        Assert.True(mismatch is null, mismatch);
        _output.WriteLine($"{harness.Checks} kernel answers checked against the oracle ({ruleCount} rules, paths {string.Join(",", KernelHarness.Paths)}; tables: {harness.Tables})");
    }

    [Fact]
    public void ResolveGivesRuleIdsAndVerdicts()
    {
        var rules = new List<ClassifierRule>
        {
            new(FieldMatch.Range(10, 20), FieldMatch.Any(FieldKind.DestinationIPv4), FieldMatch.Single(6),
                FieldMatch.Any(FieldKind.SourcePort), FieldMatch.Single(80), ruleId: 1234, verdict: 1),
            new(FieldMatch.Any(FieldKind.SourceIPv4), FieldMatch.Any(FieldKind.DestinationIPv4), FieldMatch.Any(FieldKind.Protocol),
                FieldMatch.Any(FieldKind.SourcePort), FieldMatch.Single(80), ruleId: 99, verdict: 2),
        };
        using var kernel = new PacketClassifier(ClassifierTableBuilder.Build(rules).Blob);
        uint[] src = { 15, 15, 15 };
        uint[] dst = { 1, 1, 1 };
        byte[] proto = { 6, 17, 6 };
        ushort[] sport = { 1, 1, 1 };
        ushort[] dport = { 80, 80, 81 };
        var index = new int[3];
        kernel.Classify(new PacketBurst(src, dst, proto, sport, dport, 3), index);
        Assert.Equal(new[] { 0, 1, PacketClassifier.NoMatch }, index);
        var ids = new uint[3];
        var verdicts = new byte[3];
        kernel.Resolve(index, ids, verdicts, noMatchVerdict: 7);
        Assert.Equal(new uint[] { 1234, 99, 0 }, ids);
        Assert.Equal(new byte[] { 1, 2, 7 }, verdicts);
    }

    [Fact]
    public void BuildIsDeterministic()
    {
        var rules = new RandomRules(42).Rules(700);
        Assert.Equal(ClassifierTableBuilder.Build(rules).Blob, ClassifierTableBuilder.Build(rules).Blob);
    }

    [Fact]
    public void EmptyUnionNeverMatchesAndEdgesMatch()
    {
        var rules = new List<ClassifierRule>
        {
            new(FieldMatch.None, FieldMatch.Any(FieldKind.DestinationIPv4), FieldMatch.Any(FieldKind.Protocol),
                FieldMatch.Any(FieldKind.SourcePort), FieldMatch.Any(FieldKind.DestinationPort), 1, 1),
            new(FieldMatch.Single(uint.MaxValue), FieldMatch.Single(0), FieldMatch.Single(255),
                FieldMatch.Single(65535), FieldMatch.Single(0), 2, 2),
        };
        using var harness = new KernelHarness(rules);
        var mismatch = harness.Check(
            new uint[] { uint.MaxValue, uint.MaxValue, 0 }, new uint[] { 0, 1, 0 }, new byte[] { 255, 255, 0 },
            new ushort[] { 65535, 65535, 0 }, new ushort[] { 0, 0, 0 }, 3, new Random(1));
        Assert.Null(mismatch);
    }
}
