using PreDnatAppliance.Deployment.Tests.Infrastructure;

namespace PreDnatAppliance.Deployment.Tests;

/// <summary>Every YAML file under docker/ parses (all its documents), and every Kubernetes object is named.</summary>
public class YamlFileTests
{
    private static IReadOnlyList<string> Files(string directory, SearchOption depth) =>
        Directory.EnumerateFiles(Repository.PathOf(directory), "*.yaml", depth).Order(StringComparer.Ordinal)
            .Select(f => Path.GetRelativePath(Repository.Root, f)).ToList();

    public static TheoryData<string> YamlFiles() => new(Files("docker", SearchOption.AllDirectories));

    [Theory]
    [MemberData(nameof(YamlFiles))]
    public void Parses(string file) => Assert.NotEmpty(Yaml.Documents(Repository.Read(file), file));

    [Fact]
    public void The_files_checked_include_compose_and_the_kubernetes_manifests()
    {
        var files = Files("docker", SearchOption.AllDirectories);
        Assert.Contains(Path.Combine("docker", "compose.yaml"), files);
        Assert.Contains(Path.Combine("docker", "kubernetes", "daemonset.yaml"), files);
    }

    [Fact]
    public void A_syntax_error_is_reported_with_its_line()
    {
        var broken = Repository.Break(Repository.Read("docker/kubernetes/rbac.yaml"), "  verbs: [get, list, watch]\n---", "  verbs: [get, list, watch\n---");
        var error = Assert.Throws<InvalidDataException>(() => Yaml.Documents(broken, "rbac.yaml"));
        Assert.StartsWith("rbac.yaml:", error.Message);
    }

    public static TheoryData<string> ManifestFiles() => new(Files("docker/kubernetes", SearchOption.TopDirectoryOnly));

    [Theory]
    [MemberData(nameof(ManifestFiles))]
    public void Every_kubernetes_object_has_api_version_kind_and_name(string file)
    {
        var objects = ManifestChecks.Objects(Repository.Read(file), file);
        Assert.NotEmpty(objects);
        Assert.Empty(ManifestChecks.EveryObjectIsNamed(objects));
    }

    [Fact]
    public void An_object_without_a_name_or_kind_is_reported()
    {
        var text = Repository.Break(Repository.Read("docker/kubernetes/rbac.yaml"), "kind: ClusterRole\nmetadata:\n  name: prednat-services-reader", "metadata:\n  labels: {}");
        var problems = ManifestChecks.EveryObjectIsNamed(ManifestChecks.Objects(text, "rbac.yaml"));
        Assert.Equal(new[] { "rbac.yaml#2: no kind", "rbac.yaml#2: no metadata.name" }, problems);
    }
}
