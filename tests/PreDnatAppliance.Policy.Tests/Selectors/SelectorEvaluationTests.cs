using PreDnatAppliance.Policy.Selectors;

namespace PreDnatAppliance.Policy.Tests.Selectors;

public class SelectorEvaluationTests
{
    public static TheoryData<string, string, bool> Operators => new()
    {
        { "a == \"x\"", "a=x", true },
        { "a == \"x\"", "a=y", false },
        { "a == \"x\"", "", false },
        { "a == \"x\"", "b=x", false },
        { "a == \"X\"", "a=x", false },
        { "A == \"x\"", "a=x", false },
        { "a == \"\"", "a=", true },
        { "a == \"\"", "", false },

        // An absent label is "not equal" to every value.
        { "a != \"x\"", "a=x", false },
        { "a != \"x\"", "a=y", true },
        { "a != \"x\"", "", true },
        { "a != \"\"", "a=", false },

        { "a in {\"x\", 'y'}", "a=x", true },
        { "a in {\"x\", 'y'}", "a=y", true },
        { "a in {\"x\", 'y'}", "a=z", false },
        { "a in {\"x\", 'y'}", "", false },
        { "a in {}", "a=x", false },
        { "a in {}", "", false },
        { "a in {\"\"}", "a=", true },

        { "a not in {\"x\", 'y'}", "a=x", false },
        { "a not in {\"x\", 'y'}", "a=z", true },
        { "a not in {\"x\", 'y'}", "", true },
        { "a notin {\"x\"}", "a=x", false },
        { "a notin {\"x\"}", "", true },
        { "a not in {}", "a=x", true },
        { "a not in {}", "", true },

        { "a contains \"ell\"", "a=hello", true },
        { "a contains \"ell\"", "a=help", false },
        { "a contains \"ell\"", "", false },
        { "a contains \"\"", "a=x", true },
        { "a contains \"\"", "", false },
        { "a starts with \"he\"", "a=hello", true },
        { "a starts with \"he\"", "a=ahe", false },
        { "a starts with \"he\"", "", false },
        { "a ends with \"lo\"", "a=hello", true },
        { "a ends with \"lo\"", "a=lol", false },
        { "a ends with \"lo\"", "", false },

        { "has(a)", "a=", true },
        { "has(a)", "a=x", true },
        { "has(a)", "b=x", false },
        { "!has(a)", "", true },
        { "!has(a)", "a=x", false },

        { "all()", "", true },
        { "all()", "a=x", true },
        { "global()", "", true },
        { "global()", "a=x", true },
        { "!all()", "", false },
        { "!global()", "a=x", false },
        { "", "", true },
        { "  ", "a=x", true },

        { "k8s.io/app-name_1 == \"web\"", "k8s.io/app-name_1=web", true },
        { "k8s.io/app-name_1 == \"web\"", "k8s.io/app-name=web", false },

        // Keywords are ordinary label names where a label is expected.
        { "in in {\"x\"}", "in=x", true },
        { "contains contains \"contains\"", "contains=xcontainsx", true },
        { "has == \"x\"", "has=x", true },
        { "all == \"x\"", "all=x", true },
        { "not != \"x\"", "", true },
        { "startswith starts with \"v\"", "startswith=value", true },
    };

    public static TheoryData<string, string, bool> Precedence => new()
    {
        // && binds tighter than ||.
        { "a == \"1\" || b == \"1\" && c == \"1\"", "a=1", true },
        { "a == \"1\" || b == \"1\" && c == \"1\"", "b=1", false },
        { "a == \"1\" || b == \"1\" && c == \"1\"", "b=1;c=1", true },
        { "a == \"1\" && b == \"1\" || c == \"1\"", "c=1", true },
        { "a == \"1\" && b == \"1\" || c == \"1\"", "a=1", false },
        { "has(a) || has(b) && has(c) || has(d)", "b=1", false },
        { "has(a) || has(b) && has(c) || has(d)", "d=1", true },

        // Parentheses override it.
        { "(a == \"1\" || b == \"1\") && c == \"1\"", "a=1", false },
        { "(a == \"1\" || b == \"1\") && c == \"1\"", "a=1;c=1", true },
        { "((has(a)))", "a=1", true },

        // ! binds tightest, to a single operation.
        { "!has(a) || has(b)", "a=1", false },
        { "!has(a) || has(b)", "", true },
        { "!has(a) || has(b)", "a=1;b=1", true },
        { "!has(a) && has(b)", "b=1", true },
        { "!(has(a) || has(b))", "", true },
        { "!(has(a) || has(b))", "b=1", false },
        { "!a == \"1\"", "", true },
        { "!a == \"1\"", "a=1", false },
        { "!a in {\"1\"}", "a=2", true },

        // Runs of ! collapse by parity.
        { "!!has(a)", "a=1", true },
        { "!!!has(a)", "a=1", false },
        { "! ! has(a)", "a=1", true },
        { "!! ! has(a)", "a=1", false },
        { "!!(!has(a))", "a=1", false },
        { "!(!has(a))", "a=1", true },
        { "!!!!a != \"1\"", "", true },
    };

    public static TheoryData<string, string, bool> Whitespace => new()
    {
        { "a==\"x\"", "a=x", true },
        { "\ta\t==\t'x'\t", "a=x", true },
        { "a!='x'", "a=y", true },
        { "has( a )", "a=1", true },
        { "has(\ta\t)", "a=1", true },
        { "all( )", "", true },
        { "global(\t)", "", true },
        { "!all(\t)", "", false },
        { "a  not \t in {'x'}", "a=x", false },
        { "a in{\"x\",\"y\"}", "a=y", true },
        { "a in {\"x\",}", "a=x", true },
        { "a startswith \"h\"", "a=hi", true },
        { "a endswith\"i\"", "a=hi", true },
        { "a starts  with 'h'", "a=hi", true },
        { "a ends\twith 'i'", "a=hi", true },
        { "a contains\"e\"", "a=hey", true },
        { "(  has(a)  )", "a=1", true },
        { "has(a)&&has(b)", "a=1", false },
        { "has(a)||has(b)", "b=1", true },
        { "!has(a)&&!has(b)", "", true },
    };

    public static TheoryData<string, string, bool> SetLiterals => new()
    {
        { "a in {\"'\", '\"', \"c\"}", "a=c", true },
        { "a in {\"'\", '\"', \"c\"}", "a=\"", true },
        { "a in {\"'\", '\"', \"c\"}", "a='", true },
        { "a in {\"'\", '\"', \"c\"}", "a=e", false },
        { "a not in {\"'\", '\"', \"c\"}", "a='", false },
        { "a not in {\"'\", '\"', \"c\"}", "a=e", true },
        { "a in {'x y', \"z\"}", "a=x y", true },
        { "a in {\"z\", \"a\", \"m\", \"z\"}", "a=m", true },
        { "a in {\"z\", \"a\", \"m\", \"z\"}", "a=b", false },
        { "a in {\"Ａ\", \"😀\", \"b\"}", "a=😀", true },
        { "a in {\"Ａ\", \"😀\", \"b\"}", "a=Ａ", true },
        { "a in {\"Ａ\", \"😀\", \"b\"}", "a=c", false },
    };

    [Theory]
    [MemberData(nameof(Operators))]
    [MemberData(nameof(Precedence))]
    [MemberData(nameof(Whitespace))]
    [MemberData(nameof(SetLiterals))]
    public void Evaluates_like_calico(string selector, string labels, bool expected)
    {
        var parsed = Selector.Parse(selector);
        Assert.Equal(expected, parsed.Matches(LabelSets.Parse(labels)));

        // The canonical text must mean the same thing.
        Assert.Equal(expected, Selector.Parse(parsed.Text).Matches(LabelSets.Parse(labels)));
    }

    [Fact]
    public void Long_flat_selectors_evaluate_without_deep_recursion()
    {
        var terms = Enumerable.Range(0, 20_000).Select(i => $"l{i} != \"x\"");
        var selector = Selector.Parse(string.Join(" && ", terms));
        Assert.True(selector.Matches(LabelSets.Parse("")));
        Assert.False(selector.Matches(LabelSets.Parse("l19999=x")));
    }

    [Fact]
    public void Long_runs_of_not_collapse()
    {
        var odd = Selector.Parse(new string('!', 100_001) + "has(a)");
        Assert.Equal("!has(a)", odd.Text);
        Assert.False(odd.Matches(LabelSets.Parse("a=1")));
        Assert.Equal("has(a)", Selector.Parse(new string('!', 100_000) + "has(a)").Text);
    }

    [Fact]
    public void Rejects_null_labels() =>
        Assert.Throws<ArgumentNullException>(() => Selector.All.Matches(null!));
}
