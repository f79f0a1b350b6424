using System.Diagnostics;
using PreDnatAppliance.Generator.Tests.Infrastructure;
using PreDnatAppliance.Policy;
using PreDnatAppliance.Policy.Diagnostics;
using PreDnatAppliance.Policy.Evaluation;
using PreDnatAppliance.PolicySelfTest;
using Xunit.Abstractions;

namespace PreDnatAppliance.Generator.Tests.Differential;

/// <summary>
/// Random valid policy sets through the generator, compiled in memory and loaded: every program's classifier,
/// on every path, must give the reference evaluator's verdict and RuleId for every packet.
/// </summary>
/// <remarks>
/// PREDNAT_TEST_LONG=1 (./prednat test --long) runs four times as many sets, with twice the packets each. PREDNAT_DIFF_SEED=N
/// starts from another seed (failures print the seed of the set that failed). PREDNAT_DIFF_DUMP=DIR writes each
/// set's YAML and generated code under DIR/SEED/.
/// </remarks>
public sealed class DifferentialTests
{
    private static readonly bool Long = Environment.GetEnvironmentVariable("PREDNAT_TEST_LONG") is { Length: > 0 } value && value != "0";

    private readonly ITestOutputHelper _output;

    public DifferentialTests(ITestOutputHelper output) => _output = output;

    [Fact]
    public void Generated_classifiers_agree_with_the_reference_evaluator_on_random_policy_sets() =>
        Run("random policy sets", RandomPolicySets.Generate, seedOffset: 0, sets: Long ? 40 : 10, packetsPerSet: Long ? 150_000 : 70_000,
            minChecks: Long ? 5_000_000 : 1_000_000, minTablePrograms: 0, minTableChecks: 0);

    /// <summary>
    /// Long programs of rules the table strategy can express (every field it handles, IPv4 and IPv6 packets, tiers with
    /// Deny and Pass ends, profiles, large selector sets, negations, ICMP matches): most programs get tables.
    /// </summary>
    [Fact]
    public void Table_strategy_classifiers_agree_with_the_reference_evaluator_on_random_policy_sets() =>
        Run("random table-strategy policy sets", RandomPolicySets.GenerateForTables, seedOffset: 100_000, sets: Long ? 24 : 6,
            packetsPerSet: Long ? 300_000 : 120_000, minChecks: Long ? 5_000_000 : 1_000_000, minTablePrograms: 3, minTableChecks: Long ? 3_000_000 : 1_000_000);

    private void Run(string what, Func<int, IReadOnlyList<PolicyFile>> generate, int seedOffset, int sets, int packetsPerSet, long minChecks, int minTablePrograms, long minTableChecks)
    {
        var baseSeed = (int.TryParse(Environment.GetEnvironmentVariable("PREDNAT_DIFF_SEED"), out var seed) ? seed : 20240601) + seedOffset;
        var stopwatch = Stopwatch.StartNew();
        long checks = 0;
        long tableChecks = 0;
        long programs = 0;
        long tablePrograms = 0;
        var compileTime = TimeSpan.Zero;
        var gate = new object();

        Parallel.For(0, sets, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, index =>
        {
            var setSeed = baseSeed + index;
            var context = $"policy set seed {setSeed}";
            var files = generate(setSeed);
            var set = PolicyProject.LoadTexts(files.Select(f => (f.RelativePath, f.Text)));
            var compiled = PolicyProject.Compile(set);
            var errors = compiled.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
            Assert.True(errors.Count == 0, $"{context}: the random policy set is invalid:\n{string.Join("\n", errors)}\n\n{string.Join("\n---\n", files.Select(f => f.RelativePath + "\n" + f.Text))}");

            var compileWatch = Stopwatch.StartNew();
            var (result, output) = GeneratorHarness.Run(files, "RandomPolicy" + setSeed);
            if (Environment.GetEnvironmentVariable("PREDNAT_DIFF_DUMP") is { Length: > 0 } dump)
            {
                var directory = Path.Combine(dump, setSeed.ToString(System.Globalization.CultureInfo.InvariantCulture));
                foreach (var file in files)
                    WriteFile(Path.Combine(directory, file.RelativePath), file.Text);
                foreach (var source in result.GeneratedSources)
                    WriteFile(Path.Combine(directory, "generated", source.HintName), source.SourceText.ToString());
            }
            Assert.DoesNotContain(result.Diagnostics, d => d.Severity == Microsoft.CodeAnalysis.DiagnosticSeverity.Error);
            using var loaded = GeneratorHarness.CompileAndLoad(output);
            compileWatch.Stop();

            Assert.Equal(compiled.Programs.Count, loaded.Policy.Classifiers.Count);
            var random = new Random(setSeed);
            var perProgram = Math.Max(256, packetsPerSet / Math.Max(1, compiled.Programs.Count));
            long setChecks = 0, setTableChecks = 0, setTablePrograms = 0;
            foreach (var program in compiled.Programs)
            {
                var classifier = loaded.Policy.Find(program.Key);
                Assert.True(classifier is not null, $"{context}: no classifier for {program.Key}");
                var isTable = ClassifierChecker.UsesTable(classifier!);
                var programChecks = ClassifierChecker.Check(program, loaded.Policy, isTable ? 2 * perProgram : perProgram, random, context)
                    + ClassifierChecker.Check(program, loaded.Policy, CornerPackets.For(program).Select(p => (PacketTuple?)p), random, context + " (rule corners)");
                setChecks += programChecks;
                if (isTable)
                {
                    setTableChecks += programChecks;
                    setTablePrograms++;
                }
            }
            lock (gate)
            {
                checks += setChecks;
                tableChecks += setTableChecks;
                programs += compiled.Programs.Count;
                tablePrograms += setTablePrograms;
                compileTime += compileWatch.Elapsed;
            }
        });

        _output.WriteLine($"Classify takes {(System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated ? "Vector512" : System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated ? "Vector256" : "the scalar path")} on this machine");
        _output.WriteLine($"{sets} {what}, {programs} programs ({tablePrograms} with their own table), {checks:N0} packet checks against the reference evaluator " +
            $"({tableChecks:N0} through tables) in {stopwatch.Elapsed.TotalSeconds:F1} s (generate+compile {compileTime.TotalSeconds:F1} s summed over threads)");
        Assert.True(checks >= minChecks, $"only {checks} packet checks");
        Assert.True(tablePrograms >= minTablePrograms * sets, $"only {tablePrograms} programs took the table strategy");
        Assert.True(tableChecks >= minTableChecks, $"only {tableChecks} packet checks through tables");
    }

    private static void WriteFile(string path, string text)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }
}
