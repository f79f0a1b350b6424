using PreDnatAppliance.Generator.Tests.Infrastructure;
using PreDnatAppliance.PolicyGenerator;

namespace PreDnatAppliance.Generator.Tests;

/// <summary>
/// Golden baselines of the generated code (Baselines/SCENARIO/*.g.cs.txt), to catch unintended changes to what is
/// emitted and how it reads. The generator version in [GeneratedCode] is replaced by %VERSION%.
/// </summary>
/// <remarks>
/// After an intended change, regenerate with <c>PREDNAT_UPDATE_BASELINES=1 dotnet test tests/PreDnatAppliance.Generator.Tests
/// --filter BaselineTests</c> and review the diff. Scenarios: <c>nodeport</c> is the repository's policies/;
/// the others are in Scenarios/.
/// </remarks>
public sealed class BaselineTests
{
    private static readonly bool Update = Environment.GetEnvironmentVariable("PREDNAT_UPDATE_BASELINES") is "1" or "true";

    public static TheoryData<string> Scenarios => new() { "nodeport", "tiered", "ipv6-icmp-named-ports", "table-strategy" };

    [Theory]
    [MemberData(nameof(Scenarios))]
    public void Generated_source_matches_the_baseline(string scenario)
    {
        var (result, output) = GeneratorHarness.Run(TestPaths.Scenario(scenario));
        Assert.Empty(result.Diagnostics.Where(d => d.Severity >= Microsoft.CodeAnalysis.DiagnosticSeverity.Warning));
        using (GeneratorHarness.CompileAndLoad(output))
        {
            // Compiles without warnings and loads.
        }

        var directory = Path.Combine(TestPaths.ProjectDirectory, "Baselines", scenario);
        var differences = new List<string>();
        foreach (var source in result.GeneratedSources.OrderBy(s => s.HintName, StringComparer.Ordinal))
        {
            var actual = GeneratorHarness.Normalize(source.SourceText.ToString())
                .Replace($"\"{PolicyGenerator.PolicyGenerator.GeneratorVersion}\")]", "\"%VERSION%\")]");
            var path = Path.Combine(directory, source.HintName + ".txt");
            if (Update)
            {
                Directory.CreateDirectory(directory);
                File.WriteAllText(path, actual);
                continue;
            }
            Assert.True(File.Exists(path), $"no baseline {path}; run with PREDNAT_UPDATE_BASELINES=1 to create it");
            var expected = GeneratorHarness.Normalize(File.ReadAllText(path));
            if (expected != actual)
                differences.Add($"{source.HintName}: {FirstDifference(expected, actual)}");
        }
        Assert.True(differences.Count == 0,
            $"generated code for {scenario} differs from Baselines/{scenario} (PREDNAT_UPDATE_BASELINES=1 regenerates):\n" + string.Join("\n", differences));
    }

    private static string FirstDifference(string expected, string actual)
    {
        var expectedLines = expected.Split('\n');
        var actualLines = actual.Split('\n');
        for (var i = 0; i < Math.Max(expectedLines.Length, actualLines.Length); i++)
        {
            var e = i < expectedLines.Length ? expectedLines[i] : "<end of file>";
            var a = i < actualLines.Length ? actualLines[i] : "<end of file>";
            if (e != a)
                return $"line {i + 1}\n  expected: {e}\n  actual:   {a}";
        }
        return "(no line differs)";
    }
}
