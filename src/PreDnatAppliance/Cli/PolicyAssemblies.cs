using System.Diagnostics;
using System.Reflection;
using System.Runtime.Loader;
using System.Security.Cryptography;
using System.Text;
using PreDnatAppliance.Classification;

namespace PreDnatAppliance.Cli;

/// <summary>
/// Finds the generated policy assembly: the one built into the appliance (the repository's policies/), or one rebuilt
/// from another policy directory with <c>dotnet build src/PreDnatAppliance.Policies -p:PolicyDir=DIR</c> into its own
/// artifacts directory and loaded in a separate load context (the classification contract stays shared).
/// </summary>
public static class PolicyAssemblies
{
    public const string AssemblyName = "PreDnatAppliance.Policies";

    /// <summary>The policy assembly the appliance was built with.</summary>
    public static ICompiledPolicy BuiltIn() => Instantiate(Assembly.Load(new AssemblyName(AssemblyName)));

    public static ICompiledPolicy Instantiate(Assembly assembly)
    {
        var attribute = assembly.GetCustomAttribute<CompiledPolicyAttribute>()
            ?? throw new InvalidOperationException($"{assembly.GetName().Name} has no [assembly: CompiledPolicy]");
        return (ICompiledPolicy)Activator.CreateInstance(attribute.Type)!;
    }

    /// <summary>The repository the appliance was built from (for rebuilding the policy assembly).</summary>
    public static string? RepositoryRoot() =>
        typeof(PolicyAssemblies).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "RepositoryRoot")?.Value is { } root && Directory.Exists(root) ? root : null;

    /// <summary>
    /// Rebuilds the policy assembly from <paramref name="policyDirectory"/> (a build error, e.g. a policy error at its
    /// YAML line, is reported with the build's output) and loads it.
    /// </summary>
    public static ICompiledPolicy Rebuild(string policyDirectory, TextWriter log)
    {
        var root = RepositoryRoot() ?? throw new InvalidOperationException("--policy-dir needs the repository the appliance was built from (to rebuild the policy assembly); it was not found");
        var full = Path.GetFullPath(policyDirectory);
        var key = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(full)))[..16].ToLowerInvariant();
        var artifacts = Path.Combine(Path.GetTempPath(), "prednat-policy-builds", key);
        var project = Path.Combine(root, "src", AssemblyName, AssemblyName + ".csproj");
        log.WriteLine($"prednat: building the policy assembly from {full}");
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in new[] { "build", project, "-c", "Release", "--nologo", "-v", "quiet", "-tl:off", $"-p:PolicyDir={full}/", "--artifacts-path", artifacts })
            start.ArgumentList.Add(arg);
        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start dotnet");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(10)))
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException("building the policy assembly took more than 10 minutes");
        }
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"building the policy assembly from {full} failed:\n{stdout.Result}{stderr.Result}");
        var dll = Directory.GetFiles(Path.Combine(artifacts, "bin", AssemblyName), AssemblyName + ".dll", SearchOption.AllDirectories)
            .OrderByDescending(File.GetLastWriteTimeUtc).FirstOrDefault()
            ?? throw new InvalidOperationException($"the policy build left no {AssemblyName}.dll under {artifacts}");
        var context = new PolicyLoadContext(dll);
        return Instantiate(context.LoadFromAssemblyPath(dll));
    }

    /// <summary>Loads a rebuilt policy assembly beside the built-in one; everything else comes from the default context.</summary>
    private sealed class PolicyLoadContext : AssemblyLoadContext
    {
        public PolicyLoadContext(string path)
            : base("policy:" + path, isCollectible: false)
        {
        }

        protected override Assembly? Load(AssemblyName assemblyName) => null;
    }
}
