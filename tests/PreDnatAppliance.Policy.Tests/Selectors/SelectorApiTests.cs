using PreDnatAppliance.Policy.Selectors;

namespace PreDnatAppliance.Policy.Tests.Selectors;

public class SelectorApiTests
{
    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData(" \t ")]
    [InlineData("all()")]
    [InlineData("( all( ) )")]
    [InlineData("!!all()")]
    public void Empty_and_all_are_all(string? text)
    {
        Assert.True(Selector.TryParse(text, out var selector, out var error));
        Assert.Null(error);
        Assert.True(selector.IsAll);
        Assert.Equal("all()", selector.Text);
        Assert.Equal(Selector.All, selector);
        Assert.True(selector.Matches(LabelSets.Parse("")));
        Assert.Empty(selector.LabelNames);
        Assert.True(Selector.Parse(text).IsAll);
    }

    [Theory]
    [InlineData("!all()")]
    [InlineData("all() || has(a)")]
    [InlineData("global()")]
    [InlineData("a not in {}")]
    public void Is_all_only_by_construction(string text) => Assert.False(Selector.Parse(text).IsAll);

    [Theory]
    [InlineData("global()", true, true)]
    [InlineData("(global( ))", true, true)]
    [InlineData("!!global()", true, true)]
    [InlineData("!global()", true, false)]
    [InlineData("has(a) && global()", true, false)]
    [InlineData("has(a) || (has(b) && !global())", true, false)]
    [InlineData("has(global)", false, false)]
    [InlineData("global == \"x\"", false, false)]
    [InlineData("all()", false, false)]
    public void Reports_global(string text, bool contains, bool exactly)
    {
        var selector = Selector.Parse(text);
        Assert.Equal(contains, selector.ContainsGlobal);
        Assert.Equal(exactly, selector.IsExactlyGlobal);
    }

    [Fact]
    public void Lists_each_label_once_in_order_of_appearance()
    {
        var selector = Selector.Parse("has(b) && a == \"x\" || !b in {\"y\"} && c starts with \"z\" || d not in {} || e != 'f' || a contains 'q' || g ends with 'h'");
        Assert.Equal(new[] { "b", "a", "c", "d", "e", "g" }, selector.LabelNames);
        Assert.Empty(Selector.Parse("global() && !all()").LabelNames);
    }

    [Fact]
    public void Equality_follows_canonical_text()
    {
        var a = Selector.Parse("has(a)&&b=='c'");
        var b = Selector.Parse("( has(a) && b == \"c\" )");
        var c = Selector.Parse("b == 'c' && has(a)");

        Assert.Equal(a, b);
        Assert.True(a == b);
        Assert.False(a != b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.NotEqual(a, c);
        Assert.True(a != c);
        Assert.False(a.Equals(null));
        Assert.False(a == null);
        Assert.Equal("a in {\"x\", \"y\"}", Selector.Parse("a in {'y', 'x', 'y'}").Text);
        Assert.Equal(Selector.Parse("a in {'y', 'x'}"), Selector.Parse("a in {\"x\",\"y\"}"));
    }

    [Fact]
    public void And_with_all_is_identity()
    {
        var x = Selector.Parse("has(a) || b == 'c'");
        Assert.Same(x, Selector.All.And(x));
        Assert.Same(x, x.And(Selector.All));
        Assert.Same(Selector.All, Selector.All.And(Selector.All));
        Assert.Same(x, x.And(Selector.Parse("")));
    }

    public static TheoryData<string, string, string> AndCases => new()
    {
        { "has(a)", "b == 'c'", "(has(a) && b == \"c\")" },
        { "has(a) || has(b)", "has(c)", "((has(a) || has(b)) && has(c))" },
        { "has(a) && has(b)", "has(c)", "((has(a) && has(b)) && has(c))" },
        { "!has(a)", "has(b) && has(c)", "(!has(a) && (has(b) && has(c)))" },
        { "global()", "has(a)", "(global() && has(a))" },
        { "a != 'x'", "!all()", "(a != \"x\" && !all())" },
    };

    [Theory]
    [MemberData(nameof(AndCases))]
    public void And_means_parenthesised_conjunction(string left, string right, string expectedText)
    {
        var l = Selector.Parse(left);
        var r = Selector.Parse(right);
        var combined = l.And(r);

        Assert.Equal(expectedText, combined.Text);
        Assert.Equal(Selector.Parse($"({l.Text}) && ({r.Text})"), combined);
        Assert.Equal(combined, Selector.Parse(combined.Text));
        Assert.Equal(l.ContainsGlobal || r.ContainsGlobal, combined.ContainsGlobal);
        Assert.Equal(l.LabelNames.Concat(r.LabelNames).Distinct(), combined.LabelNames);

        foreach (var labels in new[] { "", "a=x", "b=c", "a=x;b=c", "c=1", "a=1;b=c;c=1", "b=1;c=1" })
        {
            var set = LabelSets.Parse(labels);
            Assert.Equal(l.Matches(set) && r.Matches(set), combined.Matches(set));
        }
    }

    [Fact]
    public void Parse_throws_and_try_parse_reports()
    {
        var thrown = Assert.Throws<SelectorParseException>(() => Selector.Parse("a = 'b'"));
        Assert.Equal("expected ==", thrown.Message);
        Assert.False(Selector.TryParse("a = 'b'", out _, out var error));
        Assert.Equal("expected ==", error);
        Assert.Throws<ArgumentNullException>(() => Selector.All.And(null!));
    }
}
