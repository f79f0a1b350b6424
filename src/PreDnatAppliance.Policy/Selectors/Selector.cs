using System.Collections.ObjectModel;
using System.Diagnostics.CodeAnalysis;

namespace PreDnatAppliance.Policy.Selectors;

/// <summary>
/// A parsed Calico label selector. Two selectors are equal when their canonical <see cref="Text"/> is,
/// which is how Calico itself identifies selectors (its UniqueID hashes String()).
/// </summary>
public sealed class Selector : IEquatable<Selector>
{
    private readonly SelectorNode _root;

    private Selector(SelectorNode root)
    {
        _root = root;
        Text = root.ToText();

        var names = new List<string>();
        var containsGlobal = false;
        Walk(root, names, new HashSet<string>(StringComparer.Ordinal), ref containsGlobal);
        LabelNames = new ReadOnlyCollection<string>(names);
        ContainsGlobal = containsGlobal;
    }

    /// <summary>The selector Calico uses for an empty selector string; matches everything.</summary>
    public static Selector All { get; } = new(AllNode.Instance);

    /// <summary>
    /// True when the selector is all() (or empty). Deliberately structural: <c>all() || x</c> also matches
    /// everything but is not reported here.
    /// </summary>
    public bool IsAll => _root is AllNode;

    public bool ContainsGlobal { get; }

    public bool IsExactlyGlobal => _root is GlobalNode;

    /// <summary>Calico's canonical String() form, e.g. <c>(has(a) &amp;&amp; b == "c")</c>.</summary>
    public string Text { get; }

    /// <summary>Distinct label keys the selector mentions, in order of first appearance.</summary>
    public IEnumerable<string> LabelNames { get; }

    /// <summary>
    /// Parses <paramref name="text"/>; null, empty and space/tab-only text mean all(), as in Calico.
    /// </summary>
    public static bool TryParse(
        string? text,
        [MaybeNullWhen(false)] out Selector selector,
        [NotNullWhen(false)] out string? error)
    {
        try
        {
            selector = Parse(text);
            error = null;
            return true;
        }
        catch (SelectorParseException e)
        {
            selector = null;
            error = e.Message;
            return false;
        }
    }

    /// <exception cref="SelectorParseException">The text is not a selector Calico accepts.</exception>
    public static Selector Parse(string? text)
    {
        if (text is null)
            return All;
        var root = Parser.Parse(text);
        return root is AllNode ? All : new Selector(root);
    }

    public bool Matches(IReadOnlyDictionary<string, string> labels)
    {
        if (labels is null)
            throw new ArgumentNullException(nameof(labels));
        return _root.Evaluate(labels);
    }

    /// <summary>
    /// Conjunction with the meaning and canonical text of parsing <c>(this) &amp;&amp; (other)</c>, which is how
    /// Calico combines a rule's selectors; all() is the identity.
    /// </summary>
    /// <exception cref="SelectorParseException">The result would exceed the nesting limit.</exception>
    public Selector And(Selector other)
    {
        if (other is null)
            throw new ArgumentNullException(nameof(other));
        if (IsAll)
            return other;
        if (other.IsAll)
            return this;

        var combined = new AndNode(new[] { _root, other._root });
        if (combined.Nesting > Parser.MaxNesting)
            throw new SelectorParseException(Parser.NestingError);
        return new Selector(combined);
    }

    public bool Equals(Selector? other) =>
        other is not null && string.Equals(Text, other.Text, StringComparison.Ordinal);

    public override bool Equals(object? obj) => obj is Selector other && Equals(other);

    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Text);

    public static bool operator ==(Selector? left, Selector? right) =>
        left is null ? right is null : left.Equals(right);

    public static bool operator !=(Selector? left, Selector? right) => !(left == right);

    public override string ToString() => Text;

    private static void Walk(SelectorNode node, List<string> names, HashSet<string> seen, ref bool containsGlobal)
    {
        if (node is GlobalNode)
            containsGlobal = true;
        if (node.LabelName is { } name && seen.Add(name))
            names.Add(name);
        foreach (var child in node.Children)
            Walk(child, names, seen, ref containsGlobal);
    }
}
