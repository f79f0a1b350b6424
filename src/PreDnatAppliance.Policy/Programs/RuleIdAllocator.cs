namespace PreDnatAppliance.Policy.Programs;

/// <summary>Hands out RuleIds from identity keys, re-salting on the rare 32-bit collision so that IDs stay unique.</summary>
public sealed class RuleIdAllocator
{
    private readonly Dictionary<RuleId, string> _keysById = new();
    private readonly Dictionary<string, RuleId> _idsByKey = new(StringComparer.Ordinal);

    public IReadOnlyDictionary<RuleId, string> Keys => _keysById;

    public RuleId For(string key)
    {
        if (_idsByKey.TryGetValue(key, out var known))
            return known;
        for (uint salt = 0; ; salt++)
        {
            var id = RuleId.FromKey(key, salt);
            if (_keysById.ContainsKey(id))
                continue;
            _keysById.Add(id, key);
            _idsByKey.Add(key, id);
            return id;
        }
    }

    public static string PolicyRuleKey(string ownerKey, Direction direction, int index) => $"{ownerKey}/{StageNames.Of(direction)}/{index}";
    public static string TierEndKey(PolicyStage stage, Direction direction, string tier) => $"tier-end/{StageNames.Of(stage)}/{StageNames.Of(direction)}/{tier}";
    public static string ProgramEndKey(PolicyStage stage, Direction direction) => $"end/{StageNames.Of(stage)}/{StageNames.Of(direction)}";
}
