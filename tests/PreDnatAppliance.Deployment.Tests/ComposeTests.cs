using PreDnatAppliance.Deployment.Tests.Infrastructure;

namespace PreDnatAppliance.Deployment.Tests;

/// <summary>docker/compose.yaml: what it builds and mounts exists, and the testpmd containers meet the appliance's memif ports.</summary>
public class ComposeTests
{
    private static readonly string Text = Repository.Read("docker/compose.yaml");
    private static readonly IReadOnlyList<string> Stages = Dockerfile.Parse(Repository.Read("docker/Dockerfile")).Stages.Select(s => s.Name).ToList();

    private static bool Exists(string relativeToDocker)
    {
        var path = Path.GetFullPath(Path.Combine(Repository.PathOf("docker"), relativeToDocker));
        return File.Exists(path) || System.IO.Directory.Exists(path);
    }

    private static string Read(string relativeToDocker) => File.ReadAllText(Path.Combine(Repository.PathOf("docker"), relativeToDocker));

    [Fact]
    public void Builds_mounts_images_and_dependencies_exist() => Assert.Empty(ComposeChecks.References(ComposeChecks.Root(Text), Exists, Stages));

    [Theory]
    [InlineData("./appliance-memif.json:/etc", "./appliance-missing.json:/etc", "./appliance-missing.json (mounted at /etc/prednat/appliance.json) does not exist")]
    [InlineData("      target: testpmd", "      target: trafficgen", "the Dockerfile has no stage 'trafficgen'")]
    [InlineData("      dockerfile: docker/Dockerfile\n      target: runtime", "      dockerfile: docker/Containerfile\n      target: runtime", "docker/Containerfile does not exist")]
    [InlineData("volumes:\n  memif:\n", "volumes:\n", "volume 'memif' is not declared")]
    [InlineData("      appliance:\n        condition: service_healthy\n    volumes:\n      - memif:/run/memif\n    command:", "      applianse:\n        condition: service_healthy\n    volumes:\n      - memif:/run/memif\n    command:", "depends on 'applianse'")]
    public void A_reference_to_something_missing_is_reported(string from, string to, string expected)
    {
        var problems = ComposeChecks.References(ComposeChecks.Root(Repository.Break(Text, from, to)), Exists, Stages);
        Assert.Contains(problems, p => p.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void The_testpmd_containers_are_the_clients_of_the_appliance_memif_ports() =>
        Assert.Empty(ComposeChecks.MemifWiring(ComposeChecks.Root(Text), Read));

    [Theory]
    [InlineData("socket=/run/memif/pods.sock\"", "socket=/run/memif/sink.sock\"", "memif socket /run/memif/pods.sock of ./appliance-memif.json has 0 client services")]
    [InlineData("      - memif:/run/memif\n      - traffic:/traffic:ro", "      - traffic:/traffic:ro", "do not share a volume at /run/memif")]
    public void Broken_memif_wiring_is_reported(string from, string to, string expected)
    {
        var problems = ComposeChecks.MemifWiring(ComposeChecks.Root(Repository.Break(Text, from, to)), Read);
        Assert.Contains(problems, p => p.Contains(expected, StringComparison.Ordinal));
    }
}
