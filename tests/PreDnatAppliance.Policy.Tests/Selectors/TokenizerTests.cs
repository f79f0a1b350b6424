using PreDnatAppliance.Policy.Selectors;

namespace PreDnatAppliance.Policy.Tests.Selectors;

public class TokenizerTests
{
    // Token sequences from Calico's tokenizer_test.go, rendered with Calico's token formatting.
    [Theory]
    [InlineData("a==\"b\"", "TokLabel(a) TokEq() TokStringLiteral(b) TokEOF()")]
    [InlineData("contains contains 'contains'", "TokLabel(contains) TokContains() TokStringLiteral(contains) TokEOF()")]
    [InlineData("label contains\"value\"", "TokLabel(label) TokContains() TokStringLiteral(value) TokEOF()")]
    [InlineData("startswith starts with \"value\"", "TokLabel(startswith) TokStartsWith() TokStringLiteral(value) TokEOF()")]
    [InlineData("endswith ends  with \"value\"", "TokLabel(endswith) TokEndsWith() TokStringLiteral(value) TokEOF()")]
    [InlineData("a not in \"bar\" && !has(foo) || b in c",
        "TokLabel(a) TokNotIn() TokStringLiteral(bar) TokAnd() TokNot() TokHas(foo) TokOr() TokLabel(b) TokIn() TokLabel(c) TokEOF()")]
    [InlineData("a notin\"bar\"&&!has(foo)||b in\"c\"",
        "TokLabel(a) TokNotIn() TokStringLiteral(bar) TokAnd() TokNot() TokHas(foo) TokOr() TokLabel(b) TokIn() TokStringLiteral(c) TokEOF()")]
    [InlineData("has(calico/k8s_NS-.1/role)", "TokHas(calico/k8s_NS-.1/role) TokEOF()")]
    [InlineData("a not in {\"a\",\"B\"}", "TokLabel(a) TokNotIn() TokLBrace() TokStringLiteral(a) TokComma() TokStringLiteral(B) TokRBrace() TokEOF()")]
    [InlineData("global() all() !=", "TokGlobal() TokAll() TokNe() TokEOF()")]
    [InlineData("", "TokEOF()")]
    public void Tokenizes_like_calico(string input, string expected) =>
        Assert.Equal(expected, string.Join(" ", Tokenizer.Tokenize(input)));
}
