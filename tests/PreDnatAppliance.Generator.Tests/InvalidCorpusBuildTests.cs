using Microsoft.CodeAnalysis;
using PreDnatAppliance.Generator.Tests.Infrastructure;

namespace PreDnatAppliance.Generator.Tests;

/// <summary>
/// The invalid-policy corpus (tests/PreDnatAppliance.Policy.Tests/Data/invalid, one broken file per problem) through
/// the build: the source generator reports exactly the errors of the corpus manifest — the ones the `prednat check`
/// pipeline reports (Policy.Tests' InvalidCorpusTests) — at the same line and column of the same file, and generates
/// no source at all, so no partial policy assembly can come out of a broken directory (docs/reliability.md).
/// </summary>
public class InvalidCorpusBuildTests
{
    private static readonly string CorpusDirectory =
        Path.Combine(TestPaths.RepositoryRoot, "tests", "PreDnatAppliance.Policy.Tests", "Data", "invalid");

    public static TheoryData<string> CorpusFiles()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(CorpusDirectory, "*.yaml").Select(Path.GetFileName).OrderBy(f => f, StringComparer.Ordinal))
            data.Add(file!);
        return data;
    }

    [Fact]
    public void The_corpus_has_at_least_sixty_files()
    {
        Assert.True(CorpusFiles().Count >= 60);
    }

    [Theory]
    [MemberData(nameof(CorpusFiles))]
    public void A_broken_policy_fails_the_build_at_the_checks_locations_and_generates_nothing(string file)
    {
        var (result, _) = GeneratorHarness.Run(new[] { new PolicyFile("policies/" + file, File.ReadAllText(Path.Combine(CorpusDirectory, file))) });

        // PDA1403 ("the policy set has errors; no programs were built") closes a build that failed validation, without a location.
        var errors = result.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error && d.Id != "PDA1403").ToList();
        Assert.All(errors, e => Assert.Equal("/repo/policies/" + file, e.Location.GetLineSpan().Path));
        var actual = errors
            .Select(d => $"{d.Id} {d.Location.GetLineSpan().StartLinePosition.Line + 1} {d.Location.GetLineSpan().StartLinePosition.Character + 1}")
            .OrderBy(s => s, StringComparer.Ordinal).ToList();
        var expected = Manifest.Value[file].OrderBy(s => s, StringComparer.Ordinal).ToList();
        Assert.True(expected.SequenceEqual(actual),
            $"{file}\n  check (expected.txt): {string.Join(", ", expected)}\n  build: {string.Join(", ", actual)}\n  " + string.Join("\n  ", errors));
        Assert.Empty(result.GeneratedSources);
    }

    private static readonly Lazy<Dictionary<string, List<string>>> Manifest = new(() =>
    {
        var manifest = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var line in File.ReadAllLines(Path.Combine(CorpusDirectory, "expected.txt")).Select(l => l.Trim()))
        {
            if (line.Length == 0 || line.StartsWith('#'))
                continue;
            var parts = line.Split(new[] { ' ', '\t' }, StringSplitOptions.RemoveEmptyEntries);
            if (!manifest.TryGetValue(parts[0], out var list))
                manifest[parts[0]] = list = new List<string>();
            list.Add(string.Join(' ', parts.Skip(1)));
        }
        return manifest;
    });
}
