using PreDnatAppliance.Pipeline.Qsbr;

namespace PreDnatAppliance.Pipeline.Services;

/// <summary>
/// Publishes the current <see cref="ServiceTable"/> to the workers by quiescent-state-based reclamation
/// (<see cref="QsbrPublisher{T, TSwap}"/>: workers read <see cref="QsbrPublisher{T, TSwap}.Current"/> once per burst
/// and call <see cref="QsbrPublisher{T, TSwap}.Quiescent"/> after it).
///
/// <see cref="Reload"/> swaps the table; the old table is retired once every online worker has passed a quiescent
/// point after the swap: from then on no worker can still be deciding with it. That is the point at which conntrack
/// may purge flows to <see cref="ServiceSwap.RemovedBackends"/> without a worker still creating new ones from the old
/// table behind it. (The tables themselves are managed memory: the GC frees them once unreferenced; QSBR orders the
/// purge, and would guard native memory if a table ever held some.)
/// </summary>
public sealed class ServiceTableHolder : QsbrPublisher<ServiceTable, ServiceSwap>
{
    public ServiceTableHolder(ServiceTable initial, int maxWorkers = 64)
        : base(initial, maxWorkers)
    {
    }

    /// <summary>
    /// Publishes <paramref name="next"/>. Returns the swap: the old table, the epoch every worker must reach for it
    /// to retire, and the backends that went away.
    /// </summary>
    public ServiceSwap Reload(ServiceTable next) =>
        Publish(next, static (old, table, epoch) => new ServiceSwap(old, table, epoch, ServiceTable.RemovedBackends(old, table)));
}

/// <summary>One table swap and its retirement.</summary>
public sealed class ServiceSwap : QsbrRetirement
{
    internal ServiceSwap(ServiceTable old, ServiceTable next, long epoch, IReadOnlyList<RemovedBackend> removed)
        : base(epoch)
    {
        Old = old;
        New = next;
        RemovedBackends = removed;
    }

    public ServiceTable Old { get; }
    public ServiceTable New { get; }

    /// <summary>Backends the swap took away from their service port: conntrack purges UDP flows to them after retirement.</summary>
    public IReadOnlyList<RemovedBackend> RemovedBackends { get; }
}
