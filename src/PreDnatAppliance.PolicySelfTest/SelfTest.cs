using System.Diagnostics;
using PreDnatAppliance.Classification;
using PreDnatAppliance.Policy.Evaluation;
using PreDnatAppliance.Policy.Programs;

namespace PreDnatAppliance.PolicySelfTest;

/// <summary>How much a self-test checks per program.</summary>
public sealed record SelfTestBudget
{
    /// <summary>Before a redeploy: every rule's corner packets plus 2,048 random ones per program (well under a second for policies/).</summary>
    public static readonly SelfTestBudget Redeploy = new();

    /// <summary>In the appliance, on a package the CLI has already tested: corners plus a few random packets.</summary>
    public static readonly SelfTestBudget Quick = new() { RandomPacketsPerProgram = 256 };

    public int RandomPacketsPerProgram { get; init; } = 2048;

    /// <summary>Random packets are reproducible: the same policy and seed draw the same packets.</summary>
    public int Seed { get; init; } = 20261122;
}

/// <summary>What a self-test found: nothing wrong (<see cref="Passed"/>) or the problems, each naming its program and packet.</summary>
public sealed record SelfTestReport(int Programs, long PacketChecks, int CornerPackets, TimeSpan Elapsed, IReadOnlyList<string> Problems)
{
    public bool Passed => Problems.Count == 0;

    /// <summary>The programs whose classifier disagreed with the reference evaluator (or was missing).</summary>
    public IReadOnlyList<string> FailedPrograms { get; init; } = Array.Empty<string>();

    public string Summary => Passed
        ? $"{Programs} programs, {PacketChecks:N0} packet checks ({CornerPackets:N0} rule corner packets) agree with the reference evaluator in {Elapsed.TotalMilliseconds:F0} ms"
        : $"{Problems.Count} problem(s) in {Programs} programs:\n" + string.Join("\n", Problems);
}

/// <summary>
/// The differential self-test of a policy assembly: its programs and rule catalog must be the ones the Policy library
/// compiles from the same directory, and every program must give the reference evaluator's verdict and RuleId on its
/// rules' corner packets and on random packets, on every classify path (vector, other vector width, scalar).
/// </summary>
public static class SelfTest
{
    /// <param name="policy">The generated classifiers under test.</param>
    /// <param name="compiled">The policy directory compiled without a node (as the generator compiles it).</param>
    public static SelfTestReport Run(ICompiledPolicy policy, CompiledPolicySet compiled, SelfTestBudget budget)
    {
        var stopwatch = Stopwatch.StartNew();
        var problems = new List<string>();
        var failed = new List<string>();

        var expectedKeys = compiled.Programs.Select(p => p.Key).ToHashSet(StringComparer.Ordinal);
        foreach (var extra in policy.Classifiers.Select(c => c.ProgramKey).Where(k => !expectedKeys.Contains(k)))
        {
            problems.Add($"the policy assembly has a program the policy directory does not: {extra}");
            failed.Add(extra);
        }
        var assemblyRules = policy.Rules.Select(r => r.RuleId).ToHashSet();
        var expectedRules = compiled.Rules.Keys.Select(k => k.Value).ToHashSet();
        foreach (var missing in compiled.Rules.Values.Where(r => !assemblyRules.Contains(r.Id.Value)).Take(5))
            problems.Add($"the policy assembly has no rule {missing.Id} ({missing.Owner}: {missing.Description} {missing.Location.ToShortString()})");
        foreach (var extra in policy.Rules.Where(r => !expectedRules.Contains(r.RuleId)).Take(5))
            problems.Add($"the policy assembly has a rule the policy directory does not: {extra.RuleIdText} ({extra.Owner}: {extra.Description})");

        long checks = 0;
        var corners = 0;
        foreach (var program in compiled.Programs)
        {
            var random = new Random(HashCode.Combine(budget.Seed, StableHash(program.Key)));
            var programCorners = CornerPackets.For(program).ToList();
            corners += programCorners.Count;
            var sampler = new PacketSampler(program, random);
            var lanes = programCorners.Select(p => (PacketTuple?)p)
                .Concat(Enumerable.Range(0, budget.RandomPacketsPerProgram).Select(_ => sampler.NextLane()));
            try
            {
                checks += ClassifierChecker.Check(program, policy, lanes, random, "self-test");
            }
            catch (ClassifierMismatchException mismatch)
            {
                problems.Add(mismatch.Message);
                failed.Add(program.Key);
            }
        }
        return new SelfTestReport(compiled.Programs.Count, checks, corners, stopwatch.Elapsed, problems) { FailedPrograms = failed };
    }

    /// <summary>string.GetHashCode is randomised per process; the seed must not be.</summary>
    private static int StableHash(string text)
    {
        var hash = 17;
        foreach (var c in text)
            hash = unchecked(hash * 31 + c);
        return hash;
    }
}
