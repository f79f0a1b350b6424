using PreDnatAppliance.Policy.Selectors;

namespace PreDnatAppliance.Policy.Tests.Selectors;

public class SelectorErrorTests
{
    private static readonly string Label513 = new('l', 513);

    // Messages are Calico's (libcalico-go tokenizer.go / parser.go), token dumps included.
    public static TheoryData<string, string> Invalid => new()
    {
        { "a = \"b\"", "expected ==" },
        { "a =", "expected ==" },
        { "a == \"b", "unterminated string" },
        { "a == 'b\"", "unterminated string" },
        { "\"FOO", "unterminated string" },
        { "(a == \"b\"", "expected )" },
        { "(has(a) || (has(b))", "expected )" },
        { "(", "unexpected token: TokEOF()" },
        { "a == \"b\" )", "unexpected content at end of selector [TokRParen() TokEOF()]" },
        { "a == \"b\" c == \"d\"", "unexpected content at end of selector [TokLabel(c) TokEq() TokStringLiteral(d) TokEOF()]" },
        { "has(a) has(b)", "unexpected content at end of selector [TokHas(b) TokEOF()]" },
        { "all() global()", "unexpected content at end of selector [TokGlobal() TokEOF()]" },
        { "a in {} {}", "unexpected content at end of selector [TokLBrace() TokRBrace() TokEOF()]" },
        { "a% == \"b\"", "expected operator after label \"a\"" },
        { "%a == \"b\"", "expected identifier" },
        { "%", "expected identifier" },
        { "a == \"b\" && %", "expected identifier" },
        { "a == \"b\" && é == \"c\"", "expected identifier" },
        { "has(a)\n", "expected identifier" },
        { "has(a)\r\n&& has(b)", "expected identifier" },
        { "has()", "expected identifier" },
        { "has( )", "expected identifier" },
        { "has(a b)", "no closing ')' after has(" },
        { "has(a", "no closing ')' after has(" },
        { "has(a%)", "no closing ')' after has(" },
        { "all(x)", "no closing ')' after all(" },
        { "all(", "no closing ')' after all(" },
        { "global(", "no closing ')' after global(" },
        { "a in \"x\"", "expected set literal" },
        { "a in", "expected set literal" },
        { "a in b", "expected set literal" },
        { "a not in", "expected set literal" },
        { "a notin\"x\"", "expected set literal" },
        { "a in {\"x\"", "expected }" },
        { "a in {\"x\" \"y\"}", "expected }" },
        { "a in {,}", "expected }" },
        { "a in {x}", "expected }" },
        { "foo in {\"\", ||", "expected }" },
        { "a", "unexpected end of string looking for op" },
        { "a ", "unexpected end of string looking for op" },
        { "a ==", "expected string" },
        { "a == b", "expected string" },
        { "b contains b", "expected string" },
        { "b starts with b", "expected operator after label \"b\"" },
        { "a starts with", "expected string" },
        { "foo != ||", "expected string" },
        { "'b1' == b", "unexpected token: TokStringLiteral(b1)" },
        { "!", "unexpected token: TokEOF()" },
        { "()", "unexpected token: TokRParen()" },
        { ")", "unexpected token: TokRParen()" },
        { "has(a) &&", "unexpected token: TokEOF()" },
        { "has(a) ||", "unexpected token: TokEOF()" },
        { "has(a) && || has(b)", "unexpected token: TokOr()" },
        { "has(a) &", "expected &&" },
        { "has(a) | has(b)", "expected ||" },
        { "a b", "expected operator after label \"a\"" },
        { "a squiggles \"x\"", "expected operator after label \"a\"" },
        { "a inx {}", "expected operator after label \"a\"" },
        { "a containsx \"y\"", "expected operator after label \"a\"" },
        { "a starts foo \"x\"", "expected operator after label \"a\"" },
        { "a ends foo \"x\"", "expected operator after label \"a\"" },
        { "a not {}", "expected operator after label \"a\"" },
        { "a has(b)", "expected operator after label \"a\"" },
        { "a {}", "expected == or != not: TokLBrace()" },
        { "a ( has(b) )", "expected == or != not: TokLParen()" },
        { "a 'x'", "expected == or != not: TokStringLiteral(x)" },
        { "a ! has(b)", "expected == or != not: TokNot()" },
        { Label513 + " == \"x\"", "label too long: " + Label513 },
        { "has(" + Label513 + ")", "label too long: " + Label513 },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public void Rejects_with_calicos_message(string input, string message)
    {
        var thrown = Assert.Throws<SelectorParseException>(() => Selector.Parse(input));
        Assert.Equal(message, thrown.Message);

        Assert.False(Selector.TryParse(input, out var selector, out var error));
        Assert.Null(selector);
        Assert.Equal(message, error);
    }

    [Fact]
    public void Accepts_labels_of_exactly_512_characters()
    {
        var label = new string('l', 512);
        Assert.Equal(label + " == \"x\"", Selector.Parse(label + " == 'x'").Text);
        Assert.Equal(new[] { label }, Selector.Parse("has(" + label + ")").LabelNames);
    }

    [Fact]
    public void Caps_parenthesis_depth()
    {
        Assert.Equal("has(a)", Selector.Parse(Parenthesise("has(a)", 200)).Text);

        var tooDeep = Assert.Throws<SelectorParseException>(() => Selector.Parse(Parenthesise("has(a)", 201)));
        Assert.Equal("selector is nested more than 200 levels deep", tooDeep.Message);
    }

    [Fact]
    public void Hostile_nesting_fails_cleanly_instead_of_overflowing_the_stack()
    {
        Assert.Throws<SelectorParseException>(() => Selector.Parse(Parenthesise("has(a)", 1_000_000)));
        Assert.Throws<SelectorParseException>(() => Selector.Parse(new string('(', 1_000_000)));
    }

    [Fact]
    public void Caps_the_depth_of_the_canonical_text_so_it_always_reparses()
    {
        // Each level adds one || node; the canonical text wraps the outermost one in parentheses as well.
        var deepest = Selector.Parse(NestedOr(199));
        Assert.Equal(deepest.Text, Selector.Parse(deepest.Text).Text);

        var tooDeep = Assert.Throws<SelectorParseException>(() => Selector.Parse(NestedOr(200)));
        Assert.Equal("selector is nested more than 200 levels deep", tooDeep.Message);

        var overflow = Assert.Throws<SelectorParseException>(() => deepest.And(Selector.Parse("has(b)")));
        Assert.Equal("selector is nested more than 200 levels deep", overflow.Message);
    }

    private static string Parenthesise(string inner, int depth) => new string('(', depth) + inner + new string(')', depth);

    // parenLevels groups, each holding an || node, inside one more top-level || node.
    private static string NestedOr(int parenLevels)
    {
        var text = "has(a) || has(b)";
        for (var i = 0; i < parenLevels; i++)
            text = "has(a) || (" + text + ")";
        return text;
    }
}
