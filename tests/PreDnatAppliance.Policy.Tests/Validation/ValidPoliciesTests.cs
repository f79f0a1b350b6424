using PreDnatAppliance.Policy.Diagnostics;
using PreDnatAppliance.Policy.Resources;
using PreDnatAppliance.Policy.Validation;
using PreDnatAppliance.Policy.Yaml;

namespace PreDnatAppliance.Policy.Tests.Validation;

/// <summary>The repository's own policies must load and validate without errors.</summary>
public class ValidPoliciesTests
{
    [Fact]
    public void Repository_policies_have_no_errors()
    {
        var directory = FindPoliciesDirectory();
        // Nothing to check until the repository carries policies; xunit 2 has no runtime skip.
        if (directory is null || !Directory.EnumerateFiles(directory, "*.y*ml", SearchOption.AllDirectories).Any())
            return;

        var set = PolicyLoader.LoadDirectory(directory);
        PolicyValidator.Validate(set);
        var errors = set.Diagnostics.Sorted().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        Assert.True(errors.Count == 0, string.Join("\n", errors));
    }

    private static string? FindPoliciesDirectory()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "PreDnatAppliance.sln")))
            {
                var policies = Path.Combine(dir.FullName, "policies");
                return Directory.Exists(policies) ? policies : null;
            }
        }
        return null;
    }
}
