using PreDnatAppliance.Policy.Diagnostics;
using PreDnatAppliance.Policy.Resources;
using PreDnatAppliance.Policy.Validation;
using PreDnatAppliance.Policy.Yaml;

namespace PreDnatAppliance.Policy.Tests.Validation;

/// <summary>
/// Data/invalid holds one broken resource file per problem; expected.txt lists, per file, every error
/// (ID, line, column) that loading plus validating must report, no more and no fewer.
/// </summary>
public class InvalidCorpusTests
{
    private static readonly string CorpusDirectory = Path.Combine(AppContext.BaseDirectory, "Data", "invalid");

    private static readonly Lazy<Dictionary<string, List<string>>> Manifest = new(ReadManifest);

    public static IEnumerable<object[]> CorpusFiles() =>
        Directory.EnumerateFiles(CorpusDirectory, "*.yaml")
            .Select(Path.GetFileName)
            .OrderBy(name => name, StringComparer.Ordinal)
            .Select(name => new object[] { name! });

    [Theory]
    [MemberData(nameof(CorpusFiles))]
    public void Reports_exactly_the_expected_errors(string file)
    {
        Assert.True(Manifest.Value.ContainsKey(file), $"{file} is not listed in expected.txt");

        // The same pipeline as `prednat check`: load, validate, then compile when valid (some errors only resolution finds).
        var set = PolicyProject.LoadTexts(new[] { (file, File.ReadAllText(Path.Combine(CorpusDirectory, file))) });
        var diagnostics = set.HasErrors ? set.Diagnostics.Items : PolicyProject.Compile(set).Diagnostics;

        var actual = diagnostics
            .Where(d => d.Severity == DiagnosticSeverity.Error)
            .Select(d => $"{d.Id} {d.Location.Line} {d.Location.Column}")
            .OrderBy(s => s, StringComparer.Ordinal)
            .ToList();
        var expected = Manifest.Value[file].OrderBy(s => s, StringComparer.Ordinal).ToList();
        Assert.True(expected.SequenceEqual(actual),
            $"{file}\n  expected: {string.Join(", ", expected)}\n  actual:   {string.Join(", ", actual)}\n  messages:\n    " +
            string.Join("\n    ", diagnostics));
    }

    [Fact]
    public void Manifest_and_corpus_agree()
    {
        var files = Directory.EnumerateFiles(CorpusDirectory, "*.yaml").Select(Path.GetFileName).ToHashSet(StringComparer.Ordinal);
        Assert.True(files.Count >= 70, $"the corpus should have at least 70 files, has {files.Count}");
        var unlisted = files.Where(f => !Manifest.Value.ContainsKey(f!)).ToList();
        var missing = Manifest.Value.Keys.Where(f => !files.Contains(f)).ToList();
        Assert.True(unlisted.Count == 0, "not in expected.txt: " + string.Join(", ", unlisted));
        Assert.True(missing.Count == 0, "listed in expected.txt but missing: " + string.Join(", ", missing));
    }

    // The loader types these values (float64, uint16) and rejects non-finite or out-of-range numbers itself,
    // so from YAML these checks can only back up resources built in code.
    private static readonly string[] UnreachableFromYaml = { "PDA1110", "PDA1171" };

    // PDA1403 guards PolicyCompiler against being handed a set that already has errors (check never does that);
    // PDA1404 needs a real 48-bit hash collision and is tested with an injected hash (RuleIdCollisionTests).
    private static readonly string[] NotPolicyErrors = { "PDA1403", "PDA1404" };

    [Fact]
    public void Every_validation_error_id_is_exercised_by_the_corpus()
    {
        var covered = Manifest.Value.Values.SelectMany(v => v).Select(line => line.Split(' ')[0]).ToHashSet(StringComparer.Ordinal);
        var validationErrors = typeof(DiagnosticDescriptors).GetFields()
            .Select(f => f.GetValue(null)).OfType<DiagnosticDescriptor>()
            .Where(d => d.Severity == DiagnosticSeverity.Error && string.CompareOrdinal(d.Id, "PDA1100") > 0 && d.Id != "PDA1199")
            .Where(d => !UnreachableFromYaml.Contains(d.Id) && !NotPolicyErrors.Contains(d.Id))
            .Select(d => d.Id);
        var uncovered = validationErrors.Where(id => !covered.Contains(id)).ToList();
        Assert.True(uncovered.Count == 0, "no corpus file for: " + string.Join(", ", uncovered));
    }

    private static Dictionary<string, List<string>> ReadManifest()
    {
        var manifest = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var raw in File.ReadAllLines(Path.Combine(CorpusDirectory, "expected.txt")))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith("#", StringComparison.Ordinal))
                continue;
            var parts = line.Split(new[] { ' ', '\t' }, StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length != 4)
                throw new FormatException($"expected.txt: '{raw}' is not 'file ID line column'");
            if (!manifest.TryGetValue(parts[0], out var entries))
                manifest[parts[0]] = entries = new List<string>();
            entries.Add($"{parts[1]} {parts[2]} {parts[3]}");
        }
        return manifest;
    }
}
