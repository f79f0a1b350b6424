using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace PreDnatAppliance.Pipeline.Services;

/// <summary>
/// Publishes the current <see cref="ServiceTable"/> to the workers and tells the control side when an old table
/// is out of use, by quiescent-state-based reclamation (QSBR).
///
/// Workers (one per lcore) call <see cref="Current"/> once per burst and drop the reference before their
/// quiescent point, then call <see cref="Quiescent"/> after each burst: one volatile read of the global epoch and
/// one volatile write to the worker's own cache line. No locks, no allocation, no interlocked operation.
///
/// <see cref="Reload"/> swaps the table by reference (in-flight bursts finish on the old one, the next burst sees
/// the new one; nothing stalls or drops), bumps the epoch, and queues the old table for retirement. The old table
/// is retired once every online worker has reported an epoch at least that new, that is, has passed a quiescent
/// point after the swap: from then on no worker can still be deciding with it. That is the point at which
/// conntrack may purge flows to <see cref="ServiceSwap.RemovedBackends"/> without a worker still creating new ones
/// from the old table behind it. (The tables themselves are managed memory: the GC frees them once unreferenced;
/// QSBR orders the purge, and would guard native memory if a table ever held some.)
/// </summary>
public sealed class ServiceTableHolder
{
    /// <summary>A worker's epoch while it is offline (or the slot is unused): never holds up retirement.</summary>
    private const long OfflineEpoch = long.MaxValue;

    private readonly WorkerSlot[] _workers;
    private readonly bool[] _registered;
    private readonly object _control = new();
    private readonly List<ServiceSwap> _pending = new();
    private ServiceTable _current;
    private long _epoch = 1;

    public ServiceTableHolder(ServiceTable initial, int maxWorkers = 64)
    {
        ArgumentNullException.ThrowIfNull(initial);
        if (maxWorkers is < 1 or > 1024)
            throw new ArgumentOutOfRangeException(nameof(maxWorkers));
        _current = initial;
        _workers = new WorkerSlot[maxWorkers];
        _registered = new bool[maxWorkers];
        for (var i = 0; i < maxWorkers; i++)
            _workers[i].Seen = OfflineEpoch;
    }

    /// <summary>The table to use for this burst. Do not keep it past the next <see cref="Quiescent"/> call.</summary>
    public ServiceTable Current
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Volatile.Read(ref _current);
    }

    /// <summary>The global epoch: bumped by every swap and by <see cref="Synchronize"/>.</summary>
    public long Epoch => Volatile.Read(ref _epoch);

    /// <summary>Raised on the control thread (inside <see cref="ProcessRetirements"/>) when a swapped-out table is retired.</summary>
    public event Action<ServiceSwap>? Retired;

    /// <summary>Raised on the control thread just before a table becomes visible to the workers (to attach what they read with it).</summary>
    public event Action<ServiceTable>? Publishing;

    /// <summary>Swaps not yet retired.</summary>
    public int PendingRetirements
    {
        get
        {
            lock (_control)
                return _pending.Count;
        }
    }

    // ---- worker side --------------------------------------------------------------------------------------------

    /// <summary>Registers a worker (control path, before it starts polling); the worker is online from now on.</summary>
    public int RegisterWorker()
    {
        lock (_control)
        {
            for (var i = 0; i < _registered.Length; i++)
            {
                if (_registered[i])
                    continue;
                _registered[i] = true;
                Interlocked.Exchange(ref _workers[i].Seen, Volatile.Read(ref _epoch));
                return i;
            }
        }
        throw new InvalidOperationException($"all {_workers.Length} worker slots are taken");
    }

    /// <summary>Frees a worker's slot (it must not touch tables any more).</summary>
    public void UnregisterWorker(int worker)
    {
        lock (_control)
        {
            _registered[worker] = false;
            Volatile.Write(ref _workers[worker].Seen, OfflineEpoch);
        }
    }

    /// <summary>
    /// The worker holds no table reference: called after each burst. Every reference it took before this call is
    /// dead; the next burst reads <see cref="Current"/> anew.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Quiescent(int worker) => Volatile.Write(ref _workers[worker].Seen, Volatile.Read(ref _epoch));

    /// <summary>The worker goes idle (e.g. sleeps on an empty queue) and will not touch tables until <see cref="Online"/>.</summary>
    public void Offline(int worker) => Volatile.Write(ref _workers[worker].Seen, OfflineEpoch);

    /// <summary>The worker is back; the full fence orders its next <see cref="Current"/> read after this.</summary>
    public void Online(int worker) => Interlocked.Exchange(ref _workers[worker].Seen, Volatile.Read(ref _epoch));

    // ---- control side -------------------------------------------------------------------------------------------

    /// <summary>
    /// Publishes <paramref name="next"/>. Returns the swap: the old table, the epoch every worker must reach for it
    /// to retire, and the backends that went away. Retirement is reported by <see cref="ProcessRetirements"/>,
    /// <see cref="WaitForQuiescence"/>, the <see cref="Retired"/> event and <see cref="ServiceSwap.Retirement"/>.
    /// </summary>
    public ServiceSwap Reload(ServiceTable next)
    {
        ArgumentNullException.ThrowIfNull(next);
        ServiceSwap swap;
        lock (_control)
        {
            Publishing?.Invoke(next);
            var old = Interlocked.Exchange(ref _current, next);
            var epoch = Interlocked.Increment(ref _epoch);
            swap = new ServiceSwap(old, next, epoch, ServiceTable.RemovedBackends(old, next));
            _pending.Add(swap);
        }
        ProcessRetirements();
        return swap;
    }

    /// <summary>Whether every online worker has passed a quiescent point at or after <paramref name="epoch"/>.</summary>
    public bool HasQuiesced(long epoch)
    {
        for (var i = 0; i < _workers.Length; i++)
        {
            if (Volatile.Read(ref _workers[i].Seen) < epoch)
                return false;
        }
        return true;
    }

    /// <summary>Waits (control thread only) until every online worker passed <paramref name="epoch"/>; false on timeout.</summary>
    public bool WaitForQuiescence(long epoch, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        var spin = new SpinWait();
        while (!HasQuiesced(epoch))
        {
            if (clock.Elapsed >= timeout)
                return false;
            if (spin.Count < 20)
                spin.SpinOnce(sleep1Threshold: -1);
            else
                Thread.Sleep(1);
        }
        ProcessRetirements();
        return true;
    }

    /// <summary>A grace period: bumps the epoch and waits until every online worker passed it.</summary>
    public bool Synchronize(TimeSpan timeout) => WaitForQuiescence(Interlocked.Increment(ref _epoch), timeout);

    /// <summary>Retires every pending swap whose epoch all workers passed, oldest first; returns how many.</summary>
    public int ProcessRetirements()
    {
        List<ServiceSwap>? done = null;
        lock (_control)
        {
            // Swaps retire in order: a later epoch cannot be passed before an earlier one.
            while (_pending.Count > 0 && HasQuiesced(_pending[0].Epoch))
            {
                (done ??= new List<ServiceSwap>()).Add(_pending[0]);
                _pending.RemoveAt(0);
            }
        }
        if (done is null)
            return 0;
        foreach (var swap in done)
        {
            swap.MarkRetired();
            Retired?.Invoke(swap);
        }
        return done.Count;
    }

    /// <summary>One worker's epoch on its own 128-byte block (no false sharing with its neighbours' writes).</summary>
    [StructLayout(LayoutKind.Explicit, Size = 128)]
    private struct WorkerSlot
    {
        [FieldOffset(64)]
        public long Seen;
    }
}

/// <summary>One table swap and its retirement.</summary>
public sealed class ServiceSwap
{
    private readonly TaskCompletionSource _retired = new(TaskCreationOptions.RunContinuationsAsynchronously);

    internal ServiceSwap(ServiceTable old, ServiceTable next, long epoch, IReadOnlyList<RemovedBackend> removed)
    {
        Old = old;
        New = next;
        Epoch = epoch;
        RemovedBackends = removed;
    }

    public ServiceTable Old { get; }
    public ServiceTable New { get; }

    /// <summary>Every online worker must report this epoch (or later) before <see cref="Old"/> retires.</summary>
    public long Epoch { get; }

    /// <summary>Backends the swap took away from their service port: conntrack purges UDP flows to them after retirement.</summary>
    public IReadOnlyList<RemovedBackend> RemovedBackends { get; }

    public bool IsRetired => _retired.Task.IsCompleted;

    /// <summary>Completes when <see cref="Old"/> is retired.</summary>
    public Task Retirement => _retired.Task;

    internal void MarkRetired() => _retired.TrySetResult();
}
