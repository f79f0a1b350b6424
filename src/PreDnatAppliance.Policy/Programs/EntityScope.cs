using PreDnatAppliance.Policy.Selectors;

namespace PreDnatAppliance.Policy.Programs;

/// <summary>
/// The set of entities one selector field stands for once Calico's scoping is applied: Felix's
/// getEndpointSelector ANDs the namespace selector (or, in a namespaced policy, the policy's own namespace)
/// with the service-account and endpoint selectors. <see cref="Key"/> is a canonical text used to share
/// one IP set between every rule with the same scope.
/// </summary>
public sealed class EntityScope
{
    private readonly Func<LabelledEntity, bool> _predicate;

    private EntityScope(string key, Func<LabelledEntity, bool> predicate)
    {
        Key = key;
        _predicate = predicate;
    }

    public string Key { get; }

    public bool Matches(LabelledEntity entity) => _predicate(entity);

    public static EntityScope Everything { get; } = new("all()", _ => true);

    /// <summary>A plain selector over the entity's own labels (notSelector, or a policy's selector in a GNP).</summary>
    public static EntityScope Labels(Selector selector) =>
        selector.IsAll ? Everything : new EntityScope(selector.Text, e => selector.Matches(e.Labels));

    /// <summary>
    /// Calico's namespaceSelector: matched against the namespace's labels (pcns.*). As Felix does after adding
    /// the prefix, every all() becomes has(projectcalico.org/namespace) ("any namespaced entity") and every
    /// global() becomes !has(projectcalico.org/namespace) ("only HEPs and global network sets").
    /// </summary>
    public static EntityScope NamespaceSelector(Selector selector)
    {
        var rewritten = Selector.Parse(selector.Text
            .Replace("all()", $"has({BuiltInLabels.Namespace})")
            .Replace("global()", $"!has({BuiltInLabels.Namespace})"));
        return new EntityScope($"ns({rewritten.Text})", e => rewritten.Matches(e.NamespaceLabels));
    }

    public static EntityScope InNamespace(string ns) =>
        new($"{BuiltInLabels.Namespace} == \"{ns}\"", e => string.Equals(e.Namespace, ns, StringComparison.Ordinal));

    /// <summary>Calico's serviceAccounts match: pcsa.* labels by selector, ANDed with "serviceaccount in names".</summary>
    public static EntityScope ServiceAccounts(Selector? selector, IReadOnlyList<string> names)
    {
        var parts = new List<EntityScope>();
        if (selector is not null && !selector.IsAll)
            parts.Add(new EntityScope($"sa({selector.Text})", e => selector.Matches(e.ServiceAccountLabels)));
        if (names.Count > 0)
        {
            var sorted = names.Distinct(StringComparer.Ordinal).OrderBy(n => n, StringComparer.Ordinal).ToList();
            parts.Add(new EntityScope(
                $"{BuiltInLabels.ServiceAccount} in {{{string.Join(", ", sorted.Select(n => $"\"{n}\""))}}}",
                e => e.ServiceAccount is not null && sorted.Contains(e.ServiceAccount, StringComparer.Ordinal)));
        }
        return parts.Count == 0 ? Everything : AndAll(parts);
    }

    public EntityScope And(EntityScope other)
    {
        if (ReferenceEquals(this, Everything)) return other;
        if (ReferenceEquals(other, Everything)) return this;
        var left = this;
        return new EntityScope($"({left.Key}) && ({other.Key})", e => left.Matches(e) && other.Matches(e));
    }

    public static EntityScope AndAll(IEnumerable<EntityScope> scopes) =>
        scopes.Aggregate(Everything, (acc, next) => acc.And(next));

    public override string ToString() => Key;
}
