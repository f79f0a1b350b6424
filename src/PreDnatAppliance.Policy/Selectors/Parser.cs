namespace PreDnatAppliance.Policy.Selectors;

/// <summary>
/// Recursive-descent parser mirroring Calico's parser.go, down to which error is reported for which input,
/// so that a selector we reject is one calicoctl rejects with the same words.
/// </summary>
internal sealed class Parser
{
    /// <summary>
    /// Calico has no limit; we add one so hostile input fails with a message instead of overflowing the stack.
    /// 200 levels is far beyond anything a person writes.
    /// </summary>
    public const int MaxNesting = 200;

    public static readonly string NestingError = $"selector is nested more than {MaxNesting} levels deep";

    private readonly List<Token> _tokens;
    private int _pos;
    private int _parenDepth;

    private Parser(List<Token> tokens) => _tokens = tokens;

    public static SelectorNode Parse(string text)
    {
        var tokens = Tokenizer.Tokenize(text);
        if (tokens[0].Kind == TokenKind.Eof)
            return AllNode.Instance;

        var parser = new Parser(tokens);
        var root = parser.ParseOr();
        if (parser._pos != tokens.Count - 1)
            throw new SelectorParseException(
                "unexpected content at end of selector [" + string.Join(" ", tokens.Skip(parser._pos)) + "]");

        // Redundant parentheses are bounded above; this bounds the depth that the canonical text will have,
        // so that text always parses again.
        if (root.Nesting > MaxNesting)
            throw new SelectorParseException(NestingError);
        return root;
    }

    private Token Current => _tokens[_pos];

    // The token list always ends with Eof, and no rule consumes Eof, so peeking ahead never runs off the end.
    private Token Peek(int offset) => _tokens[_pos + offset];

    private SelectorNode ParseOr()
    {
        var first = ParseAnd();
        if (Current.Kind != TokenKind.Or)
            return first;

        var operands = new List<SelectorNode> { first };
        while (Current.Kind == TokenKind.Or)
        {
            _pos++;
            operands.Add(ParseAnd());
        }

        return new OrNode(operands.ToArray());
    }

    private SelectorNode ParseAnd()
    {
        var first = ParseOperation();
        if (Current.Kind != TokenKind.And)
            return first;

        var operands = new List<SelectorNode> { first };
        while (Current.Kind == TokenKind.And)
        {
            _pos++;
            operands.Add(ParseOperation());
        }

        return new AndNode(operands.ToArray());
    }

    private SelectorNode ParseOperation()
    {
        // A run of "!" collapses to its parity, so "!!x" is stored and printed as plain "x".
        var negated = false;
        while (Current.Kind == TokenKind.Not)
        {
            negated = !negated;
            _pos++;
        }

        var node = ParsePrimary();
        if (!negated)
            return node;

        // "!(!x)" is x. Calico keeps both negations and prints "!!x", which reparses as "x"; dropping them here
        // is what makes every canonical text a fixed point of Parse.
        return node is NotNode doubled ? doubled.Operand : new NotNode(node);
    }

    private SelectorNode ParsePrimary()
    {
        var token = Current;
        switch (token.Kind)
        {
            case TokenKind.Has:
                _pos++;
                return new HasNode(token.Value);
            case TokenKind.All:
                _pos++;
                return AllNode.Instance;
            case TokenKind.Global:
                _pos++;
                return GlobalNode.Instance;
            case TokenKind.Label:
                return ParseLabelOperation();
            case TokenKind.LParen:
                return ParseParenthesised();
            default:
                throw new SelectorParseException("unexpected token: " + token);
        }
    }

    private SelectorNode ParseParenthesised()
    {
        if (++_parenDepth > MaxNesting)
            throw new SelectorParseException(NestingError);
        _pos++;
        var inner = ParseOr();
        if (Current.Kind != TokenKind.RParen)
            throw new SelectorParseException("expected )");
        _pos++;
        _parenDepth--;
        return inner;
    }

    private SelectorNode ParseLabelOperation()
    {
        // Calico wants a label, an operator and an operand before looking at any of them.
        if (_tokens.Count - _pos < 3)
            throw new SelectorParseException("unexpected end of string looking for op");

        var label = Current.Value;
        var op = Peek(1);
        var operand = Peek(2);
        switch (op.Kind)
        {
            case TokenKind.Eq:
                return ValueOperation(label, ValueOperator.Equal, operand);
            case TokenKind.Ne:
                return ValueOperation(label, ValueOperator.NotEqual, operand);
            case TokenKind.Contains:
                return ValueOperation(label, ValueOperator.Contains, operand);
            case TokenKind.StartsWith:
                return ValueOperation(label, ValueOperator.StartsWith, operand);
            case TokenKind.EndsWith:
                return ValueOperation(label, ValueOperator.EndsWith, operand);
            case TokenKind.In:
            case TokenKind.NotIn:
                if (operand.Kind != TokenKind.LBrace)
                    throw new SelectorParseException("expected set literal");
                _pos += 3;
                return new LabelSetNode(label, op.Kind == TokenKind.NotIn, ParseSetBody());
            default:
                throw new SelectorParseException("expected == or != not: " + op);
        }
    }

    private SelectorNode ValueOperation(string label, ValueOperator op, Token operand)
    {
        if (operand.Kind != TokenKind.StringLiteral)
            throw new SelectorParseException("expected string");
        _pos += 3;
        return new LabelValueNode(label, op, operand.Value);
    }

    // Calico accepts a trailing comma ({"a",}) and an empty set ({}); we do too.
    private List<string> ParseSetBody()
    {
        var values = new List<string>();
        while (Current.Kind == TokenKind.StringLiteral)
        {
            values.Add(Current.Value);
            _pos++;
            if (Current.Kind != TokenKind.Comma)
                break;
            _pos++;
        }

        if (Current.Kind != TokenKind.RBrace)
            throw new SelectorParseException("expected }");
        _pos++;
        return values;
    }
}
