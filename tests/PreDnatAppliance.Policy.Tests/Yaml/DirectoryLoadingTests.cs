using PreDnatAppliance.Policy.Diagnostics;
using PreDnatAppliance.Policy.Yaml;

namespace PreDnatAppliance.Policy.Tests.Yaml;

public class DirectoryLoadingTests
{
    private static readonly string DataDirectory = Path.Combine(AppContext.BaseDirectory, "Data", "yaml", "dir");

    [Fact]
    public void Loads_yaml_and_yml_files_recursively_in_ordinal_order()
    {
        var set = PolicyLoader.LoadDirectory(DataDirectory);

        Assert.False(set.HasErrors, string.Join("\n", set.Diagnostics.Items));
        Assert.Equal(new[] { "security" }, set.Tiers.Select(t => t.Name));
        Assert.Equal(new[] { "security.allow-nodeports", "default.allow-ssh" }, set.Policies.Select(p => p.Name));
        Assert.Equal("zeta", Assert.Single(set.NetworkSets).Name);
        Assert.Single(set.HostEndpoints);
    }

    [Fact]
    public void Names_files_by_the_directory_as_given_plus_the_relative_path()
    {
        var relative = Path.GetRelativePath(Environment.CurrentDirectory, DataDirectory);
        var set = PolicyLoader.LoadDirectory(relative);

        var expectedPrefix = relative.Replace('\\', '/') + "/";
        Assert.Equal(expectedPrefix + "20-policies.yml", set.Policies[0].Location.File);
        Assert.Equal(expectedPrefix + "sub/30-calicoctl-gnp-list.yaml", set.Policies[1].Location.File);
        Assert.Equal(15, set.Policies[0].Metadata.Location.Line);
    }

    [Fact]
    public void A_missing_directory_is_a_diagnostic()
    {
        var set = PolicyLoader.LoadDirectory("no/such/policies");

        var diagnostic = Assert.Single(set.Diagnostics.Items);
        Assert.Equal("PDA1009", diagnostic.Id);
        Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);
        Assert.Equal("no/such/policies", diagnostic.Location.File);
        Assert.Empty(set.AllResources);
    }
}
