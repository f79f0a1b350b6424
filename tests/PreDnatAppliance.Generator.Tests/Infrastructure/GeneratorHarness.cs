using System.Collections.Immutable;
using System.Reflection;
using System.Runtime.Loader;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;
using PreDnatAppliance.Classification;
using PreDnatAppliance.PolicyGenerator;

using PreDnatAppliance.TestSupport;

namespace PreDnatAppliance.Generator.Tests.Infrastructure;

/// <summary>A policy file as the generator receives it: the path under the virtual repository, and the text.</summary>
public sealed record PolicyFile(string RelativePath, string Text);

/// <summary>
/// Runs the policy generator the way the compiler does, in memory: policy files become AdditionalTexts marked
/// PolicyFile=true under a virtual repository root, with PolicyRoot/PolicyDir/PolicyNamespace as build properties.
/// </summary>
public static class GeneratorHarness
{
    public const string Root = "/repo/";
    public const string PolicyDir = "/repo/policies";

    public static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest);

    private static readonly Lazy<ImmutableArray<MetadataReference>> LazyReferences = new(() =>
    {
        // The shared framework the tests run on, plus the classification contract.
        var runtime = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
        var files = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Where(f => string.Equals(Path.GetDirectoryName(f), runtime, StringComparison.Ordinal) && Path.GetFileName(f).StartsWith("System", StringComparison.Ordinal)
                || Path.GetFileName(f) is "netstandard.dll" or "mscorlib.dll")
            .Append(typeof(IPolicyClassifier).Assembly.Location);
        return files.Distinct().Select(f => (MetadataReference)MetadataReference.CreateFromFile(f)).ToImmutableArray();
    });

    public static ImmutableArray<MetadataReference> References => LazyReferences.Value;

    public static CSharpCompilation CreateCompilation(string assemblyName, params string[] sources) =>
        CSharpCompilation.Create(
            assemblyName,
            sources.Select((s, i) => CSharpSyntaxTree.ParseText(s, ParseOptions, path: $"Source{i}.cs")),
            References,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, allowUnsafe: true, optimizationLevel: OptimizationLevel.Release,
                nullableContextOptions: NullableContextOptions.Enable, deterministic: true));

    public static ImmutableArray<AdditionalText> AdditionalTexts(IEnumerable<PolicyFile> files) =>
        files.Select(f => (AdditionalText)new InMemoryAdditionalText(Root + f.RelativePath, f.Text)).ToImmutableArray();

    public static TestOptionsProvider Options(IEnumerable<AdditionalText> policyTexts, string? ns = null, IEnumerable<AdditionalText>? otherTexts = null)
    {
        var global = new Dictionary<string, string>
        {
            ["build_property.PolicyRootFullPath"] = Root,
            ["build_property.PolicyDirFullPath"] = PolicyDir + "/",
        };
        if (ns is not null)
            global["build_property.PolicyNamespace"] = ns;
        var perFile = policyTexts.ToDictionary(t => t.Path, _ => (IReadOnlyDictionary<string, string>)new Dictionary<string, string>
        {
            ["build_metadata.AdditionalFiles.PolicyFile"] = "true",
        });
        foreach (var other in otherTexts ?? Array.Empty<AdditionalText>())
            perFile[other.Path] = new Dictionary<string, string>();
        return new TestOptionsProvider(global, perFile);
    }

    /// <summary>A driver over the policy files, tracking steps (for the incremental tests).</summary>
    public static GeneratorDriver CreateDriver(IReadOnlyList<PolicyFile> files, string? ns = null, IEnumerable<AdditionalText>? otherTexts = null) =>
        CreateDriver(AdditionalTexts(files), ns, otherTexts);

    /// <summary>A driver over given policy texts, so that a test can later replace one of them.</summary>
    public static GeneratorDriver CreateDriver(ImmutableArray<AdditionalText> texts, string? ns = null, IEnumerable<AdditionalText>? otherTexts = null)
    {
        var all = texts.AddRange(otherTexts ?? Array.Empty<AdditionalText>());
        return CSharpGeneratorDriver.Create(
            new[] { new PolicyGenerator.PolicyGenerator().AsSourceGenerator() },
            all,
            ParseOptions,
            Options(texts, ns, otherTexts),
            new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));
    }

    /// <summary>Runs the generator once over the policy files and an empty project.</summary>
    public static (GeneratorRunResult Result, Compilation Output) Run(IReadOnlyList<PolicyFile> files, string assemblyName = "PolicyUnderTest", string? ns = null)
    {
        var compilation = CreateCompilation(assemblyName, "namespace Project { internal static class Placeholder { } }");
        var driver = CreateDriver(files, ns).RunGeneratorsAndUpdateCompilation(compilation, out var output, out _);
        return (driver.GetRunResult().Results.Single(), output);
    }

    public static string Source(GeneratorRunResult result, string hintName) =>
        result.GeneratedSources.Single(s => s.HintName == hintName).SourceText.ToString();

    /// <summary>Compiles the generated code and loads it in a collectible context; fails the test with the compiler's errors.</summary>
    public static LoadedPolicy CompileAndLoad(Compilation output)
    {
        using var stream = new MemoryStream();
        var emit = output.Emit(stream);
        var problems = emit.Diagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning).ToList();
        if (!emit.Success || problems.Count > 0)
            throw new InvalidOperationException("generated code did not compile cleanly:\n" + string.Join("\n", problems.Take(30)));
        stream.Position = 0;
        var context = new AssemblyLoadContext(output.AssemblyName, isCollectible: true);
        var assembly = context.LoadFromStream(stream);
        return new LoadedPolicy(context, assembly);
    }

    public static ICompiledPolicy Instantiate(Assembly assembly)
    {
        var attribute = assembly.GetCustomAttribute<CompiledPolicyAttribute>()
            ?? throw new InvalidOperationException("no [assembly: CompiledPolicy] in " + assembly.FullName);
        return (ICompiledPolicy)Activator.CreateInstance(attribute.Type)!;
    }

    /// <summary>Normalises line endings, so that baselines compare the same on every OS and git setting.</summary>
    public static string Normalize(string text) => text.Replace("\r\n", "\n").Replace('\r', '\n');
}

public sealed class LoadedPolicy : IDisposable
{
    private readonly AssemblyLoadContext _context;

    public LoadedPolicy(AssemblyLoadContext context, Assembly assembly)
    {
        _context = context;
        Assembly = assembly;
        Policy = GeneratorHarness.Instantiate(assembly);
    }

    public Assembly Assembly { get; }
    public ICompiledPolicy Policy { get; }

    public void Dispose() => _context.Unload();
}
