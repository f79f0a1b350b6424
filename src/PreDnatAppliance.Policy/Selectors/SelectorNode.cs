using System.Text;

namespace PreDnatAppliance.Policy.Selectors;

/// <summary>
/// Parsed selector expression. Evaluation follows Calico's ast.go, including its treatment of absent labels,
/// and <see cref="WriteTo"/> reproduces Calico's String() so canonical texts compare equal across the two.
/// </summary>
/// <remarks>
/// Nodes are immutable and evaluation allocates nothing. Recursion is safe because the parser and
/// <see cref="Selector.And"/> bound <see cref="Nesting"/>.
/// </remarks>
internal abstract class SelectorNode
{
    /// <summary>
    /// How many &amp;&amp;/|| nodes lie on the deepest path, which equals the parenthesis depth of the
    /// canonical text. Bounding this (rather than the input's parentheses) keeps every canonical text
    /// parseable again.
    /// </summary>
    public virtual int Nesting => 0;

    /// <summary>The label this node tests, if it is a leaf that tests one.</summary>
    public virtual string? LabelName => null;

    public virtual IReadOnlyList<SelectorNode> Children => Array.Empty<SelectorNode>();

    public abstract bool Evaluate(IReadOnlyDictionary<string, string> labels);

    public abstract void WriteTo(StringBuilder builder);

    public string ToText()
    {
        var builder = new StringBuilder();
        WriteTo(builder);
        return builder.ToString();
    }

    // Calico picks single quotes only when the value holds a double quote; a literal cannot hold both.
    protected static void WriteQuoted(StringBuilder builder, string value)
    {
        var quote = value.IndexOf('"') >= 0 ? '\'' : '"';
        builder.Append(quote).Append(value).Append(quote);
    }
}

internal sealed class AllNode : SelectorNode
{
    public static AllNode Instance { get; } = new();

    private AllNode()
    {
    }

    public override bool Evaluate(IReadOnlyDictionary<string, string> labels) => true;

    public override void WriteTo(StringBuilder builder) => builder.Append("all()");
}

/// <summary>
/// True on its own. Callers that handle namespaceSelector give global() its special meaning
/// (Calico rewrites it to <c>!has(projectcalico.org/namespace)</c> there).
/// </summary>
internal sealed class GlobalNode : SelectorNode
{
    public static GlobalNode Instance { get; } = new();

    private GlobalNode()
    {
    }

    public override bool Evaluate(IReadOnlyDictionary<string, string> labels) => true;

    public override void WriteTo(StringBuilder builder) => builder.Append("global()");
}

internal sealed class HasNode : SelectorNode
{
    private readonly string _label;

    public HasNode(string label) => _label = label;

    public override string? LabelName => _label;

    public override bool Evaluate(IReadOnlyDictionary<string, string> labels) => labels.ContainsKey(_label);

    public override void WriteTo(StringBuilder builder) => builder.Append("has(").Append(_label).Append(')');
}

internal enum ValueOperator
{
    Equal,
    NotEqual,
    Contains,
    StartsWith,
    EndsWith,
}

internal sealed class LabelValueNode : SelectorNode
{
    private readonly string _label;
    private readonly ValueOperator _op;
    private readonly string _value;

    public LabelValueNode(string label, ValueOperator op, string value)
    {
        _label = label;
        _op = op;
        _value = value;
    }

    public override string? LabelName => _label;

    public override bool Evaluate(IReadOnlyDictionary<string, string> labels)
    {
        // An absent label satisfies only "!=": Calico treats it as "not equal to anything".
        if (!labels.TryGetValue(_label, out var actual))
            return _op == ValueOperator.NotEqual;

        return _op switch
        {
            ValueOperator.Equal => string.Equals(actual, _value, StringComparison.Ordinal),
            ValueOperator.NotEqual => !string.Equals(actual, _value, StringComparison.Ordinal),
            ValueOperator.Contains => actual.IndexOf(_value, StringComparison.Ordinal) >= 0,
            ValueOperator.StartsWith => actual.StartsWith(_value, StringComparison.Ordinal),
            ValueOperator.EndsWith => actual.EndsWith(_value, StringComparison.Ordinal),
            _ => throw new InvalidOperationException("unknown operator " + _op),
        };
    }

    public override void WriteTo(StringBuilder builder)
    {
        builder.Append(_label).Append(_op switch
        {
            ValueOperator.Equal => " == ",
            ValueOperator.NotEqual => " != ",
            ValueOperator.Contains => " contains ",
            ValueOperator.StartsWith => " starts with ",
            ValueOperator.EndsWith => " ends with ",
            _ => throw new InvalidOperationException("unknown operator " + _op),
        });
        WriteQuoted(builder, _value);
    }
}

internal sealed class LabelSetNode : SelectorNode
{
    private readonly string _label;
    private readonly bool _negated;
    private readonly string[] _values;

    public LabelSetNode(string label, bool negated, IEnumerable<string> values)
    {
        _label = label;
        _negated = negated;
        // Sorted and de-duplicated as Calico does, which is what makes set order irrelevant to the canonical text.
        _values = values.Distinct(StringComparer.Ordinal).OrderBy(v => v, CodePointComparer.Instance).ToArray();
    }

    public override string? LabelName => _label;

    public override bool Evaluate(IReadOnlyDictionary<string, string> labels)
    {
        if (!labels.TryGetValue(_label, out var actual))
            return _negated;
        var member = Array.BinarySearch(_values, actual, CodePointComparer.Instance) >= 0;
        return member != _negated;
    }

    public override void WriteTo(StringBuilder builder)
    {
        builder.Append(_label).Append(_negated ? " not in {" : " in {");
        for (var i = 0; i < _values.Length; i++)
        {
            if (i > 0)
                builder.Append(", ");
            WriteQuoted(builder, _values[i]);
        }

        builder.Append('}');
    }
}

internal sealed class NotNode : SelectorNode
{
    private readonly SelectorNode[] _operand;

    public NotNode(SelectorNode operand) => _operand = new[] { operand };

    public SelectorNode Operand => _operand[0];

    public override int Nesting => _operand[0].Nesting;

    public override IReadOnlyList<SelectorNode> Children => _operand;

    public override bool Evaluate(IReadOnlyDictionary<string, string> labels) => !_operand[0].Evaluate(labels);

    public override void WriteTo(StringBuilder builder)
    {
        builder.Append('!');
        _operand[0].WriteTo(builder);
    }
}

/// <summary>Shared shape of &amp;&amp; and ||: Calico always parenthesises these, even at the top level.</summary>
internal abstract class JunctionNode : SelectorNode
{
    private readonly int _nesting;

    protected JunctionNode(SelectorNode[] operands)
    {
        Operands = operands;
        var deepest = 0;
        foreach (var operand in operands)
            deepest = Math.Max(deepest, operand.Nesting);
        _nesting = deepest + 1;
    }

    protected SelectorNode[] Operands { get; }

    public override int Nesting => _nesting;

    public override IReadOnlyList<SelectorNode> Children => Operands;

    protected abstract string Separator { get; }

    public override void WriteTo(StringBuilder builder)
    {
        builder.Append('(');
        for (var i = 0; i < Operands.Length; i++)
        {
            if (i > 0)
                builder.Append(Separator);
            Operands[i].WriteTo(builder);
        }

        builder.Append(')');
    }
}

internal sealed class AndNode : JunctionNode
{
    public AndNode(SelectorNode[] operands)
        : base(operands)
    {
    }

    protected override string Separator => " && ";

    public override bool Evaluate(IReadOnlyDictionary<string, string> labels)
    {
        var operands = Operands;
        for (var i = 0; i < operands.Length; i++)
        {
            if (!operands[i].Evaluate(labels))
                return false;
        }

        return true;
    }
}

internal sealed class OrNode : JunctionNode
{
    public OrNode(SelectorNode[] operands)
        : base(operands)
    {
    }

    protected override string Separator => " || ";

    public override bool Evaluate(IReadOnlyDictionary<string, string> labels)
    {
        var operands = Operands;
        for (var i = 0; i < operands.Length; i++)
        {
            if (operands[i].Evaluate(labels))
                return true;
        }

        return false;
    }
}
