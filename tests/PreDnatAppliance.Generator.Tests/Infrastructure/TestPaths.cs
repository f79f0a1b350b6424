using System.Reflection;

namespace PreDnatAppliance.Generator.Tests.Infrastructure;

/// <summary>Where the test project's sources and the repository are, recorded at build time (works with any artifacts path).</summary>
public static class TestPaths
{
    public static string ProjectDirectory { get; } =
        typeof(TestPaths).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "ProjectDirectory").Value!;

    public static string RepositoryRoot { get; } = Path.GetFullPath(Path.Combine(ProjectDirectory, "..", ".."));

    public static string RepositoryPolicies => Path.Combine(RepositoryRoot, "policies");

    /// <summary>Every *.yaml/*.yml under <paramref name="directory"/>, as "policies/&lt;relative path&gt;".</summary>
    public static IReadOnlyList<PolicyFile> PolicyFiles(string directory) =>
        Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories)
            .Where(f => f.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".yml", StringComparison.OrdinalIgnoreCase))
            .Select(f => new PolicyFile("policies/" + Path.GetRelativePath(directory, f).Replace('\\', '/'), File.ReadAllText(f)))
            .OrderBy(f => f.RelativePath, StringComparer.Ordinal)
            .ToList();

    /// <summary>A baseline scenario's policy files: the repository's policies/ for "nodeport", else Scenarios/NAME/.</summary>
    public static IReadOnlyList<PolicyFile> Scenario(string name) =>
        PolicyFiles(name == "nodeport" ? RepositoryPolicies : Path.Combine(ProjectDirectory, "Scenarios", name));
}
