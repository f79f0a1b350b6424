namespace PreDnatAppliance.PolicyGenerator.Model;

internal enum DiagnosticLevel
{
    Info,
    Warning,
    Error,
}

/// <summary>
/// A diagnostic as equatable data. Roslyn's <c>Diagnostic</c> has no value equality, so the cached model keeps
/// this and the output step turns it into a compiler diagnostic (<see cref="DiagnosticDescriptors.ToDiagnostic"/>).
/// </summary>
/// <param name="File">Relative to PolicyRoot; empty when the finding has no file.</param>
/// <param name="Line">1-based; 0 when unknown.</param>
internal sealed record DiagnosticInfo(string Id, string Title, DiagnosticLevel Level, string Message, string File, int Line, int Column);
