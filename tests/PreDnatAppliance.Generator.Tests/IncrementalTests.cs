using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using PreDnatAppliance.Generator.Tests.Infrastructure;
using PreDnatAppliance.PolicyGenerator;

namespace PreDnatAppliance.Generator.Tests;

/// <summary>
/// The pipeline's caching: nothing re-runs for unrelated C# edits; a YAML edit that leaves the compiled model as it
/// was (a comment at the end of a file) re-hashes the inputs but does not re-emit the classifiers; a rule change does.
/// </summary>
public sealed class IncrementalTests
{
    private static readonly string[] ModelSteps =
    {
        TrackingNames.Options, TrackingNames.PolicyFiles, TrackingNames.PolicySet, TrackingNames.Spec,
        TrackingNames.ClassifierInput, TrackingNames.Inputs, TrackingNames.Diagnostics,
    };

    private static (GeneratorDriver Driver, Compilation Compilation, ImmutableArray<AdditionalText> Texts) Start()
    {
        var texts = GeneratorHarness.AdditionalTexts(TestPaths.Scenario("tiered"));
        var compilation = GeneratorHarness.CreateCompilation("Incremental", "namespace Project { public static class A { public static int X => 1; } }");
        var driver = GeneratorHarness.CreateDriver(texts).RunGenerators(compilation);
        return (driver, compilation, texts);
    }

    [Fact]
    public void An_unrelated_csharp_edit_leaves_every_step_cached()
    {
        var (driver, compilation, _) = Start();
        var edited = compilation.AddSyntaxTrees(CSharpSyntaxTree.ParseText("namespace Project { public static class B { } }", GeneratorHarness.ParseOptions));

        var result = driver.RunGenerators(edited).GetRunResult().Results.Single();

        foreach (var name in ModelSteps)
            AssertAllOutputs(result, name, IncrementalStepRunReason.Cached, IncrementalStepRunReason.Unchanged);
        AssertAllOutputs(result, TrackingNames.CompilationData, IncrementalStepRunReason.Unchanged, IncrementalStepRunReason.Cached);
        foreach (var step in result.TrackedOutputSteps["SourceOutput"])
            Assert.All(step.Outputs, o => Assert.Equal(IncrementalStepRunReason.Cached, o.Reason));
    }

    [Fact]
    public void A_yaml_comment_that_does_not_change_the_model_leaves_the_classifier_emit_cached()
    {
        var (driver, compilation, texts) = Start();
        var before = driver.GetRunResult().Results.Single();
        var (oldText, newText) = Replace(texts, "policies/policies.yaml", text => text + "# reviewed by the security team\n");

        driver = driver.ReplaceAdditionalText(oldText, newText).RunGenerators(compilation);
        var result = driver.GetRunResult().Results.Single();

        AssertAllOutputs(result, TrackingNames.PolicySet, IncrementalStepRunReason.Modified);
        AssertAllOutputs(result, TrackingNames.Spec, IncrementalStepRunReason.Unchanged);
        AssertAllOutputs(result, TrackingNames.ClassifierInput, IncrementalStepRunReason.Unchanged, IncrementalStepRunReason.Cached);
        AssertAllOutputs(result, TrackingNames.Inputs, IncrementalStepRunReason.Modified);
        Assert.All(ClassifierEmitSteps(result).SelectMany(s => s.Outputs), o => Assert.Equal(IncrementalStepRunReason.Cached, o.Reason));

        Assert.Equal(Source(before, PolicyGenerator.PolicyGenerator.ClassifiersHintName), Source(result, PolicyGenerator.PolicyGenerator.ClassifiersHintName));
        Assert.NotEqual(Source(before, PolicyGenerator.PolicyGenerator.InputsHintName), Source(result, PolicyGenerator.PolicyGenerator.InputsHintName));
    }

    [Fact]
    public void A_rule_change_regenerates_the_classifiers()
    {
        var (driver, compilation, texts) = Start();
        var before = driver.GetRunResult().Results.Single();
        var (oldText, newText) = Replace(texts, "policies/policies.yaml", text =>
        {
            Assert.Contains("ports: [9100]", text);
            return text.Replace("ports: [9100]", "ports: [9100, 9256]");
        });

        driver = driver.ReplaceAdditionalText(oldText, newText).RunGenerators(compilation);
        var result = driver.GetRunResult().Results.Single();

        AssertAllOutputs(result, TrackingNames.Spec, IncrementalStepRunReason.Modified);
        Assert.Contains(ClassifierEmitSteps(result).SelectMany(s => s.Outputs), o => o.Reason == IncrementalStepRunReason.Modified);
        var classifiers = Source(result, PolicyGenerator.PolicyGenerator.ClassifiersHintName);
        Assert.NotEqual(Source(before, PolicyGenerator.PolicyGenerator.ClassifiersHintName), classifiers);
        Assert.Contains("dport == 9256u", classifiers);
    }

    [Fact]
    public void The_same_input_twice_gives_the_same_text()
    {
        var files = TestPaths.Scenario("ipv6-icmp-named-ports");
        var first = GeneratorHarness.Run(files).Result;
        var second = GeneratorHarness.Run(files.Reverse().ToList()).Result;
        Assert.Equal(first.GeneratedSources.Select(s => s.SourceText.ToString()), second.GeneratedSources.Select(s => s.SourceText.ToString()));
    }

    [Fact]
    public void The_table_strategy_gives_the_same_text_twice_and_stays_cached_when_the_model_is_unchanged()
    {
        var files = TestPaths.Scenario("table-strategy");
        var first = GeneratorHarness.Run(files).Result;
        var second = GeneratorHarness.Run(files.Reverse().ToList()).Result;
        Assert.Contains(first.GeneratedSources, s => s.HintName == PolicyGenerator.PolicyGenerator.TablesHintName);
        Assert.Equal(first.GeneratedSources.Select(s => s.SourceText.ToString()), second.GeneratedSources.Select(s => s.SourceText.ToString()));

        // The table is built in the emit step from the model: a comment leaves the emit (and so the table build) cached.
        var texts = GeneratorHarness.AdditionalTexts(files);
        var compilation = GeneratorHarness.CreateCompilation("IncrementalTables", "namespace Project { public static class A { } }");
        var driver = GeneratorHarness.CreateDriver(texts).RunGenerators(compilation);
        var (oldText, newText) = Replace(texts, "policies/profiles.yaml", text => text + "# reviewed\n");
        var result = driver.ReplaceAdditionalText(oldText, newText).RunGenerators(compilation).GetRunResult().Results.Single();
        AssertAllOutputs(result, TrackingNames.Spec, IncrementalStepRunReason.Unchanged);
        Assert.All(ClassifierEmitSteps(result).SelectMany(s => s.Outputs), o => Assert.Equal(IncrementalStepRunReason.Cached, o.Reason));
        Assert.Equal(Source(first, PolicyGenerator.PolicyGenerator.TablesHintName), Source(result, PolicyGenerator.PolicyGenerator.TablesHintName));
    }

    private static (AdditionalText Old, AdditionalText New) Replace(ImmutableArray<AdditionalText> texts, string relativePath, Func<string, string> edit)
    {
        var old = texts.Single(t => t.Path == GeneratorHarness.Root + relativePath);
        return (old, new InMemoryAdditionalText(old.Path, edit(old.GetText()!.ToString())));
    }

    /// <summary>The SourceOutput steps fed by the ClassifierInput step (the emitter of PolicyClassifiers.g.cs).</summary>
    private static IEnumerable<IncrementalGeneratorRunStep> ClassifierEmitSteps(GeneratorRunResult result)
    {
        var steps = result.TrackedOutputSteps["SourceOutput"].Where(s => s.Inputs.Any(i => i.Source.Name == TrackingNames.ClassifierInput)).ToList();
        Assert.NotEmpty(steps);
        return steps;
    }

    private static void AssertAllOutputs(GeneratorRunResult result, string step, params IncrementalStepRunReason[] allowed)
    {
        Assert.True(result.TrackedSteps.ContainsKey(step), $"no tracked step {step}");
        foreach (var run in result.TrackedSteps[step])
        {
            foreach (var (_, reason) in run.Outputs)
                Assert.True(allowed.Contains(reason), $"step {step}: {reason}, expected {string.Join(" or ", allowed)}");
        }
    }

    private static string Source(GeneratorRunResult result, string hint) => GeneratorHarness.Source(result, hint);
}
