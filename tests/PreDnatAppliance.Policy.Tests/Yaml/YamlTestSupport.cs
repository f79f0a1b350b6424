using PreDnatAppliance.Policy.Diagnostics;
using PreDnatAppliance.Policy.Resources;
using PreDnatAppliance.Policy.Yaml;

namespace PreDnatAppliance.Policy.Tests.Yaml;

internal static class YamlTestSupport
{
    public const string FileName = "policies/test.yaml";

    public static PolicySet Load(string yaml)
    {
        var set = new PolicySet();
        PolicyLoader.LoadText(set, FileName, yaml);
        return set;
    }

    /// <summary>Loads text that must produce no diagnostics at all.</summary>
    public static PolicySet LoadClean(string yaml)
    {
        var set = Load(yaml);
        Assert.True(set.Diagnostics.Items.Count == 0, "unexpected diagnostics:\n" + Describe(set));
        return set;
    }

    /// <summary>The only diagnostic of the set, which must have this ID and position.</summary>
    public static PolicyDiagnostic SingleDiagnostic(PolicySet set, string id, int line, int column)
    {
        Assert.True(set.Diagnostics.Items.Count == 1, "expected exactly one diagnostic, got:\n" + Describe(set));
        var diagnostic = set.Diagnostics.Items[0];
        AssertDiagnostic(diagnostic, id, line, column);
        return diagnostic;
    }

    public static void AssertDiagnostic(PolicyDiagnostic diagnostic, string id, int line, int column)
    {
        Assert.Equal(id, diagnostic.Id);
        Assert.Equal(FileName, diagnostic.Location.File);
        Assert.Equal((line, column), (diagnostic.Location.Line, diagnostic.Location.Column));
    }

    public static void AssertAt(SourceLocation location, int line, int column)
    {
        Assert.Equal(FileName, location.File);
        Assert.Equal((line, column), (location.Line, location.Column));
    }

    public static string Describe(PolicySet set) => string.Join("\n", set.Diagnostics.Items.Select(d => d.ToString()));
}
