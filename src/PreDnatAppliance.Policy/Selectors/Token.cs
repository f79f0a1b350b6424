namespace PreDnatAppliance.Policy.Selectors;

// Members follow Calico's tokenizer.Kind one for one, because Calico's parse errors print tokens by kind name.
internal enum TokenKind
{
    None,
    Label,
    StringLiteral,
    LBrace,
    RBrace,
    Comma,
    Eq,
    Ne,
    In,
    Not,
    NotIn,
    Contains,
    StartsWith,
    EndsWith,
    All,
    Has,
    LParen,
    RParen,
    And,
    Or,
    Global,
    Eof,
}

internal readonly struct Token
{
    public Token(TokenKind kind, string value = "")
    {
        Kind = kind;
        Value = value;
    }

    public TokenKind Kind { get; }

    /// <summary>The label name or literal text; empty for punctuation and operators.</summary>
    public string Value { get; }

    // Reproduces Go's "%v" of a Calico token ("TokLabel(a)", "TokEOF()") so error texts match verbatim.
    public override string ToString() => KindName(Kind) + "(" + Value + ")";

    private static string KindName(TokenKind kind) => kind == TokenKind.Eof ? "TokEOF" : "Tok" + kind;
}
