using System.Runtime.CompilerServices;

namespace PreDnatAppliance.Policy.Tests;

/// <summary>Finds the repository from the tests, whether they run from bin/ or from an --artifacts-path output.</summary>
public static class RepositoryPaths
{
    public static string Root { get; } = FindRoot();

    public static string Policies => Path.Combine(Root, "policies");

    /// <summary>Walks up to PreDnatAppliance.sln from the test's base directory, else from this source file, else from the working directory.</summary>
    private static string FindRoot([CallerFilePath] string sourceFile = "")
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Path.GetDirectoryName(sourceFile) ?? string.Empty, Environment.CurrentDirectory })
        {
            for (var dir = string.IsNullOrEmpty(start) ? null : new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "PreDnatAppliance.sln")))
                    return dir.FullName;
            }
        }
        throw new InvalidOperationException($"PreDnatAppliance.sln not found above {AppContext.BaseDirectory}, {sourceFile} or {Environment.CurrentDirectory}");
    }
}
