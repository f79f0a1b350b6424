namespace PreDnatAppliance.Pipeline.Runtime.Counters;

/// <summary>
/// Stable counter slots: a key (a rule's 48-bit RuleId, a service port's identity) keeps its slot for the life of the
/// runtime, across policy swaps and service reloads, so a counter exported for a key only ever grows. Slots are
/// handed out on the control side (building a policy snapshot or a service table), never on the data path; slot 0
/// is the overflow slot, used once every slot is taken. A key's description is the latest one registered.
/// </summary>
public sealed class CounterSlotRegistry<TKey, TInfo> where TKey : notnull
{
    private readonly object _lock = new();
    private readonly Dictionary<TKey, int> _slots = new();
    private readonly List<TInfo?> _infos = new() { default };

    public CounterSlotRegistry(int capacity)
    {
        if (capacity < 2)
            throw new ArgumentOutOfRangeException(nameof(capacity), "at least the overflow slot and one more");
        Capacity = capacity;
    }

    /// <summary>Slots including the overflow slot 0.</summary>
    public int Capacity { get; }

    /// <summary>The slot of <paramref name="key"/> (assigned on first sight), or 0 when the registry is full.</summary>
    public int SlotOf(TKey key, TInfo info)
    {
        lock (_lock)
        {
            if (_slots.TryGetValue(key, out var slot))
            {
                _infos[slot] = info;
                return slot;
            }
            if (_infos.Count == Capacity)
                return 0;
            slot = _infos.Count;
            _slots[key] = slot;
            _infos.Add(info);
            return slot;
        }
    }

    /// <summary>Every assigned slot's description, indexed by slot (index 0: the overflow slot, default).</summary>
    public TInfo?[] Infos()
    {
        lock (_lock)
            return _infos.ToArray();
    }
}
