namespace PreDnatAppliance.Pipeline.Services;

/// <summary>
/// A services file (or the table built from it) was rejected. <see cref="Exception.Message"/> lists every problem,
/// one per line, each as <c>file:line:col: message</c>; <see cref="Errors"/> has them one by one.
/// </summary>
public sealed class ServiceLoadException : Exception
{
    public ServiceLoadException(string source, IReadOnlyList<string> errors)
        : base(Format(source, errors))
    {
        SourceName = source;
        Errors = errors;
    }

    /// <summary>The file (or other source name) that was rejected.</summary>
    public string SourceName { get; }

    public IReadOnlyList<string> Errors { get; }

    private static string Format(string source, IReadOnlyList<string> errors)
    {
        const int Shown = 50;
        var head = errors.Count == 1
            ? $"services from {source} rejected: 1 error"
            : $"services from {source} rejected: {errors.Count} errors";
        var lines = errors.Take(Shown).Select(e => "  " + e);
        var tail = errors.Count > Shown ? new[] { $"  ... and {errors.Count - Shown} more" } : Array.Empty<string>();
        return string.Join(Environment.NewLine, new[] { head }.Concat(lines).Concat(tail));
    }
}
