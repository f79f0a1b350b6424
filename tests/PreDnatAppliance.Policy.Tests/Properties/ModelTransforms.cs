using PreDnatAppliance.Policy.Programs;

namespace PreDnatAppliance.Policy.Tests.Properties;

/// <summary>Semantics-preserving (or -bounded) rewrites of a policy set model, used by the properties.</summary>
public static class ModelTransforms
{
    public static PolicySetModel ReplacePolicy(PolicySetModel model, int index, params PolicyModel[] replacement)
    {
        var policies = model.Policies.ToList();
        policies.RemoveAt(index);
        policies.InsertRange(index, replacement);
        return model with { Policies = policies };
    }

    /// <summary>
    /// Splits policy <paramref name="index"/> after <paramref name="ingressSplit"/> ingress and <paramref name="egressSplit"/>
    /// egress rules. The first half keeps the name and order; the second half has the same order and tier and the
    /// name NAME + "0", which sorts right after NAME in Felix's tie-break ("NAME0/..." follows "NAME/..." because
    /// '0' > '/') and before every other generated name. Both halves get the original's effective types explicitly,
    /// so that a half with no rules in a direction still applies to it, as the original did.
    /// </summary>
    public static (PolicySetModel Model, string SecondName) Split(PolicySetModel model, int index, int ingressSplit, int egressSplit)
    {
        var p = model.Policies[index];
        var types = p.EffectiveTypeList;
        var first = p with { Types = types, Ingress = p.Ingress.Take(ingressSplit).ToList(), Egress = p.Egress.Take(egressSplit).ToList() };
        var second = p with { Name = p.Name + "0", Types = types, Ingress = p.Ingress.Skip(ingressSplit).ToList(), Egress = p.Egress.Skip(egressSplit).ToList() };
        return (ReplacePolicy(model, index, first, second), second.Name);
    }

    public static IReadOnlyList<RuleModel> Swap(IReadOnlyList<RuleModel> rules, int i)
    {
        var list = rules.ToList();
        (list[i], list[i + 1]) = (list[i + 1], list[i]);
        return list;
    }

    /// <summary>Swaps rules i and i+1 of a policy (owner = policy name) or of the generated profile (owner = "profile NAME").</summary>
    public static PolicySetModel SwapRules(PolicySetModel model, string owner, Direction direction, int i)
    {
        var policies = model.Policies.Select(p => p.Name != owner ? p
            : direction == Direction.Ingress ? p with { Ingress = Swap(p.Ingress, i) } : p with { Egress = Swap(p.Egress, i) }).ToList();
        var profiles = model.Profiles.Select(p => "profile " + p.Name != owner ? p
            : direction == Direction.Ingress ? p with { Ingress = Swap(p.Ingress, i) } : p with { Egress = Swap(p.Egress, i) }).ToList();
        return model with { Policies = policies, Profiles = profiles };
    }

    /// <summary>
    /// Makes policy orders distinct within each tier (at most one missing order per tier), so that renaming
    /// policies cannot change their order through the name tie-break.
    /// </summary>
    public static PolicySetModel WithDistinctOrders(PolicySetModel model)
    {
        var used = new Dictionary<string, HashSet<double?>>(StringComparer.Ordinal);
        var next = 1000.0;
        var policies = new List<PolicyModel>();
        foreach (var policy in model.Policies)
        {
            if (!used.TryGetValue(policy.EffectiveTier, out var orders))
                used[policy.EffectiveTier] = orders = new HashSet<double?>();
            var order = policy.Order;
            while (orders.Contains(order))
                order = next++;
            orders.Add(order);
            policies.Add(policy with { Order = order });
        }
        return model with { Policies = policies };
    }

    /// <summary>Removes every Log rule; types are written out so that a direction that had only Log rules still applies.</summary>
    public static (PolicySetModel Model, Dictionary<(string Owner, Direction Direction), int[]> OldIndex) WithoutLogRules(PolicySetModel model)
    {
        var oldIndex = new Dictionary<(string, Direction), int[]>();
        IReadOnlyList<RuleModel> Strip(string owner, Direction direction, IReadOnlyList<RuleModel> rules)
        {
            oldIndex[(owner, direction)] = rules.Select((r, i) => (r, i)).Where(x => x.r.Action != "Log").Select(x => x.i).ToArray();
            return rules.Where(r => r.Action != "Log").ToList();
        }
        var policies = model.Policies.Select(p => p with
        {
            Types = p.EffectiveTypeList,
            Ingress = Strip(p.Name, Direction.Ingress, p.Ingress),
            Egress = Strip(p.Name, Direction.Egress, p.Egress),
        }).ToList();
        var profiles = model.Profiles.Select(p => p with
        {
            Ingress = Strip("profile " + p.Name, Direction.Ingress, p.Ingress),
            Egress = Strip("profile " + p.Name, Direction.Egress, p.Egress),
        }).ToList();
        return (model with { Policies = policies, Profiles = profiles }, oldIndex);
    }

    /// <summary>Renames host endpoints, workload endpoints, policies and network sets (nothing refers to them by name); tiers and profiles keep theirs.</summary>
    public static PolicySetModel Rename(PolicySetModel model, IReadOnlyDictionary<string, string> heps, IReadOnlyDictionary<string, string> weps,
        IReadOnlyDictionary<string, string> policies, Func<string, string> networkSets) =>
        model with
        {
            HostEndpoints = model.HostEndpoints.Select(h => h with { Name = heps[h.Name] }).ToList(),
            WorkloadEndpoints = model.WorkloadEndpoints.Select(w => w with { Name = weps[w.Name] }).ToList(),
            Policies = model.Policies.Select(p => p with { Name = policies[p.Name] }).ToList(),
            NetworkSets = model.GlobalNetworkSets.Select(n => n with { Name = networkSets(n.Name) }).ToList(),
        };

    /// <summary>Spreads YAML documents over 1-3 files in a shuffled order; file names are shuffled too (LoadTexts sorts by path).</summary>
    public static List<(string Path, string Text)> ShuffledFiles(IReadOnlyList<string> documents, Random random)
    {
        var docs = documents.OrderBy(_ => random.Next()).ToList();
        var fileCount = random.Next(1, 4);
        var names = Enumerable.Range(0, fileCount).Select(i => $"policies/{(char)('a' + random.Next(26))}{i}-set.yaml").OrderBy(_ => random.Next()).ToList();
        var files = names.Select(n => (Path: n, Docs: new List<string>())).ToList();
        foreach (var doc in docs)
            files[random.Next(fileCount)].Docs.Add(doc);
        return files.Select(f => (f.Path, string.Join("---\n", f.Docs))).ToList();
    }
}
