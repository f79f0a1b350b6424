using PreDnatAppliance.ClassBench;
using PreDnatAppliance.ClassifierTables;
using Xunit.Abstractions;

namespace PreDnatAppliance.Classification.Tests;

/// <summary>Where the shared ClassBench files are: &lt;repo&gt;/../shared/data/classbench.</summary>
internal static class ClassBenchData
{
    public static readonly string? Directory = Locate();

    private static string? Locate([System.Runtime.CompilerServices.CallerFilePath] string sourceFile = "")
    {
        var env = Environment.GetEnvironmentVariable("CLASSBENCH_DATA");
        if (!string.IsNullOrEmpty(env)) return System.IO.Directory.Exists(env) ? env : null;
        // The build output may live outside the repo (--artifacts-path), so start from this
        // source file's directory as well as from the test binary's.
        return FromRepo(Path.GetDirectoryName(sourceFile)) ?? FromRepo(AppContext.BaseDirectory);
    }

    private static string? FromRepo(string? start)
    {
        if (string.IsNullOrEmpty(start) || !System.IO.Directory.Exists(start)) return null;
        for (var dir = new DirectoryInfo(start); dir != null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "PreDnatAppliance.sln")))
            {
                var data = Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "data", "classbench"));
                return System.IO.Directory.Exists(data) ? data : null;
            }
        }
        return null;
    }
}

/// <summary>Skips, with the reason shown in the test report, when the ClassBench data is absent.</summary>
public sealed class ClassBenchFactAttribute : TheoryAttribute
{
    public ClassBenchFactAttribute()
    {
        if (ClassBenchData.Directory is null) Skip = "ClassBench data not found at <repo>/../shared/data/classbench (or $CLASSBENCH_DATA)";
    }
}

public sealed class ClassBenchTests
{
    private readonly ITestOutputHelper _output;

    public ClassBenchTests(ITestOutputHelper output) => _output = output;

    [ClassBenchFact]
    [InlineData("acl1_1k", "acl1_1k_trace")]
    [InlineData("fw1_1k", "fw1_1k_trace")]
    [InlineData("ipc1_1k", "ipc1_1k_trace")]
    public void EveryTracePacketGetsTheLinearFirstMatch(string rulesFile, string traceFile)
    {
        var rules = ClassBenchFormat.ReadRules(Path.Combine(ClassBenchData.Directory!, rulesFile));
        var trace = ClassBenchFormat.ReadTrace(Path.Combine(ClassBenchData.Directory!, traceFile));
        Assert.True(trace.Count > 1000);
        using var harness = new KernelHarness(rules);
        var mismatch = harness.Check(trace.Source, trace.Destination, trace.Protocol, trace.SourcePort, trace.DestinationPort, trace.Count, new Random(7));
        Assert.True(mismatch is null, mismatch);
        _output.WriteLine($"{rulesFile}: {rules.Count} rules, {trace.Count} packets, {harness.Checks} kernel answers checked");
    }

    [ClassBenchFact]
    [InlineData("acl1_10k", "generated/acl1_10k_gentrace")]
    public void GeneratedTraceIdsAreTheFirstMatch(string rulesFile, string traceFile)
    {
        // The generated traces carry the first-match index: check the kernel against it directly.
        var rules = ClassBenchFormat.ReadRules(Path.Combine(ClassBenchData.Directory!, rulesFile));
        var trace = ClassBenchFormat.ReadTrace(Path.Combine(ClassBenchData.Directory!, traceFile));
        var burst = new PacketBurst(trace.Source, trace.Destination, trace.Protocol, trace.SourcePort, trace.DestinationPort, trace.Count);
        foreach (var layout in KernelHarness.Layouts)
        {
            var table = ClassifierTableBuilder.Build(rules, layout);
            using var kernel = new PacketClassifier(table.Blob);
            foreach (var path in KernelHarness.Paths)
            {
                var result = new int[trace.Count];
                kernel.Classify(burst, result, path);
                Assert.True(trace.Ids.AsSpan().SequenceEqual(result), $"{layout} layout, {path} path");
            }
            _output.WriteLine($"{layout}: {table.Stats}");
        }
    }
}
