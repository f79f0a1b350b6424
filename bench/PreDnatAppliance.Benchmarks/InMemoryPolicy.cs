using System.Collections.Immutable;
using System.Reflection;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;
using PreDnatAppliance.Classification;

namespace PreDnatAppliance.Benchmarks;

/// <summary>
/// A policy directory compiled the way the build does it, in memory: the source generator over the YAML (as
/// AdditionalFiles marked PolicyFile), the generated code compiled in Release with Roslyn and loaded. Used for the
/// ClassBench policy, whose YAML is converted at run time from the shared data set rather than kept in the repository.
/// </summary>
public static class InMemoryPolicy
{
    public static ICompiledPolicy Compile(IReadOnlyList<(string RelativePath, string Text)> files, string assemblyName)
    {
        var runtime = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
        var references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Where(f => Path.GetDirectoryName(f) == runtime && Path.GetFileName(f).StartsWith("System", StringComparison.Ordinal)
                || Path.GetFileName(f) is "netstandard.dll" or "mscorlib.dll")
            .Append(typeof(IPolicyClassifier).Assembly.Location)
            .Distinct()
            .Select(f => (MetadataReference)MetadataReference.CreateFromFile(f));
        var parse = new CSharpParseOptions(LanguageVersion.Latest);
        var compilation = CSharpCompilation.Create(assemblyName,
            new[] { CSharpSyntaxTree.ParseText("namespace Bench { internal static class Placeholder { } }", parse) },
            references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, allowUnsafe: true, optimizationLevel: OptimizationLevel.Release, deterministic: true));
        var texts = files.Select(f => (AdditionalText)new Text("/bench/" + f.RelativePath, f.Text)).ToImmutableArray();
        var driver = CSharpGeneratorDriver.Create(new[] { new PolicyGenerator.PolicyGenerator().AsSourceGenerator() }, texts, parse,
            new Options(texts.Select(t => t.Path)));
        driver.RunGeneratorsAndUpdateCompilation(compilation, out var output, out var diagnostics);
        using var stream = new MemoryStream();
        var emit = output.Emit(stream);
        var errors = diagnostics.Concat(emit.Diagnostics).Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        if (!emit.Success || errors.Count > 0)
            throw new InvalidOperationException("the policy did not compile:\n" + string.Join("\n", errors.Take(20)));
        var assembly = Assembly.Load(stream.ToArray());
        return FromAssembly(assembly);
    }

    public static ICompiledPolicy FromAssembly(Assembly assembly)
    {
        var attribute = assembly.GetCustomAttribute<CompiledPolicyAttribute>()
            ?? throw new InvalidOperationException($"{assembly.FullName} has no [assembly: CompiledPolicy]");
        return (ICompiledPolicy)Activator.CreateInstance(attribute.Type)!;
    }

    private sealed class Text(string path, string text) : AdditionalText
    {
        private readonly SourceText _text = SourceText.From(text, Encoding.UTF8);
        public override string Path { get; } = path;
        public override SourceText GetText(CancellationToken cancellationToken = default) => _text;
    }

    private sealed class Options(IEnumerable<string> policyFiles) : AnalyzerConfigOptionsProvider
    {
        private readonly HashSet<string> _policyFiles = new(policyFiles, StringComparer.Ordinal);

        public override AnalyzerConfigOptions GlobalOptions { get; } = new Values(new()
        {
            ["build_property.PolicyRootFullPath"] = "/bench/",
            ["build_property.PolicyDirFullPath"] = "/bench/policies/",
        });

        public override AnalyzerConfigOptions GetOptions(SyntaxTree tree) => new Values(new());

        public override AnalyzerConfigOptions GetOptions(AdditionalText textFile) =>
            new Values(_policyFiles.Contains(textFile.Path) ? new() { ["build_metadata.AdditionalFiles.PolicyFile"] = "true" } : new());
    }

    private sealed class Values(Dictionary<string, string> values) : AnalyzerConfigOptions
    {
        public override bool TryGetValue(string key, out string value)
        {
            var found = values.TryGetValue(key, out var v);
            value = v ?? string.Empty;
            return found;
        }
    }
}
