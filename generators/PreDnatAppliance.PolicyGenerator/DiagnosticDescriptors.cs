using System.Collections.Concurrent;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;
using PreDnatAppliance.PolicyGenerator.Model;

namespace PreDnatAppliance.PolicyGenerator;

/// <summary>
/// The generator's own diagnostics (PDA15xx), and the conversion of the policy library's findings (PDA10xx-PDA14xx,
/// defined in <c>PreDnatAppliance.Policy.Diagnostics.DiagnosticDescriptors</c>) into compiler diagnostics with the
/// same ID and severity, located at the YAML file's line and column.
/// </summary>
internal static class DiagnosticDescriptors
{
    public const string Category = "PolicyGenerator";

    /// <summary>The generator itself failed; the message carries the exception. No classifier is emitted.</summary>
    public static readonly DiagnosticDescriptor GeneratorFailed = new(
        id: "PDA1501",
        title: "The policy generator failed",
        messageFormat: "The policy generator failed: {0}",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        customTags: WellKnownDiagnosticTags.NotConfigurable);

    /// <summary>The project compiles no policy at all, which is almost always a wrong PolicyDir.</summary>
    public static readonly DiagnosticDescriptor NoPolicyFiles = new(
        id: "PDA1502",
        title: "No policy files",
        messageFormat: "No policy files were given to the policy generator (PolicyDir is '{0}'); the compiled policy has no programs",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Warning,
        isEnabledByDefault: true);

    /// <summary>A long program stays on the linear strategy: a rule the table strategy cannot express (or the threshold) keeps it there.</summary>
    public static readonly DiagnosticDescriptor LinearStrategyForLongProgram = new(
        id: "PDA1503",
        title: "Long program classified by the linear vector strategy",
        messageFormat: "{0}",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Info,
        isEnabledByDefault: true);

    /// <summary>The project cannot compile the generated classifiers.</summary>
    public static readonly DiagnosticDescriptor UnsupportedProject = new(
        id: "PDA1504",
        title: "The project cannot hold compiled policy",
        messageFormat: "No classifiers were generated: {0}",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        customTags: WellKnownDiagnosticTags.NotConfigurable);

    private static readonly ConcurrentDictionary<(string Id, DiagnosticLevel Level, string Title), DiagnosticDescriptor> PolicyDescriptors = new();

    /// <summary>Creates the compiler diagnostic for a stored finding; called only in the output step.</summary>
    /// <param name="policyRoot">The directory the stored paths are relative to (normalised, ending in '/'), if known.</param>
    public static Diagnostic ToDiagnostic(DiagnosticInfo info, string? policyRoot) =>
        // Every descriptor's message format has exactly one argument: the stored message.
        Diagnostic.Create(Find(info), ToLocation(info, policyRoot), info.Message);

    private static DiagnosticDescriptor Find(DiagnosticInfo info)
    {
        if (info.Id == GeneratorFailed.Id)
            return GeneratorFailed;
        if (info.Id == NoPolicyFiles.Id)
            return NoPolicyFiles;
        if (info.Id == LinearStrategyForLongProgram.Id)
            return LinearStrategyForLongProgram;
        return PolicyDescriptors.GetOrAdd((info.Id, info.Level, info.Title), static key => new DiagnosticDescriptor(
            id: key.Id,
            title: key.Title,
            messageFormat: "{0}",
            category: Category,
            defaultSeverity: ToSeverity(key.Level),
            isEnabledByDefault: true,
            customTags: key.Level == DiagnosticLevel.Error ? new[] { WellKnownDiagnosticTags.NotConfigurable } : Array.Empty<string>()));
    }

    private static DiagnosticSeverity ToSeverity(DiagnosticLevel level) => level switch
    {
        DiagnosticLevel.Error => DiagnosticSeverity.Error,
        DiagnosticLevel.Warning => DiagnosticSeverity.Warning,
        _ => DiagnosticSeverity.Info,
    };

    /// <summary>
    /// The YAML file's line and column (1-based in the model, 0-based in Roslyn). The model keeps paths relative to
    /// PolicyRoot (<c>policies/x.yaml</c>) so that it does not depend on the checkout location; the compiler gets the
    /// full path, because it resolves a relative one against the project directory, which would name a file that does
    /// not exist. So the build prints <c>/path/to/repo/policies/x.yaml(12,7): error PDA1003: ...</c>, which terminals,
    /// IDEs and CI annotations can open.
    /// </summary>
    internal static Location ToLocation(DiagnosticInfo info, string? policyRoot)
    {
        if (string.IsNullOrEmpty(info.File))
            return Location.None;
        var path = policyRoot is not null && !IsRooted(info.File) ? policyRoot + info.File : info.File;
        var position = info.Line > 0
            ? new LinePosition(info.Line - 1, Math.Max(0, info.Column - 1))
            : new LinePosition(0, 0);
        return Location.Create(path, new TextSpan(0, 0), new LinePositionSpan(position, position));
    }

    private static bool IsRooted(string path) =>
        path.StartsWith("/", StringComparison.Ordinal) || (path.Length >= 3 && path[1] == ':' && path[2] is '/' or '\\');
}
