using PreDnatAppliance.Policy.Selectors;

namespace PreDnatAppliance.Policy.Tests.Selectors;

public class SelectorCanonicalTextTests
{
    // Expected texts are Calico's String() output; the first block is Calico's own canonicalisation table.
    public static TheoryData<string, string> Canonical => new()
    {
        { "", "all()" },
        { " all() ", "all()" },
        { " (all() )", "all()" },
        { "! (has( b)||! has(a ))", "!(has(b) || !has(a))" },
        { "! (a == \"b\"&&! c != \"d\")", "!(a == \"b\" && !c != \"d\")" },
        { "a == \"'\"", "a == \"'\"" },
        { "a == '\"'", "a == '\"'" },
        { "a contains '\"'", "a contains '\"'" },
        { "a contains \"'\"", "a contains \"'\"" },
        { "a startswith '\"'", "a starts with '\"'" },
        { "a endswith \"'\"", "a ends with \"'\"" },
        { "a!='\"'", "a != '\"'" },
        { "a in {\"d\"}", "a in {\"d\"}" },
        { "a in {\"d\", \"a\", \"b\"}", "a in {\"a\", \"b\", \"d\"}" },
        { "a in {\"z\", \"z\", \"x\", \"y\", \"x\", \"a\"}", "a in {\"a\", \"x\", \"y\", \"z\"}" },
        {
            "!(!(k == 'v' && has(t) || all()) && (a in {'b', 'c'}))",
            "!(!((k == \"v\" && has(t)) || all()) && a in {\"b\", \"c\"})"
        },

        // Ours.
        { "a == 'x'", "a == \"x\"" },
        { "a notin {'b'}", "a not in {\"b\"}" },
        { "a not  in {'b'}", "a not in {\"b\"}" },
        { "a in {}", "a in {}" },
        { "a in {\"x\",}", "a in {\"x\"}" },
        { "a in {'\"', \"'\"}", "a in {'\"', \"'\"}" },
        { "a in {\"😀\", \"Ａ\"}", "a in {\"Ａ\", \"😀\"}" },
        { "has(a) && b == 'c'", "(has(a) && b == \"c\")" },
        { "has(a) || has(b)", "(has(a) || has(b))" },
        { "a == \"1\" || b == \"1\" && c == \"1\"", "(a == \"1\" || (b == \"1\" && c == \"1\"))" },
        { "(has(a) && has(b)) && has(c)", "((has(a) && has(b)) && has(c))" },
        { "has(a) && has(b) && has(c)", "(has(a) && has(b) && has(c))" },
        { "((has(a)))", "has(a)" },
        { "!!has(a)", "has(a)" },
        { "!!!has(a)", "!has(a)" },
        { "!(has(a))", "!has(a)" },
        { "!(!has(a))", "has(a)" },
        { "!(!(a == 'x' && has(b)))", "(a == \"x\" && has(b))" },
        { "!(!!(!a != 'x'))", "a != \"x\"" },
        { "!((!has(a)))", "has(a)" },
        { "global()", "global()" },
        { "!global( )", "!global()" },
        { "a starts  with 'x'", "a starts with \"x\"" },
    };

    [Theory]
    [MemberData(nameof(Canonical))]
    public void Produces_calicos_canonical_text(string input, string expected)
    {
        var selector = Selector.Parse(input);
        Assert.Equal(expected, selector.Text);
        Assert.Equal(expected, selector.ToString());
        Assert.Equal(expected, Selector.Parse(selector.Text).Text);
    }

    [Fact]
    public void Random_selectors_round_trip_and_match_a_reference_evaluator()
    {
        var random = new Random(20240611);
        for (var i = 0; i < 3000; i++)
        {
            var expression = RandomExpression.Generate(random, depth: 4);
            var text = expression.Render(random);
            var selector = Selector.Parse(text);
            var reparsed = Selector.Parse(selector.Text);
            Assert.Equal(selector.Text, reparsed.Text);

            for (var j = 0; j < 8; j++)
            {
                var labels = RandomExpression.RandomLabels(random);
                var expected = expression.Evaluate(labels);
                Assert.True(expected == selector.Matches(labels), $"{text} on {Describe(labels)}");
                Assert.True(expected == reparsed.Matches(labels), $"{selector.Text} on {Describe(labels)}");
            }
        }
    }

    private static string Describe(IReadOnlyDictionary<string, string> labels) =>
        "{" + string.Join(", ", labels.Select(kv => kv.Key + "=" + kv.Value)) + "}";

    /// <summary>An independent model of the language, so the parser is checked against something it does not share.</summary>
    private abstract class RandomExpression
    {
        private static readonly string[] Keys = { "a", "b", "k8s.io/c" };
        private static readonly string[] Values = { "", "x", "xy", "yx" };

        public abstract bool Evaluate(IReadOnlyDictionary<string, string> labels);

        public abstract string Render(Random random);

        public static RandomExpression Generate(Random random, int depth)
        {
            var choice = random.Next(depth > 0 ? 12 : 8);
            var key = Keys[random.Next(Keys.Length)];
            var value = Values[random.Next(Values.Length)];
            switch (choice)
            {
                case 0: return new Leaf($"has({key})", l => l.ContainsKey(key));
                case 1: return new Leaf($"{key} == {Quote(random, value)}", l => l.TryGetValue(key, out var v) && v == value);
                case 2: return new Leaf($"{key} != {Quote(random, value)}", l => !l.TryGetValue(key, out var v) || v != value);
                case 3: return new Leaf($"{key} contains {Quote(random, value)}", l => l.TryGetValue(key, out var v) && v.Contains(value, StringComparison.Ordinal));
                case 4: return new Leaf($"{key} starts with {Quote(random, value)}", l => l.TryGetValue(key, out var v) && v.StartsWith(value, StringComparison.Ordinal));
                case 5: return new Leaf($"{key} ends with {Quote(random, value)}", l => l.TryGetValue(key, out var v) && v.EndsWith(value, StringComparison.Ordinal));
                case 6:
                case 7:
                    var set = Values.Where(_ => random.Next(2) == 0).ToArray();
                    var body = "{" + string.Join(",", set.Select(s => Quote(random, s))) + "}";
                    return choice == 6
                        ? new Leaf($"{key} in {body}", l => l.TryGetValue(key, out var v) && set.Contains(v))
                        : new Leaf($"{key} not in {body}", l => !l.TryGetValue(key, out var v) || !set.Contains(v));
                case 8:
                    return new Not(Generate(random, depth - 1));
                case 9:
                    return new Leaf(random.Next(2) == 0 ? "all()" : "global()", _ => true);
                default:
                    var operands = Enumerable.Range(0, 2 + random.Next(2)).Select(_ => Generate(random, depth - 1)).ToArray();
                    return new Junction(choice == 10, operands);
            }
        }

        public static IReadOnlyDictionary<string, string> RandomLabels(Random random)
        {
            var labels = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var key in Keys)
            {
                if (random.Next(3) > 0)
                    labels[key] = Values[random.Next(Values.Length)];
            }

            return labels;
        }

        private static string Quote(Random random, string value) =>
            random.Next(2) == 0 ? "\"" + value + "\"" : "'" + value + "'";

        private static string Space(Random random) => random.Next(3) switch { 0 => "", 1 => " ", _ => " \t " };

        private sealed class Leaf : RandomExpression
        {
            private readonly string _text;
            private readonly Func<IReadOnlyDictionary<string, string>, bool> _evaluate;

            public Leaf(string text, Func<IReadOnlyDictionary<string, string>, bool> evaluate)
            {
                _text = text;
                _evaluate = evaluate;
            }

            public override bool Evaluate(IReadOnlyDictionary<string, string> labels) => _evaluate(labels);

            public override string Render(Random random) =>
                random.Next(4) == 0 ? "(" + Space(random) + _text + Space(random) + ")" : _text;
        }

        private sealed class Not : RandomExpression
        {
            private readonly RandomExpression _operand;

            public Not(RandomExpression operand) => _operand = operand;

            public override bool Evaluate(IReadOnlyDictionary<string, string> labels) => !_operand.Evaluate(labels);

            public override string Render(Random random) => "!" + Space(random) + "(" + _operand.Render(random) + ")";
        }

        private sealed class Junction : RandomExpression
        {
            private readonly bool _isAnd;
            private readonly RandomExpression[] _operands;

            public Junction(bool isAnd, RandomExpression[] operands)
            {
                _isAnd = isAnd;
                _operands = operands;
            }

            public override bool Evaluate(IReadOnlyDictionary<string, string> labels) =>
                _isAnd ? _operands.All(o => o.Evaluate(labels)) : _operands.Any(o => o.Evaluate(labels));

            public override string Render(Random random)
            {
                var separator = Space(random) + (_isAnd ? "&&" : "||") + Space(random);
                return "(" + string.Join(separator, _operands.Select(o => o.Render(random))) + ")";
            }
        }
    }
}
