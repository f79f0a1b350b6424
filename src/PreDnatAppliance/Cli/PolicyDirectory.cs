namespace PreDnatAppliance.Cli;

/// <summary>Where the policy set comes from when --policy-dir is not given.</summary>
public static class PolicyDirectory
{
    public const string DefaultName = "policies";

    /// <summary>
    /// --policy-dir, else PREDNAT_POLICY_DIR, else ./policies, else the repository's policies/ found above the
    /// executable (so that ./prednat works from any working directory).
    /// </summary>
    public static string Resolve(string? option)
    {
        if (!string.IsNullOrEmpty(option))
            return option!;
        var fromEnvironment = Environment.GetEnvironmentVariable("PREDNAT_POLICY_DIR");
        if (!string.IsNullOrEmpty(fromEnvironment))
            return fromEnvironment!;
        if (Directory.Exists(DefaultName))
            return DefaultName;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "PreDnatAppliance.sln")) && Directory.Exists(Path.Combine(dir.FullName, DefaultName)))
                return Path.GetRelativePath(Environment.CurrentDirectory, Path.Combine(dir.FullName, DefaultName));
        }
        return DefaultName;
    }
}
