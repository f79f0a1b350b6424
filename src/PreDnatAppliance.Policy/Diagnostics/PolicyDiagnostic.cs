namespace PreDnatAppliance.Policy.Diagnostics;

public enum DiagnosticSeverity
{
    Info,
    Warning,
    Error,
}

/// <summary>
/// One finding about a policy set. Plain data with value equality, so that the source generator can
/// keep diagnostics in its cached model and turn them into Roslyn diagnostics only at output time.
/// </summary>
public sealed class PolicyDiagnostic : IEquatable<PolicyDiagnostic>
{
    public PolicyDiagnostic(DiagnosticDescriptor descriptor, SourceLocation location, string message)
    {
        Descriptor = descriptor;
        Location = location;
        Message = message;
    }

    public DiagnosticDescriptor Descriptor { get; }
    public string Id => Descriptor.Id;
    public DiagnosticSeverity Severity => Descriptor.Severity;
    public SourceLocation Location { get; }
    public string Message { get; }

    /// <summary><c>file(line,col): error PDAnnnn: message</c>, the form MSBuild and the CLI print.</summary>
    public override string ToString()
    {
        var severity = Severity switch
        {
            DiagnosticSeverity.Error => "error",
            DiagnosticSeverity.Warning => "warning",
            _ => "info",
        };
        return $"{Location}: {severity} {Id}: {Message}";
    }

    public bool Equals(PolicyDiagnostic? other) =>
        other is not null && Descriptor.Id == other.Descriptor.Id && Location == other.Location && string.Equals(Message, other.Message, StringComparison.Ordinal);

    public override bool Equals(object? obj) => Equals(obj as PolicyDiagnostic);
    public override int GetHashCode() => unchecked((Id.GetHashCode() * 397) ^ Location.GetHashCode() ^ Message.GetHashCode());
}

/// <summary>A stable diagnostic identity: the ID never changes meaning once released.</summary>
public sealed class DiagnosticDescriptor
{
    public DiagnosticDescriptor(string id, string title, DiagnosticSeverity severity)
    {
        Id = id;
        Title = title;
        Severity = severity;
    }

    public string Id { get; }
    public string Title { get; }
    public DiagnosticSeverity Severity { get; }

    public PolicyDiagnostic At(SourceLocation location, string message) => new(this, location, message);
    public PolicyDiagnostic At(SourceLocation location) => new(this, location, Title);
}

/// <summary>Collects diagnostics in the order they are found.</summary>
public sealed class DiagnosticBag
{
    private readonly List<PolicyDiagnostic> _items = new();

    public IReadOnlyList<PolicyDiagnostic> Items => _items;
    public bool HasErrors => _items.Any(d => d.Severity == DiagnosticSeverity.Error);

    public void Add(PolicyDiagnostic diagnostic) => _items.Add(diagnostic);
    public void Add(DiagnosticDescriptor descriptor, SourceLocation location, string message) => _items.Add(descriptor.At(location, message));
    public void AddRange(IEnumerable<PolicyDiagnostic> diagnostics) => _items.AddRange(diagnostics);

    /// <summary>Sorted by file, line, column, then ID, so that output is deterministic whatever order checks ran in.</summary>
    public IReadOnlyList<PolicyDiagnostic> Sorted() =>
        _items.OrderBy(d => d.Location.File, StringComparer.Ordinal)
              .ThenBy(d => d.Location.Line)
              .ThenBy(d => d.Location.Column)
              .ThenBy(d => d.Id, StringComparer.Ordinal)
              .ThenBy(d => d.Message, StringComparer.Ordinal)
              .ToList();
}
