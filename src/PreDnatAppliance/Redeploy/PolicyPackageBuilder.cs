using System.Diagnostics;
using PreDnatAppliance.Cli;

namespace PreDnatAppliance.Redeploy;

/// <summary>
/// Builds a policy directory into a <see cref="PolicyPackage"/>: copies the YAML into a new package directory, builds
/// src/PreDnatAppliance.Policies from that copy (<c>-p:PolicyDir</c>) with the repository the appliance came from, and
/// keeps the generated assembly. One artifacts directory serves every build under a root, so only the policy assembly
/// is recompiled; a lock file keeps two builds from sharing it at once. A package that already exists is reused.
/// </summary>
public static class PolicyPackageBuilder
{
    public const string AssemblyFile = PolicyAssemblies.AssemblyName + ".dll";

    /// <summary>PREDNAT_POLICY_PACKAGES, else prednat-policy-packages under the temporary directory.</summary>
    public static string DefaultRoot() =>
        Environment.GetEnvironmentVariable("PREDNAT_POLICY_PACKAGES") is { Length: > 0 } root
            ? Path.GetFullPath(root)
            : Path.Combine(Path.GetTempPath(), "prednat-policy-packages");

    /// <summary>Builds (or finds) the package of <paramref name="policyDirectory"/>; a build error throws with the build's output.</summary>
    public static PolicyPackage Build(string policyDirectory, string? root = null, TextWriter? log = null)
    {
        root ??= DefaultRoot();
        var source = Path.GetFullPath(policyDirectory).TrimEnd(Path.DirectorySeparatorChar);
        if (!Directory.Exists(source))
            throw new DirectoryNotFoundException($"policy directory {source} does not exist");
        var repository = PolicyAssemblies.RepositoryRoot()
            ?? throw new InvalidOperationException("building a policy needs the repository the appliance was built from; it was not found (in a container, rebuild the image and restart instead)");
        var hash = PolicyContentHash.Of(source);
        var target = Path.Combine(root, PackageName(hash, repository));
        if (File.Exists(Path.Combine(target, PolicyPackage.ManifestFile)))
        {
            log?.WriteLine($"prednat: policy package {target} exists ({hash})");
            return PolicyPackage.Open(target);
        }

        Directory.CreateDirectory(root);
        using var buildLock = AcquireLock(Path.Combine(root, ".build.lock"));
        if (File.Exists(Path.Combine(target, PolicyPackage.ManifestFile)))
            return PolicyPackage.Open(target);

        var staging = Path.Combine(root, $".staging-{Environment.ProcessId}-{Guid.NewGuid():N}");
        try
        {
            var name = Path.GetFileName(source);
            var copy = Path.Combine(staging, "policy", name);
            foreach (var file in PolicyContentHash.PolicyFiles(source))
            {
                var destination = Path.Combine(copy, Path.GetRelativePath(source, file));
                Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
                File.Copy(file, destination);
            }
            if (PolicyContentHash.Of(copy) != hash)
                throw new InvalidOperationException($"{source} changed while it was being packaged; try again");

            var output = Path.Combine(root, ".build");
            log?.WriteLine($"prednat: building the policy assembly from {source}");
            RunBuild(repository, copy, output);
            var built = Directory.GetFiles(Path.Combine(output, "bin", PolicyAssemblies.AssemblyName), AssemblyFile, SearchOption.AllDirectories)
                .OrderByDescending(File.GetLastWriteTimeUtc).FirstOrDefault()
                ?? throw new InvalidOperationException($"the policy build left no {AssemblyFile} under {output}");
            File.Copy(built, Path.Combine(staging, AssemblyFile));
            var package = new PolicyPackage
            {
                Directory = staging,
                ContentHash = hash,
                OriginalDirectory = source,
                PolicyDirectory = Path.Combine("policy", name),
                Assembly = AssemblyFile,
                BuiltAt = DateTimeOffset.UtcNow,
            };
            package.Save();
            Directory.Move(staging, target);
            return PolicyPackage.Open(target);
        }
        finally
        {
            if (Directory.Exists(staging))
                Directory.Delete(staging, recursive: true);
        }
    }

    /// <summary>
    /// The policy's content hash alone would reuse a package built by another generator; the name also covers the
    /// repository and the classification contract the appliance runs (its module version id changes with its code).
    /// </summary>
    private static string PackageName(string contentHash, string repository)
    {
        var contract = typeof(Classification.ICompiledPolicy).Assembly.ManifestModule.ModuleVersionId;
        var key = System.Text.Encoding.UTF8.GetBytes($"{contentHash}\0{Path.GetFullPath(repository)}\0{contract}");
        return contentHash.Replace("sha256:", "", StringComparison.Ordinal)[..12] + "-" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(key))[..8];
    }

    private static void RunBuild(string repository, string policyDirectory, string artifacts)
    {
        var project = Path.Combine(repository, "src", PolicyAssemblies.AssemblyName, PolicyAssemblies.AssemblyName + ".csproj");
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = repository,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in new[] { "build", project, "-c", "Release", "--nologo", "-v", "quiet", "-tl:off", $"-p:PolicyDir={policyDirectory}/", "--artifacts-path", artifacts })
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
            throw new InvalidOperationException($"building the policy assembly from {policyDirectory} failed:\n{stdout.Result}{stderr.Result}");
    }

    /// <summary>An exclusive lock on a file, waited for (another build under the same root holds it).</summary>
    private static FileStream AcquireLock(string path)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(10);
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(200);
            }
        }
    }
}
