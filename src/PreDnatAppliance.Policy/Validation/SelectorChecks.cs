using PreDnatAppliance.Policy.Diagnostics;
using PreDnatAppliance.Policy.Selectors;

namespace PreDnatAppliance.Policy.Validation;

/// <summary>Selector syntax and Calico's global() placement rules.</summary>
internal static class SelectorChecks
{
    public const string GlobalMisplacedMessage = "global() can only be used in an EntityRule namespaceSelector";
    public const string GlobalNotAloneMessage = "global() cannot be combined with other selectors";

    /// <summary>Reports syntax and length problems; returns the parsed selector when it is valid (null when empty or invalid).</summary>
    public static Selector? Check(ValidationContext context, string? text, SourceLocation at)
    {
        // An empty selector means all(); there is nothing to parse.
        if (string.IsNullOrEmpty(text))
            return null;
        if (text!.Length > Limits.MaxSelectorLength)
            context.Report(DiagnosticDescriptors.SelectorTooLong, at, Messages.TooLong(Limits.MaxSelectorLength));
        if (!Selector.TryParse(text, out var selector, out var error))
        {
            context.Report(DiagnosticDescriptors.SelectorInvalid, at, $"invalid selector {Quote(text)}: {error ?? "syntax error"}");
            return null;
        }
        return selector;
    }

    // The parser's messages ("expected ==") need the expression beside them; long ones are cut.
    private static string Quote(string text) =>
        "\"" + (text.Length <= 80 ? text : text.Substring(0, 77) + "...") + "\"";

    /// <summary>
    /// Calico tests the raw text (CEL <c>contains('global(')</c>), so even a label value spelled "global(" trips it;
    /// matching that keeps us from accepting what Calico rejects.
    /// </summary>
    public static bool MentionsGlobal(string? text) => text is not null && text.Contains("global(");

    /// <summary>Policy-level selector fields: global() is never allowed there.</summary>
    public static void CheckNoGlobal(ValidationContext context, string? text, SourceLocation at)
    {
        if (MentionsGlobal(text))
            context.Report(DiagnosticDescriptors.SelectorGlobalMisplaced, at, GlobalMisplacedMessage);
    }

    /// <summary>An EntityRule namespaceSelector may be global() but then nothing else.</summary>
    public static void CheckGlobalAlone(ValidationContext context, string? text, Selector? parsed, SourceLocation at)
    {
        if (!MentionsGlobal(text) || text == "global()")
            return;
        // Calico tokenizes and wants exactly [global(), EOF], so even "(global())" is refused.
        var bare = parsed is not null && parsed.IsExactlyGlobal && text!.TrimStart(' ', '\t').StartsWith("global", StringComparison.Ordinal);
        if (!bare)
            context.Report(DiagnosticDescriptors.SelectorGlobalNotAlone, at, GlobalNotAloneMessage);
    }
}
