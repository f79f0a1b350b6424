using FsCheck;
using FsCheck.Fluent;
using PreDnatAppliance.Policy.Programs;
using Xunit.Abstractions;

namespace PreDnatAppliance.Policy.Tests.Properties;

/// <summary>
/// Metamorphic properties of compile + evaluate: rewrites of a policy set that must not change any verdict,
/// checked on every program of the compiled set against a few dozen packets aimed at the set's own addresses.
/// </summary>
public sealed class PolicyPropertyTests
{
    private const int Cases = 150;
    private const long MinChecks = 5_000;

    private readonly PropertyRunner _runner;

    public PolicyPropertyTests(ITestOutputHelper output) => _runner = new PropertyRunner(output);

    private static IReadOnlyList<string> EndpointNames(PolicySetModel model) =>
        model.HostEndpoints.Select(h => h.Name).Concat(model.WorkloadEndpoints.Select(w => w.Name)).ToList();

    // ---- generation sanity --------------------------------------------------------------------------------

    [Fact]
    public void Generated_policy_sets_are_valid_and_their_programs_decide_by_rules()
    {
        long ruleDecisions = 0, tierEnds = 0, programEnds = 0;
        var features = new Dictionary<string, int>(StringComparer.Ordinal);
        void Count(string feature, bool present)
        {
            features.TryAdd(feature, 0);
            if (present) features[feature]++;
        }
        _runner.Check("generated sets are valid", PolicyGenerators.Scenarios(), s =>
        {
            var m = s.Model;
            var rules = m.Policies.SelectMany(p => p.Ingress.Concat(p.Egress)).Concat(m.Profiles.SelectMany(p => p.Ingress.Concat(p.Egress))).ToList();
            var sides = rules.SelectMany(r => new[] { r.Source, r.Destination }).ToList();
            Count("workload endpoints", m.WorkloadEndpoints.Count > 0);
            Count("wildcard host endpoint", m.HostEndpoints.Any(h => h.InterfaceName == "*"));
            Count("host endpoint chosen by expectedIPs", m.HostEndpoints.Any(h => h.InterfaceName.Length == 0));
            Count("IPv6 expectedIPs", m.HostEndpoints.Any(h => h.ExpectedIps.Any(ip => ip.Contains(':'))));
            Count("named ports", m.HostEndpoints.Any(h => h.Ports.Count > 0));
            Count("custom tiers", m.Tiers.Count > 0);
            Count("several tiers", m.Policies.Select(p => p.EffectiveTier).Distinct().Count() > 1);
            Count("profile", m.Profiles.Count > 0);
            Count("network set", m.GlobalNetworkSets.Count > 0);
            Count("preDNAT", m.Policies.Any(p => p.PreDnat));
            Count("doNotTrack", m.Policies.Any(p => p.DoNotTrack));
            Count("applyOnForward", m.Policies.Any(p => p.ApplyOnForward && !p.PreDnat && !p.DoNotTrack));
            Count("missing order", m.Policies.Any(p => p.Order is null));
            Count("equal orders", m.Policies.GroupBy(p => (p.EffectiveTier, p.Order)).Any(g => g.Count() > 1));
            Count("explicit types", m.Policies.Any(p => p.Types is not null));
            foreach (var action in new[] { "Allow", "Deny", "Log", "Pass" })
                Count("action " + action, rules.Any(r => r.Action == action));
            Count("ipVersion", rules.Any(r => r.IpVersion is not null));
            Count("notProtocol", rules.Any(r => r.NotProtocol is not null));
            Count("icmp", rules.Any(r => r.Icmp is not null));
            Count("notICMP", rules.Any(r => r.NotIcmp is not null));
            Count("nets", sides.Any(e => e.Nets.Count > 0));
            Count("notNets", sides.Any(e => e.NotNets.Count > 0));
            Count("selector", sides.Any(e => e.Selector is not null));
            Count("notSelector", sides.Any(e => e.NotSelector is not null));
            Count("port range", sides.Any(e => e.Ports.Any(p => p.Contains(':'))));
            Count("named port in rule", sides.Any(e => e.Ports.Concat(e.NotPorts).Any(p => PolicyGenerators.PortNames.Contains(p))));
            Count("notPorts", sides.Any(e => e.NotPorts.Count > 0));

            var compiled = VerdictComparison.Compile(s.Model, "generated");
            var fromYaml = VerdictComparison.CompileYaml(new[] { ("policies/set.yaml", s.Model.ToYaml()) }, "generated (yaml)");
            Assert.Equal(compiled.Programs.Count, fromYaml.Programs.Count);
            foreach (var program in compiled.Programs)
            {
                foreach (var packet in s.Packets)
                {
                    var outcome = VerdictComparison.Evaluate(program, packet);
                    switch (outcome.Decider.Kind)
                    {
                        case Decider.RuleKind: ruleDecisions++; break;
                        case Decider.TierEndKind: tierEnds++; break;
                        default: programEnds++; break;
                    }
                    _runner.Checked();
                }
            }
        }, Cases, MinChecks);
        // The generator must make rules decide often, or every verdict property below is about program ends only.
        var total = ruleDecisions + tierEnds + programEnds;
        Assert.True(ruleDecisions * 10 >= total, $"rules decided only {ruleDecisions} of {total} evaluations ({tierEnds} tier ends, {programEnds} program ends)");
        Assert.True(tierEnds > 0 && programEnds > 0, $"tier ends {tierEnds}, program ends {programEnds}");
        var rare = features.Where(f => f.Value * 20 < PropertyRunner.CasesRun(Cases)).Select(f => $"{f.Key} ({f.Value})").ToList();
        Assert.True(rare.Count == 0, "the generator rarely produces: " + string.Join(", ", rare));
    }

    /// <summary>The same model built in code and loaded from YAML compiles to the same verdicts and the same RuleIds.</summary>
    [Fact]
    public void Yaml_and_code_built_sets_agree()
    {
        _runner.Check("yaml round trip", PolicyGenerators.Scenarios(), s =>
        {
            var code = VerdictComparison.Compile(s.Model, "code");
            var yaml = VerdictComparison.CompileYaml(new[] { ("policies/set.yaml", s.Model.ToYaml()) });
            _runner.Checked(VerdictComparison.Compare(code, yaml, s.Packets, new VerdictComparison.Options { CompareRuleIds = true }));
        }, Cases, MinChecks);
    }

    /// <summary>
    /// The compiled rule matches exactly the packets a direct reading of its YAML fields says it should
    /// (rules without selectors or named ports, which need set resolution). The metamorphic properties below
    /// compare the evaluator with itself, so they cannot see a matcher bug that hits both sides alike.
    /// </summary>
    [Fact]
    public void Compiled_rules_match_what_their_fields_say()
    {
        long matched = 0;
        _runner.Check("rule matcher oracle", PolicyGenerators.Scenarios(), s =>
        {
            var compiled = RulesByIdentity(VerdictComparison.Compile(s.Model, "generated"));
            var owners = s.Model.Policies.Select(p => (Owner: p.Name, p.Ingress, p.Egress))
                .Concat(s.Model.Profiles.Select(p => (Owner: "profile " + p.Name, p.Ingress, p.Egress)));
            foreach (var (owner, ingress, egress) in owners)
            {
                foreach (var (direction, rules) in new[] { (Direction.Ingress, ingress), (Direction.Egress, egress) })
                {
                    for (var i = 0; i < rules.Count; i++)
                    {
                        if (!SpecMatcher.Applies(rules[i]) || !compiled.TryGetValue((owner, direction, i), out var rule))
                            continue;
                        foreach (var packet in s.Packets)
                        {
                            var expected = SpecMatcher.Matches(rules[i], packet);
                            var actual = Evaluation.RuleMatcher.Matches(rule, packet);
                            Assert.True(expected == actual,
                                $"{owner} {direction} rule {i} ({rule}) {(actual ? "matches" : "does not match")} {packet}; its fields say it {(expected ? "should" : "should not")}");
                            if (actual) matched++;
                            _runner.Checked();
                        }
                    }
                }
            }
        }, Cases, MinChecks);
        Assert.True(matched > 1_000, $"only {matched} rule/packet matches: the packets rarely hit the rules");
    }

    // ---- splitting a policy -------------------------------------------------------------------------------

    [Fact]
    public void Splitting_a_policy_into_two_adjacent_policies_keeps_every_verdict()
    {
        _runner.Check("split policy", PolicyGenerators.Scenarios(), s =>
        {
            var index = s.Choice % s.Model.Policies.Count;
            var p = s.Model.Policies[index];
            var ingressSplit = s.Choice / 7 % (p.Ingress.Count + 1);
            var egressSplit = s.Choice / 11 % (p.Egress.Count + 1);
            var (split, secondName) = ModelTransforms.Split(s.Model, index, ingressSplit, egressSplit);

            var before = VerdictComparison.Compile(s.Model, "original");
            var after = VerdictComparison.Compile(split, "split");
            _runner.Checked(VerdictComparison.Compare(before, after, s.Packets, new VerdictComparison.Options
            {
                // The second half's rule j is the original's rule split + j.
                MapSecond = (program, d) => d.Kind == Decider.RuleKind && d.Owner == secondName
                    ? d with { Owner = p.Name, Index = d.Index + (program.Direction == Direction.Ingress ? ingressSplit : egressSplit) }
                    : d,
                // Everything but the second half keeps its identity, so its RuleIds must not change.
                SameRuleId = (_, d) => d.Owner != secondName,
            }));
        }, Cases, MinChecks);
    }

    // ---- reordering independent rules ---------------------------------------------------------------------

    private static Dictionary<(string Owner, Direction Direction, int Index), CompiledRule> RulesByIdentity(CompiledPolicySet compiled)
    {
        var rules = new Dictionary<(string, Direction, int), CompiledRule>();
        foreach (var rule in compiled.Programs.SelectMany(p => p.AllRules))
            rules[(rule.Owner, rule.Direction, rule.Index)] = rule;
        return rules;
    }

    [Fact]
    public void Swapping_independent_adjacent_rules_keeps_every_verdict()
    {
        int disjoint = 0, sameAction = 0;
        _runner.Check("swap independent rules", PolicyGenerators.Scenarios(), s =>
        {
            var before = VerdictComparison.Compile(s.Model, "original");
            var compiledRules = RulesByIdentity(before);
            var owners = s.Model.Policies.Select(p => (Owner: p.Name, p.Ingress, p.Egress))
                .Concat(s.Model.Profiles.Select(p => (Owner: "profile " + p.Name, p.Ingress, p.Egress)));
            var candidates = new List<(string Owner, Direction Direction, int Index, RuleIndependence.Kind Kind)>();
            foreach (var (owner, ingress, egress) in owners)
            {
                foreach (var (direction, count) in new[] { (Direction.Ingress, ingress.Count), (Direction.Egress, egress.Count) })
                {
                    for (var i = 0; i + 1 < count; i++)
                    {
                        // Rules that no program uses cannot change a verdict; only pairs the compiler produced are tried.
                        if (!compiledRules.TryGetValue((owner, direction, i), out var a) || !compiledRules.TryGetValue((owner, direction, i + 1), out var b))
                            continue;
                        var kind = RuleIndependence.Classify(a, b);
                        if (kind != RuleIndependence.Kind.Dependent)
                            candidates.Add((owner, direction, i, kind));
                        if (kind == RuleIndependence.Kind.Disjoint)
                        {
                            // The classifier reasons from the documented meaning of each field; the matcher must agree.
                            foreach (var packet in s.Packets)
                            {
                                Assert.False(Evaluation.RuleMatcher.Matches(a, packet) && Evaluation.RuleMatcher.Matches(b, packet),
                                    $"rules '{a}' and '{b}' of {owner} both match {packet}, but their fields say no packet can match both");
                            }
                        }
                    }
                }
            }
            if (candidates.Count == 0)
            {
                _runner.Vacuous();
                return;
            }
            // Up to three swaps per case, starting at a generated position.
            for (var n = 0; n < Math.Min(3, candidates.Count); n++)
            {
                var (owner, direction, i, kind) = candidates[(s.Choice + n) % candidates.Count];
                if (kind == RuleIndependence.Kind.Disjoint) disjoint++; else sameAction++;
                var swapped = ModelTransforms.SwapRules(s.Model, owner, direction, i);
                var after = VerdictComparison.Compile(swapped, "swapped");
                bool IsPair(Decider d, Direction programDirection) =>
                    d.Kind == Decider.RuleKind && d.Owner == owner && programDirection == direction && (d.Index == i || d.Index == i + 1);
                _runner.Checked(VerdictComparison.Compare(before, after, s.Packets, new VerdictComparison.Options
                {
                    // After the swap, rule i is the old rule i+1 and vice versa.
                    MapSecond = (program, d) => IsPair(d, program.Direction) ? d with { Index = d.Index == i ? i + 1 : i } : d,
                    // Two rules with the same action are interchangeable: either one deciding is the same verdict.
                    Canonical = kind == RuleIndependence.Kind.SameAction
                        ? (program, d) => IsPair(d, program.Direction) ? d with { Index = i } : d
                        : (_, d) => d,
                    SameRuleId = (program, d) => !IsPair(d, program.Direction),
                }));
            }
        }, Cases, MinChecks);
        Assert.True(disjoint > 0 && sameAction > 0, $"swaps tried: {disjoint} disjoint, {sameAction} same-action");
    }

    // ---- Log rules ----------------------------------------------------------------------------------------

    [Fact]
    public void Removing_log_rules_keeps_every_verdict()
    {
        _runner.Check("remove log rules", PolicyGenerators.Scenarios(), s =>
        {
            var (stripped, oldIndex) = ModelTransforms.WithoutLogRules(s.Model);
            var before = VerdictComparison.Compile(s.Model, "original");
            var after = VerdictComparison.Compile(stripped, "without log rules");
            _runner.Checked(VerdictComparison.Compare(before, after, s.Packets, new VerdictComparison.Options
            {
                CompareLogged = false,
                // Rule j of a stripped list is the original's j-th rule that is not a Log (built-in profiles are untouched).
                MapSecond = (program, d) => d.Kind == Decider.RuleKind && oldIndex.TryGetValue((d.Owner, program.Direction), out var map)
                    ? d with { Index = map[d.Index] }
                    : d,
                // A rule that kept its index keeps its RuleId.
                SameRuleId = (program, d) => d.Kind != Decider.RuleKind || !oldIndex.TryGetValue((d.Owner, program.Direction), out var map) || map[d.Index] == d.Index,
            }));
        }, Cases, MinChecks);
    }

    // ---- adding tiers that cannot matter ------------------------------------------------------------------

    public sealed record AddedTierCase(Scenario Scenario, int Variant, TierModel Tier, PolicyModel Policy, IReadOnlyList<string> Selected, int RuleDirections)
    {
        public override string ToString() =>
            $"variant {Variant}, new tier {Tier}, policy {Policy.Name} selecting [{string.Join(", ", Selected)}], rule directions {RuleDirections}\n{Scenario}";
    }

    private static Gen<AddedTierCase> AddedTierCases() =>
        from s in PolicyGenerators.Scenario()
        from variant in Gen.Choose(0, 2)
        from order in Gen.Elements<double?>(null, 0.5, 1, 1000, 50_000, 1_000_000, 3_000_000)
        from action in Gen.Elements<string?>(null, "Deny", "Pass")
        let names = EndpointNames(s.Model)
        from policy in PolicyGenerators.Policy("q-new", new[] { "tier-new" }, PolicyGenerators.Selectors(names))
        from selected in Gen.SubListOf(names.ToArray())
        from ruleDirections in Gen.Choose(0, 2)
        select new AddedTierCase(s, variant, new TierModel("tier-new", order, action), policy, selected, ruleDirections);

    private static readonly string[] SelectsNothing = { "has(nothing)", "ep == \"nobody\"", "role == \"none\"", "ep in {}" };

    /// <summary>
    /// Adding a tier changes nothing when (0) it has no policies, (1) its policy selects no endpoint, or (2) for the
    /// programs its policy cannot reach: endpoints it does not select, directions it has no rules for (its types are
    /// derived), and stages its flags keep it out of. RuleIds are compared too: nothing was renamed.
    /// </summary>
    [Fact]
    public void Adding_a_tier_that_applies_to_nothing_keeps_every_verdict()
    {
        var variants = new int[3];
        _runner.Check("add empty tier", Arb.From(AddedTierCases()), c =>
        {
            var model = c.Scenario.Model;
            var tiers = model.Tiers.Append(c.Tier).ToList();
            PolicyModel? policy = null;
            switch (c.Variant)
            {
                case 1:
                    policy = c.Policy with { Selector = SelectsNothing[c.Scenario.Choice % SelectsNothing.Length] };
                    break;
                case 2:
                    var selector = $"{PolicyGenerators.EndpointLabel} in {{{string.Join(", ", c.Selected.Select(n => $"\"{n}\""))}}}";
                    policy = c.Policy with
                    {
                        Selector = selector,
                        // Derived types, or both written out (then a direction without rules is a deny-all for what it selects).
                        Types = c.Scenario.Choice % 2 == 0 ? null : c.Policy.PreDnat ? new[] { "Ingress" } : new[] { "Ingress", "Egress" },
                        Ingress = c.RuleDirections == 0 ? c.Policy.Ingress : Array.Empty<RuleModel>(),
                        Egress = c.RuleDirections == 1 ? c.Policy.Egress : Array.Empty<RuleModel>(),
                    };
                    break;
            }
            variants[c.Variant]++;
            var extended = model with { Tiers = tiers, Policies = policy is null ? model.Policies : model.Policies.Append(policy).ToList() };

            var before = VerdictComparison.Compile(model, "original");
            var after = VerdictComparison.Compile(extended, "with new tier");
            var options = new VerdictComparison.Options { CompareRuleIds = true };
            if (c.Variant == 2)
            {
                options = new VerdictComparison.Options
                {
                    CompareRuleIds = true,
                    Include = program => !(c.Selected.Contains(VerdictComparison.EndpointName(program)) && VerdictComparison.MayAffect(policy!, program)),
                };
            }
            _runner.Checked(VerdictComparison.Compare(before, after, c.Scenario.Packets, options));
            if (c.Variant == 0)
            {
                // A tier without policies appears nowhere: the whole dump is the same.
                Assert.Equal(ProgramDumper.Dump(before), ProgramDumper.Dump(after));
            }
        }, Cases, MinChecks);
        Assert.True(variants.All(v => v > 0), $"variants tried: {string.Join(", ", variants)}");
    }

    // ---- renaming and shuffling ---------------------------------------------------------------------------

    private static readonly string[] RenamePrefixes = { "zz-", "a0-", "m-", "0-", "b-", "renamed-" };

    /// <summary>
    /// Renaming what nothing refers to by name (endpoints, policies, network sets) and shuffling the
    /// documents over files gives the same verdicts. Policy orders are made distinct first, since equal orders
    /// are broken by name. RuleIds hash the owner's name, so deciders are compared as (owner, index).
    /// </summary>
    [Fact]
    public void Renaming_resources_and_shuffling_documents_keeps_every_verdict()
    {
        _runner.Check("rename and shuffle", PolicyGenerators.Scenarios(), s =>
        {
            var random = new Random(s.Choice);
            string Rename(string name) => RenamePrefixes[random.Next(RenamePrefixes.Length)] + name;
            var model = ModelTransforms.WithDistinctOrders(s.Model);
            var heps = model.HostEndpoints.ToDictionary(h => h.Name, h => Rename(h.Name));
            var weps = model.WorkloadEndpoints.ToDictionary(w => w.Name, w => Rename(w.Name));
            var policies = model.Policies.ToDictionary(p => p.Name, p => Rename(p.Name));
            var oldPolicyName = policies.ToDictionary(p => p.Value, p => p.Key);
            var renamed = ModelTransforms.Rename(model, heps, weps, policies, Rename);

            var before = VerdictComparison.CompileYaml(new[] { ("policies/set.yaml", model.ToYaml()) }, "original");
            var after = VerdictComparison.CompileYaml(ModelTransforms.ShuffledFiles(renamed.ToYamlDocuments(), random), "renamed and shuffled");
            _runner.Checked(VerdictComparison.Compare(before, after, s.Packets, new VerdictComparison.Options
            {
                ProgramKey = key =>
                {
                    // hep/NAME/stage/direction or wep/NS/NAME/stage/direction
                    var parts = key.Split('/');
                    var nameAt = parts[0] == "hep" ? 1 : 2;
                    parts[nameAt] = parts[0] == "hep" ? heps[parts[nameAt]] : weps[parts[nameAt]];
                    return string.Join("/", parts);
                },
                MapSecond = (_, d) => d.Kind == Decider.RuleKind && oldPolicyName.TryGetValue(d.Owner, out var old) ? d with { Owner = old } : d,
                // Tier ends, program ends and profile rules are not named after anything renamed.
                SameRuleId = (_, d) => !(d.Kind == Decider.RuleKind && oldPolicyName.ContainsKey(d.Owner)),
            }));
        }, Cases, MinChecks);
    }

    // ---- RuleIds ------------------------------------------------------------------------------------------

    /// <summary>What a RuleId stands for, written independently of RuleIdAllocator's key format.</summary>
    private static Dictionary<RuleId, string> Identities(CompiledPolicySet compiled)
    {
        var identities = new Dictionary<RuleId, string>();
        void Add(RuleId id, string identity)
        {
            if (identities.TryGetValue(id, out var existing))
                Assert.True(existing == identity, $"RuleId {id} names two things: '{existing}' and '{identity}'");
            else
                identities.Add(id, identity);
        }
        foreach (var program in compiled.Programs)
        {
            foreach (var rule in program.AllRules)
                Add(rule.Id, $"rule {rule.Owner} {rule.Direction} {rule.Index}");
            foreach (var tier in program.Tiers)
                Add(tier.EndRuleId, $"tier-end {tier.Name} {program.Stage} {program.Direction}");
            Add(program.EndRuleId, $"end {program.Stage} {program.Direction}");
        }
        foreach (var failsafe in compiled.Failsafes)
            Add(failsafe.Id, $"failsafe {failsafe.Direction} {failsafe}");
        return identities;
    }

    public sealed record ExtraPolicyCase(Scenario Scenario, PolicyModel Policy, TierModel? NewTier)
    {
        public override string ToString() => $"extra policy in tier {Policy.EffectiveTier} (new tier: {NewTier})\n{Scenario}";
    }

    private static Gen<ExtraPolicyCase> ExtraPolicyCases() =>
        from s in PolicyGenerators.Scenario()
        let names = EndpointNames(s.Model)
        let tiers = s.Model.Policies.Select(p => p.EffectiveTier).Distinct().Append("tier-new").ToList()
        from policy in PolicyGenerators.Policy("q-new", tiers, PolicyGenerators.Selectors(names))
        from order in Gen.Elements<double?>(null, 1, 1000, 3_000_000)
        let newTier = policy.EffectiveTier == "tier-new" && !s.Model.Tiers.Any(t => t.Name == "tier-new") ? new TierModel("tier-new", order, null) : null
        select new ExtraPolicyCase(s, policy, newTier);

    /// <summary>
    /// RuleIds name one thing each within a compiled set, the catalog lists exactly them, and adding an unrelated
    /// policy (possibly in a new tier) changes no existing rule's, tier end's, program end's or failsafe's RuleId.
    /// </summary>
    [Fact]
    public void RuleIds_are_unique_and_survive_adding_an_unrelated_policy()
    {
        _runner.Check("ruleid stability", Arb.From(ExtraPolicyCases()), c =>
        {
            var model = c.Scenario.Model;
            var extended = model with
            {
                Policies = model.Policies.Append(c.Policy).ToList(),
                Tiers = c.NewTier is null ? model.Tiers : model.Tiers.Append(c.NewTier).ToList(),
            };
            var before = VerdictComparison.Compile(model, "original");
            var after = VerdictComparison.Compile(extended, "with extra policy");
            var beforeIds = Identities(before);
            var afterIds = Identities(after);

            // The catalog lists every RuleId the programs and failsafes use, and nothing else.
            foreach (var (compiled, ids) in new[] { (before, beforeIds), (after, afterIds) })
            {
                Assert.Equal(ids.Keys.OrderBy(k => k), compiled.Rules.Keys.OrderBy(k => k));
            }

            var afterById = afterIds.ToDictionary(p => p.Value, p => p.Key);
            foreach (var (id, identity) in beforeIds)
            {
                // Tier ends and program ends only exist where a program has that tier or stage; both sets have the same programs.
                Assert.True(afterById.TryGetValue(identity, out var now), $"'{identity}' [{id}] disappeared after adding {c.Policy.Name}");
                Assert.True(now == id, $"'{identity}' changed RuleId from {id} to {now} after adding {c.Policy.Name}");
                Assert.Equal(before.Rules[id].Owner, after.Rules[id].Owner);
                Assert.Equal(before.Rules[id].Description, after.Rules[id].Description);
                Assert.Equal(before.Rules[id].Location, after.Rules[id].Location);
                _runner.Checked();
            }

            // Programs the new policy cannot reach decide exactly as before, RuleIds included.
            _runner.Checked(VerdictComparison.Compare(before, after, c.Scenario.Packets, new VerdictComparison.Options
            {
                CompareRuleIds = true,
                Include = program => !VerdictComparison.MayAffect(c.Policy, program),
            }));
        }, Cases, MinChecks);
    }

    // ---- determinism --------------------------------------------------------------------------------------

    [Fact]
    public void Compiling_the_same_input_twice_gives_byte_identical_dumps()
    {
        _runner.Check("deterministic dump", PolicyGenerators.Scenarios(), s =>
        {
            var set = s.Model.ToPolicySet();
            PreDnatAppliance.Policy.Validation.PolicyValidator.Validate(set);
            var compiled = VerdictComparison.CompileValid(set, "first");
            var once = ProgramDumper.Dump(compiled);
            var again = ProgramDumper.Dump(VerdictComparison.CompileValid(set, "same set again"));
            var rebuilt = ProgramDumper.Dump(VerdictComparison.Compile(s.Model, "rebuilt"));
            Assert.Equal(once, again);
            Assert.Equal(once, rebuilt);

            var files = new[] { ("policies/set.yaml", s.Model.ToYaml()) };
            var yamlOnce = ProgramDumper.Dump(VerdictComparison.CompileYaml(files));
            var yamlAgain = ProgramDumper.Dump(VerdictComparison.CompileYaml(files));
            Assert.Equal(yamlOnce, yamlAgain);
            // One check per program dumped and compared (four dumps against their twins).
            _runner.Checked(4 * compiled.Programs.Count);
        }, Cases, minChecks: 1_000);
    }
}
