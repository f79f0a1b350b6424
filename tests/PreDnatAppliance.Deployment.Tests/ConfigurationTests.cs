using PreDnatAppliance.Deployment.Tests.Infrastructure;

namespace PreDnatAppliance.Deployment.Tests;

/// <summary>Every appliance configuration under docker/ loads as ApplianceConfiguration and passes both validators.</summary>
public class ConfigurationTests
{
    private static IReadOnlyList<string> Files() =>
        Directory.EnumerateFiles(Repository.PathOf("docker"), "*.json", SearchOption.AllDirectories).Order(StringComparer.Ordinal)
            .Select(f => Path.GetRelativePath(Repository.Root, f)).ToList();

    public static TheoryData<string> ConfigurationFiles() => new(Files());

    [Theory]
    [MemberData(nameof(ConfigurationFiles))]
    public void Loads_and_validates(string file) => Assert.Empty(ConfigurationChecks.Problems(Repository.Read(file), file));

    [Fact]
    public void The_files_checked_include_the_compose_and_kubernetes_configurations()
    {
        var files = Files();
        Assert.Contains(Path.Combine("docker", "appliance-memif.json"), files);
        Assert.Contains(Path.Combine("docker", "kubernetes", "node1.json"), files);
    }

    [Theory]
    [InlineData("\"burstSize\": 32", "\"burstSize\": 32, \"burstsize2\": 1", "burstsize2")]
    [InlineData("\"workerLcores\": [1]", "\"workerLcores\": []", "workerLcores")]
    [InlineData("\"name\": \"node1\"", "\"name\": \"\"", "node.name")]
    public void A_broken_configuration_is_reported(string from, string to, string expected)
    {
        var broken = Repository.Break(Repository.Read("docker/appliance-memif.json"), from, to);
        Assert.Contains(ConfigurationChecks.Problems(broken, "appliance-memif.json"), p => p.Contains(expected, StringComparison.Ordinal));
    }
}
