using System.Reflection;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using PreDnatAppliance.ClassBench;
using PreDnatAppliance.Classification;
using PreDnatAppliance.ClassifierTables;
using PreDnatAppliance.Policy;

namespace PreDnatAppliance.Benchmarks;

/// <summary>
/// The generated classifiers alone, per burst of 32 packets (each benchmark invocation classifies
/// <see cref="Bursts"/> bursts; the reported time is per burst):
/// <list type="bullet">
/// <item><b>linear</b>: the pre-DNAT program of the repository's policies/ (built by the generator into
/// PreDnatAppliance.Policies at build time; linear vector strategy), on a packet mix drawn from its rules; baseline:
/// its scalar path.</item>
/// <item><b>table</b>: the pre-DNAT program of ClassBench acl1_1k converted to Calico YAML and compiled in memory by
/// the generator (table strategy), on the acl1_1k trace; baseline: the table kernel alone (PacketClassifier on a
/// table built straight from the ClassBench rules), which shows what the generated wrapper costs.</item>
/// </list>
/// Vector512 and Vector256 run whatever the CPU (emulated where not accelerated, see the environment line).
/// </summary>
[Config(typeof(InProcessConfig))]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class ClassifierBenchmarks
{
    /// <summary>
    /// In process: a generated benchmark project would reach the generator (which this project uses as a library)
    /// only transitively, where its analyzer-dependency items keep PreDnatAppliance.Policy.dll out of the output.
    /// </summary>
    private sealed class InProcessConfig : ManualConfig
    {
        public InProcessConfig() => AddJob(Job.Default.WithToolchain(InProcessEmitToolchain.Instance));
    }

    public const int Bursts = 256;
    public const int BurstSize = 32;

    private HeaderBatch[] _linearBursts = null!;
    private HeaderBatch[] _tableBursts = null!;
    private IPolicyClassifier _linear = null!;
    private IPolicyClassifier _table = null!;
    private ClassifyCall _linear512 = null!, _linear256 = null!, _table512 = null!, _table256 = null!;
    private PacketClassifier _kernel = null!;
    private uint[][] _src = null!, _dst = null!;
    private byte[][] _proto = null!;
    private ushort[][] _sport = null!, _dport = null!;
    private readonly PolicyVerdict[] _verdicts = new PolicyVerdict[HeaderBatch.Capacity];
    private readonly uint[] _rules = new uint[HeaderBatch.Capacity];
    private readonly int[] _entries = new int[HeaderBatch.Capacity];

    private static string RepositoryRoot { get; } =
        typeof(ClassifierBenchmarks).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "RepositoryRoot").Value!;

    [GlobalSetup]
    public void Setup()
    {
        // Linear: the policy assembly the build made from policies/, and packets drawn from the same program.
        var repositoryPolicy = InMemoryPolicy.FromAssembly(typeof(PreDnatAppliance.Policies.Generated.CompiledPolicy).Assembly);
        const string linearKey = "hep/node1-eth0/prednat/ingress";
        _linear = repositoryPolicy.Find(linearKey) ?? throw new InvalidOperationException("policies/ has no " + linearKey);
        var policies = Path.Combine(RepositoryRoot, "policies");
        var compiled = PolicyProject.Compile(PolicyProject.LoadTexts(Directory.EnumerateFiles(policies, "*.yaml").Order(StringComparer.Ordinal)
            .Select(f => ("policies/" + Path.GetFileName(f), File.ReadAllText(f)))));
        _linearBursts = PacketMix.ForProgram(compiled.Programs.Single(p => p.Key == linearKey), Bursts, BurstSize);
        (_linear512, _linear256) = (WidthPath(_linear, "ClassifyVector512"), WidthPath(_linear, "ClassifyVector256"));

        // Table: ClassBench acl1_1k through converter and generator, and the kernel on the same rules.
        var data = Environment.GetEnvironmentVariable("CLASSBENCH_DATA") is { Length: > 0 } env
            ? env
            : Path.GetFullPath(Path.Combine(RepositoryRoot, "..", "shared", "data", "classbench"));
        var rulesPath = Path.Combine(data, "acl1_1k");
        if (!File.Exists(rulesPath))
            throw new FileNotFoundException($"ClassBench data not found at {data} (set CLASSBENCH_DATA)", rulesPath);
        var files = CalicoConverter.Convert(CalicoConverter.ReadRules(rulesPath)).Select(f => ("policies/" + f.Name, f.Text)).ToList();
        _table = InMemoryPolicy.Compile(files, "ClassBenchPolicy").Find(CalicoConverter.ProgramKey)!;
        if (_table.GetType().GetMethod("RunTable", BindingFlags.NonPublic | BindingFlags.Static) is null)
            throw new InvalidOperationException("the ClassBench program did not get the table strategy");
        (_table512, _table256) = (WidthPath(_table, "ClassifyVector512"), WidthPath(_table, "ClassifyVector256"));
        var trace = ClassBenchFormat.ReadTrace(Path.Combine(data, "acl1_1k_trace"));
        _tableBursts = PacketMix.FromTrace(trace, Bursts, BurstSize);
        _kernel = new PacketClassifier(ClassifierTableBuilder.Build(ClassBenchFormat.ReadRules(rulesPath)).Blob);
        _src = _tableBursts.Select(b => b.SrcV4).ToArray();
        _dst = _tableBursts.Select(b => b.DstV4).ToArray();
        _proto = _tableBursts.Select(b => b.Protocol).ToArray();
        _sport = _tableBursts.Select(b => b.SrcPort).ToArray();
        _dport = _tableBursts.Select(b => b.DstPort).ToArray();
    }

    /// <summary>ClassifyVector512/256 are public on the generated classes but not on the interface: bound once as delegates.</summary>
    private static ClassifyCall WidthPath(IPolicyClassifier classifier, string method) =>
        (ClassifyCall)Delegate.CreateDelegate(typeof(ClassifyCall), classifier,
            classifier.GetType().GetMethod(method, BindingFlags.Public | BindingFlags.Instance)!);

    public delegate void ClassifyCall(HeaderBatch batch, Span<PolicyVerdict> verdicts, Span<uint> ruleIds);

    [BenchmarkCategory("linear policies/"), Benchmark(Baseline = true, OperationsPerInvoke = Bursts)]
    public void LinearScalar()
    {
        foreach (var batch in _linearBursts) _linear.ClassifyScalar(batch, _verdicts, _rules);
    }

    [BenchmarkCategory("linear policies/"), Benchmark(OperationsPerInvoke = Bursts)]
    public void LinearVector256()
    {
        foreach (var batch in _linearBursts) _linear256(batch, _verdicts, _rules);
    }

    [BenchmarkCategory("linear policies/"), Benchmark(OperationsPerInvoke = Bursts)]
    public void LinearVector512()
    {
        foreach (var batch in _linearBursts) _linear512(batch, _verdicts, _rules);
    }

    [BenchmarkCategory("linear policies/"), Benchmark(OperationsPerInvoke = Bursts)]
    public void LinearClassify()
    {
        foreach (var batch in _linearBursts) _linear.Classify(batch, _verdicts, _rules);
    }

    [BenchmarkCategory("table acl1_1k"), Benchmark(Baseline = true, OperationsPerInvoke = Bursts)]
    public void KernelVector512()
    {
        for (int b = 0; b < Bursts; b++)
            _kernel.Classify(new PacketBurst(_src[b], _dst[b], _proto[b], _sport[b], _dport[b], BurstSize), _entries, KernelPath.Vector512);
    }

    [BenchmarkCategory("table acl1_1k"), Benchmark(OperationsPerInvoke = Bursts)]
    public void TableScalar()
    {
        foreach (var batch in _tableBursts) _table.ClassifyScalar(batch, _verdicts, _rules);
    }

    [BenchmarkCategory("table acl1_1k"), Benchmark(OperationsPerInvoke = Bursts)]
    public void TableVector256()
    {
        foreach (var batch in _tableBursts) _table256(batch, _verdicts, _rules);
    }

    [BenchmarkCategory("table acl1_1k"), Benchmark(OperationsPerInvoke = Bursts)]
    public void TableVector512()
    {
        foreach (var batch in _tableBursts) _table512(batch, _verdicts, _rules);
    }

    [BenchmarkCategory("table acl1_1k"), Benchmark(OperationsPerInvoke = Bursts)]
    public void TableClassify()
    {
        foreach (var batch in _tableBursts) _table.Classify(batch, _verdicts, _rules);
    }

    [GlobalCleanup]
    public void Cleanup() => _kernel.Dispose();
}
