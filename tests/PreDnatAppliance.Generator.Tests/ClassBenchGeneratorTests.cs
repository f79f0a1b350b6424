using System.Diagnostics;
using PreDnatAppliance.ClassBench;
using PreDnatAppliance.Classification;
using PreDnatAppliance.ClassifierTables;
using PreDnatAppliance.PolicySelfTest;
using PreDnatAppliance.Generator.Tests.Infrastructure;
using PreDnatAppliance.Policy;
using Xunit.Abstractions;

namespace PreDnatAppliance.Generator.Tests;

/// <summary>
/// ClassBench sets through the whole build path: converted to Calico YAML (bench/classbench's converter), run through
/// the generator, compiled and loaded; the pre-DNAT program's classifier must return, for every trace packet, the
/// RuleId of the first ClassBench rule that matches it (and that rule's verdict), on every path.
/// </summary>
/// <remarks>
/// The data is at &lt;repo&gt;/../shared/data/classbench (or $CLASSBENCH_DATA); without it these tests fail and say so.
/// Expected first matches: a linear first match over the parsed rules for the 1k traces; for the generated acl1_10k
/// trace, its last column (which is the first match) plus a linear check of a sample.
/// </remarks>
public sealed class ClassBenchGeneratorTests
{
    private readonly ITestOutputHelper _output;

    public ClassBenchGeneratorTests(ITestOutputHelper output) => _output = output;

    public static string DataDirectory()
    {
        var env = Environment.GetEnvironmentVariable("CLASSBENCH_DATA");
        var directory = !string.IsNullOrEmpty(env) ? env : Path.GetFullPath(Path.Combine(TestPaths.RepositoryRoot, "..", "shared", "data", "classbench"));
        Assert.True(Directory.Exists(directory),
            $"ClassBench data not found at {directory}: these tests need shared/data/classbench beside the repository (or CLASSBENCH_DATA)");
        return directory;
    }

    [Theory]
    [InlineData("acl1_1k", "acl1_1k_trace")]
    [InlineData("fw1_1k", "fw1_1k_trace")]
    [InlineData("ipc1_1k", "ipc1_1k_trace")]
    [InlineData("acl1_10k", "generated/acl1_10k_gentrace")]
    public void The_pre_DNAT_classifier_returns_the_first_matching_ClassBench_rule(string rulesFile, string traceFile)
    {
        var data = DataDirectory();
        var clock = Stopwatch.StartNew();
        var rulesPath = Path.Combine(data, rulesFile);
        var files = CalicoConverter.Convert(CalicoConverter.ReadRules(rulesPath))
            .Select(f => new PolicyFile("policies/" + f.Name, f.Text))
            .ToList();

        // What each ClassBench rule is in the compiled policy: rule n is rule n % 1000 of policy n / 1000.
        var compiled = PolicyProject.Compile(PolicyProject.LoadTexts(files.Select(f => (f.RelativePath, f.Text))));
        var program = compiled.Programs.Single(p => p.Key == CalicoConverter.ProgramKey);
        var ruleIds = program.Tiers.Single().Policies.SelectMany(p => p.Rules).Select(r => r.Id.Value).ToArray();

        var (result, output) = GeneratorHarness.Run(files, "ClassBench_" + rulesFile);
        Assert.DoesNotContain(result.Diagnostics, d => d.Severity == Microsoft.CodeAnalysis.DiagnosticSeverity.Error);
        using var loaded = GeneratorHarness.CompileAndLoad(output);
        var generated = clock.Elapsed;
        var classifier = loaded.Policy.Find(CalicoConverter.ProgramKey)!;
        Assert.True(ClassifierChecker.UsesTable(classifier), $"{CalicoConverter.ProgramKey} did not get the table strategy");

        var rules = ClassBenchFormat.ReadRules(rulesPath);
        Assert.Equal(rules.Count, ruleIds.Length);
        var trace = ClassBenchFormat.ReadTrace(Path.Combine(data, traceFile));
        var oracle = new LinearFirstMatch(rules);
        var fromTrace = traceFile.StartsWith("generated/", StringComparison.Ordinal);
        var expected = new int[trace.Count];
        for (var k = 0; k < trace.Count; k++)
        {
            // The generated traces carry the first match; check that claim on a sample, compute it for the others.
            var linear = !fromTrace || k % 50 == 0
                ? oracle.Classify(trace.Source[k], trace.Destination[k], trace.Protocol[k], trace.SourcePort[k], trace.DestinationPort[k])
                : trace.Ids[k];
            if (fromTrace)
                Assert.True(linear == trace.Ids[k], $"{traceFile} line {k + 1}: its first match is {trace.Ids[k]}, the linear first match {linear}");
            expected[k] = linear;
        }

        var batch = new HeaderBatch();
        var verdicts = new PolicyVerdict[HeaderBatch.Capacity];
        var indexes = new uint[HeaderBatch.Capacity];
        long checks = 0;
        foreach (var (name, path) in ClassifierChecker.Paths(classifier))
        {
            for (var start = 0; start < trace.Count; start += 32)
            {
                batch.Count = Math.Min(32, trace.Count - start);
                for (var i = 0; i < batch.Count; i++)
                {
                    var k = start + i;
                    batch.SetV4(i, trace.Source[k], trace.Destination[k], trace.Protocol[k], trace.SourcePort[k], trace.DestinationPort[k]);
                }
                path(batch, verdicts, indexes);
                for (var i = 0; i < batch.Count; i++)
                {
                    var n = expected[start + i];
                    var wantRule = n >= 0 ? ruleIds[n] : program.EndRuleId.Value;
                    var wantVerdict = n < 0 ? PolicyVerdict.NoDecision : n % 2 == 0 ? PolicyVerdict.Allow : PolicyVerdict.Deny;
                    var gotRule = ClassifierChecker.RuleIdOf(loaded.Policy, indexes[i]);
                    if (gotRule != wantRule || verdicts[i] != wantVerdict)
                    {
                        Assert.Fail($"{rulesFile} {name}: trace line {start + i + 1} should get ClassBench rule {n} (r{wantRule:x12}, {wantVerdict}), " +
                            $"got r{gotRule:x12} ({verdicts[i]})");
                    }
                }
                checks += batch.Count;
            }
        }
        _output.WriteLine($"{rulesFile}: {rules.Count} rules, {trace.Count} trace packets, {checks:N0} checks on {ClassifierChecker.Paths(classifier).Count} paths; " +
            $"convert+generate+compile {generated.TotalSeconds:F1} s, all {clock.Elapsed.TotalSeconds:F1} s");
    }
}
