namespace PreDnatAppliance.Policy.Diagnostics;

/// <summary>A 1-based line and column in a policy file; the unit every diagnostic and RuleId points back to.</summary>
public readonly struct SourceLocation : IEquatable<SourceLocation>
{
    public SourceLocation(string file, int line, int column)
    {
        File = file;
        Line = line;
        Column = column;
    }

    public string File { get; }
    public int Line { get; }
    public int Column { get; }

    public static SourceLocation None => new(string.Empty, 0, 0);

    public bool IsKnown => Line > 0;

    /// <summary>MSBuild's canonical form, so that IDEs and CI annotate the YAML line.</summary>
    public override string ToString() => IsKnown ? $"{File}({Line},{Column})" : File;

    /// <summary>The short form used in generated code comments and program dumps.</summary>
    public string ToShortString() => IsKnown ? $"{File}:{Line}" : File;

    public bool Equals(SourceLocation other) => string.Equals(File, other.File, StringComparison.Ordinal) && Line == other.Line && Column == other.Column;
    public override bool Equals(object? obj) => obj is SourceLocation other && Equals(other);
    public override int GetHashCode() => unchecked(((File?.GetHashCode() ?? 0) * 397 ^ Line) * 397 ^ Column);
    public static bool operator ==(SourceLocation a, SourceLocation b) => a.Equals(b);
    public static bool operator !=(SourceLocation a, SourceLocation b) => !a.Equals(b);
}

/// <summary>A value read from YAML together with where it was written.</summary>
public readonly struct Located<T> : IEquatable<Located<T>>
{
    public Located(T value, SourceLocation location)
    {
        Value = value;
        Location = location;
    }

    public T Value { get; }
    public SourceLocation Location { get; }

    public bool Equals(Located<T> other) => EqualityComparer<T>.Default.Equals(Value, other.Value) && Location == other.Location;
    public override bool Equals(object? obj) => obj is Located<T> other && Equals(other);
    public override int GetHashCode() => unchecked((Value is null ? 0 : EqualityComparer<T>.Default.GetHashCode(Value)) * 397 ^ Location.GetHashCode());
    public override string ToString() => Value?.ToString() ?? string.Empty;
}
