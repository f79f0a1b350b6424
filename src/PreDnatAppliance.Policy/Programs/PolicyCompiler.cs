using PreDnatAppliance.Policy.Diagnostics;
using PreDnatAppliance.Policy.Resources;
using PreDnatAppliance.Policy.Selectors;

namespace PreDnatAppliance.Policy.Programs;

public sealed class CompileOptions
{
    /// <summary>Build programs for this node's endpoints only; null builds every node's.</summary>
    public string? Node { get; init; }
}

/// <summary>
/// Flattens a validated policy set into per-endpoint programs: for each host endpoint the untracked,
/// pre-DNAT, normal and forward programs in both directions (pre-DNAT ingress only), and for each workload
/// endpoint its ingress and egress programs.
/// </summary>
public sealed class PolicyCompiler
{
    public const string DefaultAllowProfile = "projectcalico-default-allow";

    private readonly PolicySet _set;
    private readonly CompileOptions _options;
    private readonly RuleIdAllocator _ids;
    private readonly SetRegistry _sets;
    private readonly RuleCompiler _rules;
    private readonly EntityCatalog _catalog;
    private readonly Dictionary<string, Tier> _tiers;
    private readonly Dictionary<string, RuleInfo> _ruleInfos = new(StringComparer.Ordinal);
    private readonly Dictionary<(PolicyResource, Direction), IReadOnlyList<CompiledRule>> _policyRules = new();
    private readonly Dictionary<(string, Direction), IReadOnlyList<CompiledRule>> _profileRules = new();
    private readonly List<(PolicyResource Policy, EntityScope Scope)> _policyScopes;
    private readonly DiagnosticBag _diagnostics = new();

    private PolicyCompiler(PolicySet set, CompileOptions options, RuleIdAllocator ids)
    {
        _set = set;
        _ids = ids;
        _options = options;
        _catalog = new EntityCatalog(set);
        _sets = new SetRegistry(_catalog.Entities);
        _rules = new RuleCompiler(_sets, _ids);
        _tiers = set.Tiers.GroupBy(t => t.Name, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        _policyScopes = PolicyOrdering.Sort(set.Policies).Select(p => (p, PolicyScope(p))).ToList();
    }

    public static CompiledPolicySet Compile(PolicySet set, CompileOptions? options = null)
    {
        options ??= new CompileOptions();
        if (set.HasErrors)
        {
            return Empty(set, options, DiagnosticDescriptors.PolicySetHasErrors.At(SourceLocation.None));
        }
        return new PolicyCompiler(set, options, new RuleIdAllocator()).Run();
    }

    /// <summary>Tests pass an allocator with a weak hash to exercise collision reporting.</summary>
    internal static CompiledPolicySet Compile(PolicySet set, CompileOptions options, RuleIdAllocator ids) =>
        new PolicyCompiler(set, options, ids).Run();

    private CompiledPolicySet Run()
    {
        ReportUnsupported();
        var programs = new List<EndpointProgram>();
        foreach (var hep in _set.HostEndpoints.Where(OnNode).OrderBy(h => h.Name, StringComparer.Ordinal))
            programs.AddRange(HostPrograms(hep));
        foreach (var wep in _set.WorkloadEndpoints.Where(OnNode).OrderBy(w => w.Namespace, StringComparer.Ordinal).ThenBy(w => w.Name, StringComparer.Ordinal))
            programs.AddRange(WorkloadPrograms(wep));

        var failsafes = Failsafes.Resolve(_set.FelixConfigurations, _options.Node, _ids);
        foreach (var failsafe in failsafes)
            Catalog(failsafe.Id, "failsafe", $"failsafe {(failsafe.Direction == Direction.Ingress ? "inbound" : "outbound")} {failsafe}", failsafe.Location);

        foreach (var (existing, colliding, id) in _ids.Collisions)
        {
            var location = _ruleInfos.TryGetValue(id.ToString(), out var info) ? info.Location : SourceLocation.None;
            _diagnostics.Add(DiagnosticDescriptors.RuleIdCollision, location,
                $"RuleId {id} of \"{existing}\" is also the hash of \"{colliding}\"; rename one of the two policies so that every rule keeps a distinct, stable RuleId");
        }

        var all = _set.Diagnostics.Items.Concat(_diagnostics.Items).ToList();
        return new CompiledPolicySet
        {
            Programs = programs,
            IpSets = _sets.IpSets.OrderBy(s => s.Id, StringComparer.Ordinal).ToList(),
            NamedPortSets = _sets.NamedPortSets.OrderBy(s => s.Id, StringComparer.Ordinal).ToList(),
            Failsafes = failsafes,
            Rules = _ruleInfos.Values.ToDictionary(r => r.Id),
            HostEndpoints = _set.HostEndpoints.Where(OnNode).ToList(),
            WorkloadEndpoints = _set.WorkloadEndpoints.Where(OnNode).ToList(),
            Diagnostics = all,
            Node = _options.Node,
        };
    }

    private bool OnNode(HostEndpoint hep) => _options.Node is null || hep.Node == _options.Node;
    private bool OnNode(WorkloadEndpoint wep) => _options.Node is null || wep.Node == _options.Node;

    private IEnumerable<EndpointProgram> HostPrograms(HostEndpoint hep)
    {
        var entity = _catalog.Find(hep);
        var endpoint = new EndpointRef(ResourceKind.HostEndpoint, hep.Name, null, hep.Node, hep.InterfaceName, hep.Location);
        var applicable = _policyScopes.Where(p => p.Scope.Matches(entity)).Select(p => p.Policy).ToList();

        foreach (var direction in new[] { Direction.Ingress, Direction.Egress })
        {
            var untracked = applicable.Where(p => p.DoNotTrack).ToList();
            if (hep.IsWildcard && untracked.Count > 0 && direction == Direction.Ingress)
            {
                _diagnostics.Add(DiagnosticDescriptors.UntrackedOnWildcardIgnored, hep.Location,
                    $"HostEndpoint {hep.Name} has interfaceName \"*\": doNotTrack policies {string.Join(", ", untracked.Select(p => p.Name))} are not applied to it, as in Felix");
            }
            yield return BuildProgram(endpoint, PolicyStage.Untracked, direction, hep.IsWildcard ? new List<PolicyResource>() : untracked, null);
        }
        yield return BuildProgram(endpoint, PolicyStage.PreDnat, Direction.Ingress, applicable.Where(p => p.PreDnat).ToList(), null);
        foreach (var direction in new[] { Direction.Ingress, Direction.Egress })
        {
            var normal = applicable.Where(p => !p.PreDnat && !p.DoNotTrack).ToList();
            yield return BuildProgram(endpoint, PolicyStage.Normal, direction, normal, hep.Profiles.Select(p => (p.Value, p.Location)).ToList());
        }
        foreach (var direction in new[] { Direction.Ingress, Direction.Egress })
        {
            var forward = applicable.Where(p => !p.PreDnat && !p.DoNotTrack && p.ApplyOnForward).ToList();
            yield return BuildProgram(endpoint, PolicyStage.Forward, direction, forward, null);
        }
    }

    private IEnumerable<EndpointProgram> WorkloadPrograms(WorkloadEndpoint wep)
    {
        var entity = _catalog.Find(wep);
        var endpoint = new EndpointRef(ResourceKind.WorkloadEndpoint, wep.Name, wep.Namespace, wep.Node, wep.InterfaceName, wep.Location);
        // Untracked and pre-DNAT policy only ever applies to host endpoints.
        var applicable = _policyScopes.Where(p => !p.Policy.PreDnat && !p.Policy.DoNotTrack && p.Scope.Matches(entity)).Select(p => p.Policy).ToList();
        foreach (var direction in new[] { Direction.Ingress, Direction.Egress })
            yield return BuildProgram(endpoint, PolicyStage.Workload, direction, applicable, wep.Profiles.Select(p => (p.Value, p.Location)).ToList());
    }

    /// <param name="profiles">Null for stages without profiles.</param>
    private EndpointProgram BuildProgram(EndpointRef endpoint, PolicyStage stage, Direction direction, List<PolicyResource> policies, List<(string Name, SourceLocation Location)>? profiles)
    {
        // Felix attaches a policy to a direction only if its types include that direction.
        var forDirection = policies.Where(p => direction == Direction.Ingress ? p.EffectiveTypes.Ingress : p.EffectiveTypes.Egress).ToList();
        var tiers = new List<ProgramTier>();
        foreach (var tierName in PolicyOrdering.SortTiers(forDirection.Select(p => p.EffectiveTier), _tiers))
        {
            var endAction = stage is PolicyStage.Untracked or PolicyStage.PreDnat
                ? RuleAction.Pass
                : PolicyOrdering.TierDefaultAction(tierName, _tiers);
            var endId = _ids.For(RuleIdAllocator.TierEndKey(stage, direction, tierName));
            var tierLocation = _tiers.TryGetValue(tierName, out var tier) ? tier.Location : SourceLocation.None;
            Catalog(endId, $"tier {tierName}", $"end of tier {tierName} ({StageNames.Of(stage)} {StageNames.Of(direction)}): {endAction}", tierLocation);
            tiers.Add(new ProgramTier
            {
                Name = tierName,
                Policies = forDirection.Where(p => p.EffectiveTier == tierName).Select(p => ToProgramPolicy(p, direction)).ToList(),
                EndAction = endAction,
                EndRuleId = endId,
            });
        }

        var end = stage switch
        {
            PolicyStage.Untracked or PolicyStage.PreDnat => ProgramEnd.NoDecision,
            PolicyStage.Forward => ProgramEnd.Allow,
            _ => ProgramEnd.DenyAfterProfiles,
        };
        var endRuleId = _ids.For(RuleIdAllocator.ProgramEndKey(stage, direction));
        Catalog(endRuleId, StageNames.Of(stage), EndDescription(stage, direction, end), SourceLocation.None);

        return new EndpointProgram
        {
            Endpoint = endpoint,
            Stage = stage,
            Direction = direction,
            Tiers = tiers,
            Profiles = profiles?.Select(p => ToProgramProfile(p.Name, p.Location, direction)).ToList(),
            End = end,
            EndRuleId = endRuleId,
        };
    }

    private static string EndDescription(PolicyStage stage, Direction direction, ProgramEnd end) => end switch
    {
        ProgramEnd.NoDecision => $"no {StageNames.Of(stage)} {StageNames.Of(direction)} rule decided: continue",
        ProgramEnd.Allow => $"forwarded traffic allowed by default ({StageNames.Of(direction)})",
        _ => $"drop if no profiles matched ({StageNames.Of(stage)} {StageNames.Of(direction)})",
    };

    private ProgramPolicy ToProgramPolicy(PolicyResource policy, Direction direction)
    {
        if (!_policyRules.TryGetValue((policy, direction), out var rules))
        {
            var source = direction == Direction.Ingress ? policy.Ingress : policy.Egress;
            var ownerKey = policy.IsGlobal ? $"GlobalNetworkPolicy/{policy.Name}" : $"NetworkPolicy/{policy.Namespace}/{policy.Name}";
            var ownerName = DisplayName(policy);
            rules = source.Select((rule, index) =>
            {
                var compiled = _rules.Compile(rule, ownerKey, ownerName, policy.IsGlobal ? null : policy.Namespace, direction, index);
                Catalog(compiled.Id, ownerName, compiled.ToString(), compiled.Location);
                return compiled;
            }).ToList();
            _policyRules[(policy, direction)] = rules;
        }
        return new ProgramPolicy
        {
            Name = DisplayName(policy),
            Kind = policy.Kind,
            Namespace = policy.Namespace,
            Order = policy.Order,
            Location = policy.Location,
            Rules = rules,
        };
    }

    private ProgramProfile ToProgramProfile(string name, SourceLocation reference, Direction direction)
    {
        if (!_profileRules.TryGetValue((name, direction), out var rules))
        {
            IReadOnlyList<Rule> source;
            if (_catalog.TryGetProfile(name, out var profile))
                source = direction == Direction.Ingress ? profile.Ingress : profile.Egress;
            else if (name == DefaultAllowProfile)
                source = new[] { new Rule { Action = "Allow", Location = reference } };
            else
                source = Array.Empty<Rule>();
            rules = source.Select((rule, index) =>
            {
                var compiled = _rules.Compile(rule, $"Profile/{name}", $"profile {name}", null, direction, index);
                Catalog(compiled.Id, $"profile {name}", compiled.ToString(), compiled.Location);
                return compiled;
            }).ToList();
            _profileRules[(name, direction)] = rules;
        }
        var location = _catalog.TryGetProfile(name, out var defined) ? defined.Location : reference;
        return new ProgramProfile { Name = name, Location = location, Rules = rules };
    }

    /// <summary>Operators see GNPs by name and NetworkPolicies as namespace/name; the tier is shown separately.</summary>
    public static string DisplayName(PolicyResource policy) => policy.IsGlobal ? policy.Name : $"{policy.Namespace}/{policy.Name}";

    /// <summary>Which endpoints a policy applies to, with Calico's implicit scoping added.</summary>
    private static EntityScope PolicyScope(PolicyResource policy)
    {
        var scope = EntityScope.Labels(Selector.Parse(policy.Selector));
        if (!policy.IsGlobal)
            scope = EntityScope.InNamespace(policy.Namespace ?? "default").And(scope);
        if (!string.IsNullOrEmpty(policy.NamespaceSelector))
            scope = scope.And(EntityScope.NamespaceSelector(Selector.Parse(policy.NamespaceSelector)));
        if (!string.IsNullOrEmpty(policy.ServiceAccountSelector))
        {
            // Calico's GNP processor rewrites all() here to has(projectcalico.org/serviceaccount).
            var serviceAccounts = Selector.Parse(policy.ServiceAccountSelector);
            scope = scope.And(serviceAccounts.IsAll
                ? EntityScope.Labels(Selector.Parse($"has({BuiltInLabels.ServiceAccount})"))
                : EntityScope.ServiceAccounts(serviceAccounts, Array.Empty<string>()));
        }
        return scope;
    }

    private void ReportUnsupported()
    {
        foreach (var policy in _set.Policies)
        {
            foreach (var rule in policy.Ingress.Concat(policy.Egress))
            {
                foreach (var side in new[] { rule.Source, rule.Destination })
                {
                    if (side.Services is { } services)
                    {
                        _diagnostics.Add(DiagnosticDescriptors.ServiceMatchUnsupported, services.Location,
                            $"rule matches Service {services.Namespace}/{services.Name}: service endpoints change at run time and compiled policy cannot follow them; use a selector or nets instead");
                    }
                }
            }
        }
    }

    private void Catalog(RuleId id, string owner, string description, SourceLocation location)
    {
        var key = id.ToString();
        if (!_ruleInfos.ContainsKey(key))
            _ruleInfos[key] = new RuleInfo { Id = id, Owner = owner, Description = description, Location = location };
    }

    private static CompiledPolicySet Empty(PolicySet set, CompileOptions options, PolicyDiagnostic reason) => new()
    {
        Programs = Array.Empty<EndpointProgram>(),
        IpSets = Array.Empty<IpSet>(),
        NamedPortSets = Array.Empty<NamedPortSet>(),
        Failsafes = Array.Empty<FailsafeRule>(),
        Rules = new Dictionary<RuleId, RuleInfo>(),
        HostEndpoints = Array.Empty<HostEndpoint>(),
        WorkloadEndpoints = Array.Empty<WorkloadEndpoint>(),
        Diagnostics = set.Diagnostics.Items.Concat(new[] { reason }).ToList(),
        Node = options.Node,
    };
}
