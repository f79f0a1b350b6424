using System.Collections.Immutable;
using System.Globalization;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using PreDnatAppliance.PolicyGenerator.Model;

namespace PreDnatAppliance.PolicyGenerator;

/// <summary>
/// Compiles the policy directory (Calico v3 YAML, given as AdditionalFiles marked <c>PolicyFile="true"</c>) into
/// one C# classifier per per-endpoint program, plus a <c>CompiledPolicy</c> that implements
/// <c>ICompiledPolicy</c> and is found through <c>[assembly: CompiledPolicy(...)]</c>.
/// </summary>
/// <remarks>
/// <para>Pipeline (every step is tracked by name, see <see cref="TrackingNames"/>):</para>
/// <code>
///   AdditionalTexts (PolicyFile=true) ─► PolicyFiles (display path, text) ─┐
///   AnalyzerConfigOptions ─► Options (root, dir, namespace) ───────────────┴► Collect ─► PolicySet
///   PolicySet ─► Spec ──(+ CompilationData)─► ClassifierInput ─► PolicyClassifiers.g.cs
///   PolicySet ─► Inputs ─► PolicyInputs.g.cs (content hash of the YAML as written)
///   PolicySet ─► Diagnostics (+ PolicyRoot) ─► PDAnnnn at the YAML file's line and column
/// </code>
/// <para>
/// The PolicySet step does all the work with the policy library (load, validate, compile) and keeps only
/// equatable data, so the classifier source is re-emitted only when the compiled model changes: a comment added
/// at the end of a file changes the inputs hash, not the classifiers. If the policy set has any error, neither
/// source is emitted: the build fails on the errors and never carries a partly compiled policy.
/// </para>
/// </remarks>
[Generator(LanguageNames.CSharp)]
public sealed partial class PolicyGenerator : IIncrementalGenerator
{
    internal const string PolicyFileMetadata = "build_metadata.AdditionalFiles.PolicyFile";
    internal const string PolicyRootProperty = "build_property.PolicyRootFullPath";
    internal const string PolicyDirProperty = "build_property.PolicyDirFullPath";
    internal const string NamespaceProperty = "build_property.PolicyNamespace";
    internal const string TableThresholdProperty = "build_property.PolicyTableThreshold";
    internal const string DefaultNamespace = "PreDnatAppliance.Policies.Generated";

    internal const string ClassifiersHintName = "PolicyClassifiers.g.cs";
    internal const string InputsHintName = "PolicyInputs.g.cs";
    internal const string TablesHintName = "PolicyTables.g.cs";

    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var options = context.AnalyzerConfigOptionsProvider
            .Select(static (provider, _) => ReadOptions(provider.GlobalOptions))
            .WithTrackingName(TrackingNames.Options);

        var files = context.AdditionalTextsProvider
            .Combine(context.AnalyzerConfigOptionsProvider)
            .Select(static (pair, cancellationToken) => ReadPolicyFile(pair.Left, pair.Right, cancellationToken))
            .Where(static file => file is not null)
            .Select(static (file, _) => file!)
            .WithTrackingName(TrackingNames.PolicyFiles);

        // Only what the emitted text depends on, so that unrelated compilation changes stay cached.
        var compilationData = context.CompilationProvider
            .Select(static (compilation, _) => new CompilationData(
                AllowUnsafe: compilation is CSharpCompilation { Options.AllowUnsafe: true },
                HasVector512: compilation.GetTypeByMetadataName("System.Runtime.Intrinsics.Vector512") is not null,
                HasContract: compilation.GetTypeByMetadataName("PreDnatAppliance.Classification.IPolicyClassifier") is not null))
            .WithTrackingName(TrackingNames.CompilationData);

        var result = files.Collect()
            .Combine(options)
            .Select(static (input, cancellationToken) => Parse(input.Left, input.Right, cancellationToken))
            .WithTrackingName(TrackingNames.PolicySet);

        var spec = result
            .Select(static (r, _) => r.Spec)
            .WithTrackingName(TrackingNames.Spec);
        var classifierInput = spec
            .Combine(compilationData)
            .WithTrackingName(TrackingNames.ClassifierInput);
        var inputs = result
            .Select(static (r, _) => r.Inputs)
            .WithTrackingName(TrackingNames.Inputs);
        var diagnostics = result
            .Select(static (r, _) => r.Diagnostics)
            .Combine(options.Select(static (o, _) => o.PolicyRoot))
            .WithTrackingName(TrackingNames.Diagnostics);

        context.RegisterSourceOutput(classifierInput, static (output, input) => EmitClassifiers(output, input.Left, input.Right));
        context.RegisterSourceOutput(inputs, static (output, input) =>
        {
            if (input is not null)
                output.AddSource(InputsHintName, EmitInputs(input));
        });
        // Diagnostics have their own output: they are re-reported whenever the parse step re-runs, while the
        // sources above stay cached as long as the model is unchanged.
        context.RegisterSourceOutput(diagnostics, static (output, input) =>
        {
            foreach (var info in input.Left)
                output.ReportDiagnostic(DiagnosticDescriptors.ToDiagnostic(info, input.Right));
        });
    }

    private static void EmitClassifiers(SourceProductionContext output, PolicySetSpec? spec, CompilationData compilation)
    {
        if (spec is null)
            return;
        if (!compilation.HasVector512 || !compilation.HasContract)
        {
            output.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.UnsupportedProject, Location.None,
                !compilation.HasContract
                    ? "it does not reference PreDnatAppliance.Classification (IPolicyClassifier)"
                    : "it does not target .NET 8 or later (System.Runtime.Intrinsics.Vector512)"));
            return;
        }
        EmittedSources sources;
        try
        {
            sources = WithInvariantCulture(() => new Emitter(spec, compilation.AllowUnsafe, output.CancellationToken).Emit());
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            output.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.GeneratorFailed, Location.None, Describe(ex)));
            return;
        }
        output.AddSource(ClassifiersHintName, sources.Classifiers);
        if (sources.Tables is not null)
            output.AddSource(TablesHintName, sources.Tables);
    }

    /// <summary>
    /// Reads the resolved PolicyRoot and PolicyDir (PolicyRootFullPath, PolicyDirFullPath), PolicyNamespace and
    /// PolicyTableThreshold, declared as CompilerVisibleProperty by build/PreDnatAppliance.PolicyGenerator.targets.
    /// </summary>
    internal static GeneratorOptions ReadOptions(AnalyzerConfigOptions global)
    {
        var root = global.TryGetValue(PolicyRootProperty, out var rootText) && !string.IsNullOrWhiteSpace(rootText)
            ? NormalizeDirectory(rootText)
            : null;
        var directory = global.TryGetValue(PolicyDirProperty, out var dirText) && !string.IsNullOrWhiteSpace(dirText)
            ? DisplayPath(NormalizeDirectory(dirText).TrimEnd('/'), root)
            : string.Empty;
        var ns = global.TryGetValue(NamespaceProperty, out var nsText) && IsValidNamespace(nsText) ? nsText.Trim() : DefaultNamespace;
        var threshold = global.TryGetValue(TableThresholdProperty, out var thresholdText)
            && int.TryParse(thresholdText?.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var value)
            ? value
            : DefaultTableThreshold;
        return new GeneratorOptions(ns, directory, root, threshold);
    }

    private static PolicyFileText? ReadPolicyFile(AdditionalText file, AnalyzerConfigOptionsProvider provider, CancellationToken cancellationToken)
    {
        if (!provider.GetOptions(file).TryGetValue(PolicyFileMetadata, out var flag) || !string.Equals(flag?.Trim(), "true", StringComparison.OrdinalIgnoreCase))
            return null;
        var root = provider.GlobalOptions.TryGetValue(PolicyRootProperty, out var rootText) && !string.IsNullOrWhiteSpace(rootText)
            ? NormalizeDirectory(rootText)
            : null;
        var text = file.GetText(cancellationToken);
        return new PolicyFileText(DisplayPath(file.Path, root), text?.ToString() ?? string.Empty, text is null);
    }

    /// <summary>The path people see: relative to PolicyRoot when the file is under it, with '/' separators.</summary>
    internal static string DisplayPath(string path, string? root)
    {
        var normalized = path.Replace('\\', '/');
        if (root is not null && normalized.StartsWith(root, StringComparison.Ordinal))
            return normalized.Substring(root.Length);
        if (root is not null && normalized + "/" == root)
            return string.Empty;
        return normalized;
    }

    private static string NormalizeDirectory(string path)
    {
        var normalized = path.Trim().Replace('\\', '/');
        return normalized.EndsWith("/", StringComparison.Ordinal) ? normalized : normalized + "/";
    }

    private static bool IsValidNamespace(string? text) =>
        !string.IsNullOrWhiteSpace(text) && text!.Trim().Split('.').All(part => SyntaxFacts.IsValidIdentifier(part));

    // The policy library and the emitter format numbers with the invariant culture already; this makes sure a
    // locale's digits or minus sign cannot leak into the model or the code (as System.Text.Json's generator does).
#pragma warning disable RS1035 // the culture is set, not read for messages
    private static T WithInvariantCulture<T>(Func<T> action)
    {
        var culture = CultureInfo.CurrentCulture;
        var uiCulture = CultureInfo.CurrentUICulture;
        try
        {
            CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
            CultureInfo.CurrentUICulture = CultureInfo.InvariantCulture;
            return action();
        }
        finally
        {
            CultureInfo.CurrentCulture = culture;
            CultureInfo.CurrentUICulture = uiCulture;
        }
    }
#pragma warning restore RS1035

    private static string Describe(Exception ex) =>
        ex.GetType().Name + ": " + ex.Message + " " + (ex.StackTrace ?? string.Empty).Replace('\r', ' ').Replace('\n', ' ');
}
