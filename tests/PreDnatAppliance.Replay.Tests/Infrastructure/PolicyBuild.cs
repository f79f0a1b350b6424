using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Reflection;
using System.Runtime.Loader;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;
using PreDnatAppliance.Classification;
using PreDnatAppliance.Policy;
using PreDnatAppliance.Policy.Programs;

using PreDnatAppliance.TestSupport;

namespace PreDnatAppliance.Replay.Tests.Infrastructure;

/// <summary>A policy set as the pipeline needs it: the generated classifiers and the same files compiled by the Policy library.</summary>
public sealed record PolicyBundle(ICompiledPolicy Policy, Policy.Resources.PolicySet Set)
{
    public CompiledPolicySet CompileFor(string node) => PolicyProject.Compile(Set, node);
}

/// <summary>
/// Compiles a scenario's policy files with the real policy generator, in memory (the way the compiler runs it), and
/// loads the result; cached per policy set. The repository's own policies/ come from the built policy assembly.
/// </summary>
public static class PolicyBuild
{
    private static readonly ConcurrentDictionary<string, Lazy<PolicyBundle>> Cache = new(StringComparer.Ordinal);

    public static PolicyBundle Repository() => Cache.GetOrAdd("@repo", _ => new Lazy<PolicyBundle>(() =>
    {
        var policy = Cli.PolicyAssemblies.BuiltIn();
        var set = PolicyProject.LoadTexts(Files(Path.Combine(Paths.RepositoryRoot, "policies")));
        return new PolicyBundle(policy, set);
    })).Value;

    /// <summary>A policy set under Scenarios/Data/&lt;name&gt;/policies.</summary>
    public static PolicyBundle Scenario(string name) => Cache.GetOrAdd(name, n => new Lazy<PolicyBundle>(() =>
        Compile(n, Files(Path.Combine(Paths.ProjectDirectory, "Scenarios", "Data", n, "policies"))))).Value;

    private static List<(string Path, string Text)> Files(string directory) =>
        Directory.GetFiles(directory, "*.yaml", SearchOption.AllDirectories)
            .OrderBy(f => f, StringComparer.Ordinal)
            .Select(f => ("policies/" + Path.GetRelativePath(directory, f).Replace('\\', '/'), File.ReadAllText(f)))
            .ToList();

    public static PolicyBundle Compile(string name, IReadOnlyList<(string Path, string Text)> files)
    {
        const string root = "/repo/";
        var set = PolicyProject.LoadTexts(files);
        if (set.HasErrors)
            throw new InvalidOperationException($"policy set {name} has errors:\n" + string.Join("\n", set.Diagnostics.Sorted()));

        var texts = files.Select(f => (AdditionalText)new InMemoryAdditionalText(root + f.Path, f.Text)).ToImmutableArray();
        var global = new Dictionary<string, string>
        {
            ["build_property.PolicyRootFullPath"] = root,
            ["build_property.PolicyDirFullPath"] = root + "policies/",
        };
        var perFile = texts.ToDictionary(t => t.Path, _ => (IReadOnlyDictionary<string, string>)new Dictionary<string, string>
        {
            ["build_metadata.AdditionalFiles.PolicyFile"] = "true",
        });
        var parse = new CSharpParseOptions(LanguageVersion.Latest);
        var compilation = CSharpCompilation.Create("Policy_" + name.Replace('-', '_'),
            new[] { CSharpSyntaxTree.ParseText("namespace Project { internal static class Placeholder { } }", parse) },
            References.Value,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, allowUnsafe: true, optimizationLevel: OptimizationLevel.Release,
                nullableContextOptions: NullableContextOptions.Enable, deterministic: true));
        var driver = CSharpGeneratorDriver.Create(new[] { new PolicyGenerator.PolicyGenerator().AsSourceGenerator() }, texts, parse,
            new TestOptionsProvider(global, perFile));
        driver.RunGeneratorsAndUpdateCompilation(compilation, out var output, out var generatorDiagnostics);
        var errors = generatorDiagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        using var stream = new MemoryStream();
        var emit = output.Emit(stream);
        if (errors.Count > 0 || !emit.Success)
            throw new InvalidOperationException($"policy set {name} did not compile:\n" + string.Join("\n", errors.Concat(emit.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error)).Take(20)));
        stream.Position = 0;
        var assembly = new AssemblyLoadContext("policy:" + name).LoadFromStream(stream);
        var attribute = assembly.GetCustomAttribute<CompiledPolicyAttribute>()!;
        return new PolicyBundle((ICompiledPolicy)Activator.CreateInstance(attribute.Type)!, set);
    }

    private static readonly Lazy<ImmutableArray<MetadataReference>> References = new(() =>
    {
        var runtime = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
        var files = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Where(f => string.Equals(Path.GetDirectoryName(f), runtime, StringComparison.Ordinal) && Path.GetFileName(f).StartsWith("System", StringComparison.Ordinal)
                || Path.GetFileName(f) is "netstandard.dll" or "mscorlib.dll")
            .Append(typeof(IPolicyClassifier).Assembly.Location);
        return files.Distinct().Select(f => (MetadataReference)MetadataReference.CreateFromFile(f)).ToImmutableArray();
    });
}

public static class Paths
{
    public static string ProjectDirectory { get; } =
        typeof(Paths).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "ProjectDirectory").Value!;

    public static string RepositoryRoot { get; } = Path.GetFullPath(Path.Combine(ProjectDirectory, "..", ".."));
}
