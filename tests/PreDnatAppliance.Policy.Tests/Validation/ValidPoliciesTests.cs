using PreDnatAppliance.Policy.Diagnostics;

namespace PreDnatAppliance.Policy.Tests.Validation;

/// <summary>The repository's own policies (the appliance's embedded default) must load, validate and compile without errors.</summary>
public class ValidPoliciesTests
{
    [Fact]
    public void Repository_policies_have_no_errors()
    {
        var directory = RepositoryPaths.Policies;
        Assert.True(Directory.EnumerateFiles(directory, "*.y*ml", SearchOption.AllDirectories).Any(), $"no policy files in {directory}");

        var set = PolicyProject.Load(directory);
        var diagnostics = set.HasErrors ? set.Diagnostics.Items : PolicyProject.Compile(set).Diagnostics;
        var problems = diagnostics.Where(d => d.Severity != DiagnosticSeverity.Info).ToList();
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }
}
