using PreDnatAppliance.PolicySelfTest;
using PreDnatAppliance.Generator.Tests.Infrastructure;
using PreDnatAppliance.Policy;

namespace PreDnatAppliance.Generator.Tests;

/// <summary>The hand-written baseline scenarios, compiled and checked against the reference evaluator packet by packet.</summary>
public sealed class ScenarioVerdictTests
{
    [Theory]
    [MemberData(nameof(BaselineTests.Scenarios), MemberType = typeof(BaselineTests))]
    public void Scenario_classifiers_agree_with_the_reference_evaluator(string scenario)
    {
        var files = TestPaths.Scenario(scenario);
        var compiled = PolicyProject.Compile(PolicyProject.LoadTexts(files.Select(f => (f.RelativePath, f.Text))));
        var (_, output) = GeneratorHarness.Run(files, "Scenario_" + scenario.Replace('-', '_'));
        using var loaded = GeneratorHarness.CompileAndLoad(output);
        var random = new Random(scenario.Length);
        foreach (var program in compiled.Programs)
            ClassifierChecker.Check(program, loaded.Policy, 8192, random, scenario);
    }
}
