using Microsoft.CodeAnalysis;
using PreDnatAppliance.Generator.Tests.Infrastructure;

namespace PreDnatAppliance.Generator.Tests;

/// <summary>Policy findings become compiler diagnostics at the YAML line and column, with their PDA ID and severity.</summary>
public sealed class DiagnosticTests
{
    private const string Valid = """
        apiVersion: projectcalico.org/v3
        kind: HostEndpoint
        metadata:
          name: node1-eth0
          labels: {role: uplink}
        spec:
          node: node1
          interfaceName: eth0
          expectedIPs: ["192.0.2.10"]
        """;

    [Fact]
    public void An_invalid_rule_is_an_error_at_its_line_and_column_and_no_classifier_is_generated()
    {
        var bad = """
            apiVersion: projectcalico.org/v3
            kind: GlobalNetworkPolicy
            metadata:
              name: bad
            spec:
              selector: has(role)
              ingress:
                - action: Allow
                  protocol: tcp
            """;
        var (result, _) = GeneratorHarness.Run(new[] { new PolicyFile("policies/a.yaml", Valid), new PolicyFile("policies/bad.yaml", bad) });

        var error = Assert.Single(result.Diagnostics, d => d.Id == "PDA1122");
        Assert.Equal(DiagnosticSeverity.Error, error.Severity);
        AssertAt(error, "/repo/policies/bad.yaml", 9, 17);
        Assert.Contains("\"TCP\"", error.GetMessage());
        Assert.Contains(WellKnownDiagnosticTags.NotConfigurable, error.Descriptor.CustomTags);
        Assert.Empty(result.GeneratedSources);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_long_program_gets_tables_unless_a_rule_keeps_it_linear_which_PDA1503_names(bool withExcludedNamedPort)
    {
        // 70 Allow rules and a Pass: tables (the Pass continues in a second table, here the program end).
        var rules = string.Concat(Enumerable.Range(1, 70).Select(i => $"    - action: Allow\n      protocol: TCP\n      destination:\n        ports: [{1000 + i}]\n"));
        rules += "    - action: Pass\n      source:\n        nets: [\"10.0.0.0/8\"]\n";
        if (withExcludedNamedPort)
            rules += "    - action: Deny\n      protocol: TCP\n      destination:\n        notPorts: [\"web\"]\n";
        var policy = "apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata:\n  name: long\nspec:\n  selector: has(role)\n  ingress:\n" + rules;
        var (result, output) = GeneratorHarness.Run(new[] { new PolicyFile("policies/a.yaml", Valid), new PolicyFile("policies/long.yaml", policy) });

        var classifiers = GeneratorHarness.Source(result, PolicyGenerator.PolicyGenerator.ClassifiersHintName);
        if (!withExcludedNamedPort)
        {
            Assert.DoesNotContain(result.Diagnostics, d => d.Id == "PDA1503");
            Assert.Contains("//   strategy  table (71 rules", classifiers);
            Assert.Contains(result.GeneratedSources, s => s.HintName == PolicyGenerator.PolicyGenerator.TablesHintName);
            using var loaded = GeneratorHarness.CompileAndLoad(output);
            return;
        }
        var info = Assert.Single(result.Diagnostics, d => d.Id == "PDA1503");
        Assert.Equal(DiagnosticSeverity.Info, info.Severity);
        Assert.Contains("hep/node1-eth0/host/ingress has 72 IPv4 rules", info.GetMessage());
        Assert.Contains("(policies/long.yaml:291) excludes a named port", info.GetMessage());
        Assert.Contains("//   strategy  linear vector (72 rules)", classifiers);
        Assert.DoesNotContain(result.GeneratedSources, s => s.HintName == PolicyGenerator.PolicyGenerator.TablesHintName);
    }

    [Fact]
    public void A_yaml_syntax_error_is_reported_where_the_yaml_breaks()
    {
        var broken = "apiVersion: projectcalico.org/v3\nkind: HostEndpoint\nmetadata:\n  name: [unclosed\n";
        var (result, _) = GeneratorHarness.Run(new[] { new PolicyFile("policies/a.yaml", Valid), new PolicyFile("policies/sub/broken.yaml", broken) });

        var error = Assert.Single(result.Diagnostics, d => d.Id.StartsWith("PDA10", StringComparison.Ordinal));
        Assert.Equal(DiagnosticSeverity.Error, error.Severity);
        Assert.Equal("/repo/policies/sub/broken.yaml", error.Location.GetLineSpan().Path);
        Assert.True(error.Location.GetLineSpan().StartLinePosition.Line >= 3, error.ToString());
        Assert.Empty(result.GeneratedSources);
    }

    [Fact]
    public void The_diagnostic_prints_in_msbuild_form()
    {
        var bad = "apiVersion: projectcalico.org/v3\nkind: Tier\nmetadata:\n  name: t1\nspec:\n  defaultAction: Drop\n";
        var (result, _) = GeneratorHarness.Run(new[] { new PolicyFile("policies/tiers.yaml", bad) });

        var error = Assert.Single(result.Diagnostics, d => d.Id == "PDA1160");
        Assert.StartsWith("/repo/policies/tiers.yaml(6,18): error PDA1160: ", error.ToString());
    }

    [Fact]
    public void Warnings_stay_warnings_and_the_classifiers_are_generated()
    {
        var warned = """
            apiVersion: projectcalico.org/v3
            kind: GlobalNetworkPolicy
            metadata:
              name: odd
            spec:
              selector: has(role)
              ingress:
                - action: Deny
                  protocol: TCP
                  notICMP:
                    type: 8
            """;
        var (result, output) = GeneratorHarness.Run(new[] { new PolicyFile("policies/a.yaml", Valid), new PolicyFile("policies/odd.yaml", warned) });

        var warning = Assert.Single(result.Diagnostics);
        Assert.Equal("PDA1127", warning.Id);
        Assert.Equal(DiagnosticSeverity.Warning, warning.Severity);
        // Where the policy library puts it (the notICMP value), and the same line and column as `prednat check`.
        var model = Assert.Single(PreDnatAppliance.Policy.PolicyProject.LoadTexts(new[] { ("policies/odd.yaml", warned) }).Diagnostics.Items);
        AssertAt(warning, "/repo/policies/odd.yaml", model.Location.Line, model.Location.Column);
        AssertAt(warning, "/repo/policies/odd.yaml", 11, 9);
        Assert.Equal(2, result.GeneratedSources.Length);
        using var loaded = GeneratorHarness.CompileAndLoad(output);
        Assert.Equal(7, loaded.Policy.Classifiers.Count);
    }

    [Fact]
    public void No_policy_files_is_a_warning_and_an_empty_policy()
    {
        var (result, output) = GeneratorHarness.Run(Array.Empty<PolicyFile>());

        var warning = Assert.Single(result.Diagnostics);
        Assert.Equal("PDA1502", warning.Id);
        Assert.Equal(DiagnosticSeverity.Warning, warning.Severity);
        using var loaded = GeneratorHarness.CompileAndLoad(output);
        Assert.Empty(loaded.Policy.Classifiers);
        Assert.Null(loaded.Policy.Find("hep/x/prednat/ingress"));
    }

    [Fact]
    public void Additional_files_not_marked_as_policy_are_ignored()
    {
        var compilation = GeneratorHarness.CreateCompilation("Unmarked", "namespace P { }");
        var other = new InMemoryAdditionalText("/repo/docs/notes.yaml", "not: [valid");
        var driver = GeneratorHarness.CreateDriver(new[] { new PolicyFile("policies/a.yaml", Valid) }, otherTexts: new[] { other });

        var result = driver.RunGenerators(compilation).GetRunResult().Results.Single();

        Assert.Empty(result.Diagnostics);
        Assert.Contains("policies/a.yaml", GeneratorHarness.Source(result, PolicyGenerator.PolicyGenerator.ClassifiersHintName));
        Assert.DoesNotContain("notes.yaml", GeneratorHarness.Source(result, PolicyGenerator.PolicyGenerator.ClassifiersHintName));
    }

    [Fact]
    public void A_project_without_the_classification_contract_gets_an_error_instead_of_broken_code()
    {
        var references = GeneratorHarness.References.Where(r => !(r.Display ?? string.Empty).Contains("PreDnatAppliance.Classification", StringComparison.Ordinal));
        var compilation = Microsoft.CodeAnalysis.CSharp.CSharpCompilation.Create("NoContract", references: references,
            options: new Microsoft.CodeAnalysis.CSharp.CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        var driver = GeneratorHarness.CreateDriver(new[] { new PolicyFile("policies/a.yaml", Valid) });

        var result = driver.RunGenerators(compilation).GetRunResult().Results.Single();

        var error = Assert.Single(result.Diagnostics);
        Assert.Equal("PDA1504", error.Id);
        Assert.DoesNotContain(result.GeneratedSources, s => s.HintName == PolicyGenerator.PolicyGenerator.ClassifiersHintName);
    }

    private static void AssertAt(Diagnostic diagnostic, string path, int line, int column)
    {
        var span = diagnostic.Location.GetLineSpan();
        Assert.Equal(path, span.Path);
        Assert.Equal((line, column), (span.StartLinePosition.Line + 1, span.StartLinePosition.Character + 1));
    }
}
