namespace PreDnatAppliance.Policy.Programs;

/// <summary>
/// Hands out RuleIds from identity keys. A RuleId is a pure function of its key, so it never depends on
/// compile order; two keys with one hash are recorded as a collision for the compiler to report.
/// </summary>
public sealed class RuleIdAllocator
{
    private readonly Func<string, RuleId> _hash;
    private readonly Dictionary<RuleId, string> _keysById = new();
    private readonly List<(string Existing, string Colliding, RuleId Id)> _collisions = new();

    public RuleIdAllocator()
        : this(RuleId.FromKey)
    {
    }

    /// <summary>Tests inject a weak hash to exercise collision reporting.</summary>
    internal RuleIdAllocator(Func<string, RuleId> hash) => _hash = hash;

    public IReadOnlyDictionary<RuleId, string> Keys => _keysById;

    public IReadOnlyList<(string Existing, string Colliding, RuleId Id)> Collisions => _collisions;

    public RuleId For(string key)
    {
        var id = _hash(key);
        if (_keysById.TryGetValue(id, out var existing))
        {
            if (!string.Equals(existing, key, StringComparison.Ordinal) && !_collisions.Any(c => c.Colliding == key))
                _collisions.Add((existing, key, id));
            return id;
        }
        _keysById.Add(id, key);
        return id;
    }

    public static string PolicyRuleKey(string ownerKey, Direction direction, int index) => $"{ownerKey}/{StageNames.Of(direction)}/{index}";
    public static string TierEndKey(PolicyStage stage, Direction direction, string tier) => $"tier-end/{StageNames.Of(stage)}/{StageNames.Of(direction)}/{tier}";
    public static string ProgramEndKey(PolicyStage stage, Direction direction) => $"end/{StageNames.Of(stage)}/{StageNames.Of(direction)}";
}
