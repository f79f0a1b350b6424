using System.Text;
using PreDnatAppliance.Policy.Evaluation;
using PreDnatAppliance.Policy.Programs;
using PreDnatAppliance.Policy.Resources;

namespace PreDnatAppliance.Policy.Tests.Properties;

/// <summary>What decided a packet, independent of RuleIds: a rule (owner and index), a tier's end, or the program's end.</summary>
public readonly record struct Decider(string Kind, string Owner, int Index)
{
    public const string RuleKind = "rule";
    public const string TierEndKind = "tier-end";
    public const string ProgramEndKind = "end";

    public override string ToString() => Kind switch
    {
        RuleKind => $"{Owner} rule {Index}",
        TierEndKind => $"end of tier {Owner}",
        _ => "program end",
    };
}

public sealed record Outcome(Verdict Verdict, RuleId RuleId, Decider Decider, IReadOnlyList<Decider> Logged, ProgramVerdict Raw);

/// <summary>Compiles models and compares what two compiled sets decide for the same packets, program by program.</summary>
public static class VerdictComparison
{
    public static CompiledPolicySet CompileValid(PolicySet set, string what)
    {
        var errors = set.Diagnostics.Items.Where(d => d.Severity == Diagnostics.DiagnosticSeverity.Error).ToList();
        Assert.True(errors.Count == 0, $"{what}: the generated policy set is invalid:\n  " + string.Join("\n  ", errors));
        var compiled = PolicyProject.Compile(set, PolicySetModel.Node);
        var compileErrors = compiled.Diagnostics.Where(d => d.Severity == Diagnostics.DiagnosticSeverity.Error).ToList();
        Assert.True(compileErrors.Count == 0, $"{what}: compiling reported errors:\n  " + string.Join("\n  ", compileErrors));
        return compiled;
    }

    /// <summary>Builds the model in code, validates it and compiles it for the model's node.</summary>
    public static CompiledPolicySet Compile(PolicySetModel model, string what = "model")
    {
        var set = model.ToPolicySet();
        PreDnatAppliance.Policy.Validation.PolicyValidator.Validate(set);
        return CompileValid(set, what);
    }

    /// <summary>Loads YAML files as the generator does, and compiles.</summary>
    public static CompiledPolicySet CompileYaml(IEnumerable<(string Path, string Text)> files, string what = "yaml") =>
        CompileValid(PolicyProject.LoadTexts(files), what);

    public static Outcome Evaluate(EndpointProgram program, PacketTuple packet)
    {
        var raw = ReferenceEvaluator.Evaluate(program, packet);
        return new Outcome(raw.Verdict, raw.RuleId, DeciderOf(program, raw.RuleId), raw.Logged.Select(id => DeciderOf(program, id)).ToList(), raw);
    }

    public static Decider DeciderOf(EndpointProgram program, RuleId id)
    {
        foreach (var rule in program.AllRules)
        {
            if (rule.Id == id)
                return new Decider(Decider.RuleKind, rule.Owner, rule.Index);
        }
        foreach (var tier in program.Tiers)
        {
            if (tier.EndRuleId == id)
                return new Decider(Decider.TierEndKind, tier.Name, -1);
        }
        Assert.True(program.EndRuleId == id, $"{program.Key}: the evaluator reported {id}, which is not a rule, tier end or end of the program");
        return new Decider(Decider.ProgramEndKind, string.Empty, -1);
    }

    public sealed class Options
    {
        /// <summary>Maps a program key of the first set to the key of the same program in the second (renames).</summary>
        public Func<string, string> ProgramKey { get; init; } = key => key;

        /// <summary>Maps what decided in the second set back to the first set's terms (renamed owners, moved rules).</summary>
        public Func<EndpointProgram, Decider, Decider> MapSecond { get; init; } = (_, d) => d;

        /// <summary>Applied to both sides after mapping, to merge rules the transformation makes interchangeable.</summary>
        public Func<EndpointProgram, Decider, Decider> Canonical { get; init; } = (_, d) => d;

        /// <summary>Also require identical RuleIds (only meaningful when nothing was renamed or moved).</summary>
        public bool CompareRuleIds { get; init; }

        /// <summary>
        /// Require identical RuleIds when this says the second set's decider is the same rule under the same identity
        /// (not moved, not renamed): RuleIds hash (owner, direction, index), so those must not change.
        /// </summary>
        public Func<EndpointProgram, Decider, bool>? SameRuleId { get; init; }

        /// <summary>Compare the Log rules hit on the way too.</summary>
        public bool CompareLogged { get; init; } = true;

        /// <summary>Which programs of the first set to compare; by default all, and then both sets must have the same programs.</summary>
        public Func<EndpointProgram, bool>? Include { get; init; }
    }

    /// <summary>Evaluates every packet on every (included) program of both sets; throws with a full explanation on the first difference.</summary>
    public static long Compare(CompiledPolicySet first, CompiledPolicySet second, IReadOnlyList<PacketTuple> packets, Options options)
    {
        var secondByKey = second.Programs.ToDictionary(p => p.Key, StringComparer.Ordinal);
        if (options.Include is null)
        {
            var expected = first.Programs.Select(p => options.ProgramKey(p.Key)).OrderBy(k => k, StringComparer.Ordinal).ToList();
            var actual = second.Programs.Select(p => p.Key).OrderBy(k => k, StringComparer.Ordinal).ToList();
            Assert.True(expected.SequenceEqual(actual),
                $"the two sets compile to different programs:\n  first:  {string.Join(", ", expected)}\n  second: {string.Join(", ", actual)}");
        }

        long checks = 0;
        foreach (var a in first.Programs)
        {
            if (options.Include is not null && !options.Include(a))
                continue;
            var key = options.ProgramKey(a.Key);
            Assert.True(secondByKey.TryGetValue(key, out var b), $"program {a.Key} has no counterpart {key} in the second set");
            foreach (var packet in packets)
            {
                var x = Evaluate(a, packet);
                var y = Evaluate(b!, packet);
                var dx = options.Canonical(a, x.Decider);
                var dy = options.Canonical(a, options.MapSecond(b!, y.Decider));
                var same = x.Verdict == y.Verdict && dx == dy
                    && (!options.CompareRuleIds || x.RuleId == y.RuleId)
                    && (options.SameRuleId is null || !options.SameRuleId(b!, y.Decider) || x.RuleId == y.RuleId)
                    && (!options.CompareLogged || x.Logged.Select(d => options.Canonical(a, d))
                        .SequenceEqual(y.Logged.Select(d => options.Canonical(a, options.MapSecond(b!, d)))));
                if (!same)
                    throw new Xunit.Sdk.XunitException(Difference(a, b!, packet, x, y, dx, dy));
                checks++;
            }
        }
        return checks;
    }

    private static string Difference(EndpointProgram a, EndpointProgram b, PacketTuple packet, Outcome x, Outcome y, Decider dx, Decider dy)
    {
        var text = new StringBuilder();
        text.Append("verdicts differ for ").Append(packet).Append('\n');
        text.Append("first  ").Append(a.Key).Append(": ").Append(x.Verdict).Append(" by ").Append(dx).Append(" [").Append(x.RuleId).Append("], logged ")
            .Append(string.Join(", ", x.Logged)).Append('\n');
        foreach (var step in x.Raw.Trace)
            text.Append("    - ").Append(step).Append('\n');
        text.Append("second ").Append(b.Key).Append(": ").Append(y.Verdict).Append(" by ").Append(dy).Append(" [").Append(y.RuleId).Append("], logged ")
            .Append(string.Join(", ", y.Logged)).Append('\n');
        foreach (var step in y.Raw.Trace)
            text.Append("    - ").Append(step).Append('\n');
        text.Append("first program:\n");
        ProgramDumper.DumpProgram(text, a);
        text.Append("second program:\n");
        ProgramDumper.DumpProgram(text, b);
        return text.ToString();
    }

    /// <summary>The stage/direction a policy with these flags and types can reach, written from docs/semantics.md.</summary>
    public static bool MayAffect(PolicyModel policy, EndpointProgram program)
    {
        var (ingress, egress) = policy.EffectiveTypes;
        if (program.Direction == Direction.Ingress ? !ingress : !egress)
            return false;
        if (policy.PreDnat)
            return program.Stage == PolicyStage.PreDnat;
        if (policy.DoNotTrack)
            return program.Stage == PolicyStage.Untracked;
        return program.Stage is PolicyStage.Normal or PolicyStage.Workload
            || (program.Stage == PolicyStage.Forward && policy.ApplyOnForward);
    }

    /// <summary>The endpoint's name as the model knows it (program keys are hep/NAME or wep/NS/NAME).</summary>
    public static string EndpointName(EndpointProgram program) => program.Endpoint.Name;

    public static bool IsHost(EndpointProgram program) => program.Endpoint.Kind == ResourceKind.HostEndpoint;
}
