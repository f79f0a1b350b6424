using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace PreDnatAppliance.Pipeline.Qsbr;

/// <summary>
/// Publishes an immutable object to the workers and tells the control side when a replaced one is out of use, by
/// quiescent-state-based reclamation (QSBR; the scheme of DPDK's rte_rcu_qsbr and of Linux RCU).
///
/// Workers (one per lcore) read <see cref="Current"/> once per burst and drop the reference before their quiescent
/// point, then call <see cref="Quiescent"/>: one volatile read of the global epoch and one volatile write to the
/// worker's own cache line. No locks, no allocation, no interlocked operation.
///
/// <see cref="Publish"/> swaps the reference (in-flight bursts finish on the old object, the next burst sees the new
/// one; nothing stalls or drops), bumps the epoch, and queues the old object for retirement. It retires once every
/// online worker has reported an epoch at least that new, that is, has passed a quiescent point after the swap: from
/// then on no worker can still be using it.
/// </summary>
/// <typeparam name="T">What is published.</typeparam>
/// <typeparam name="TSwap">What a swap reports (the old and new objects, and whatever retirement should act on).</typeparam>
public class QsbrPublisher<T, TSwap> where T : class where TSwap : QsbrRetirement
{
    /// <summary>A worker's epoch while it is offline (or the slot is unused): never holds up retirement.</summary>
    private const long OfflineEpoch = long.MaxValue;

    private readonly WorkerSlot[] _workers;
    private readonly bool[] _registered;
    private readonly object _control = new();
    private readonly List<TSwap> _pending = new();
    private T _current;
    private long _epoch = 1;

    public QsbrPublisher(T initial, int maxWorkers = 64)
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

    /// <summary>The object to use for this burst. Do not keep it past the next <see cref="Quiescent"/> call.</summary>
    public T Current
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Volatile.Read(ref _current);
    }

    /// <summary>The global epoch: bumped by every swap and by <see cref="Synchronize"/>.</summary>
    public long Epoch => Volatile.Read(ref _epoch);

    /// <summary>Raised on the control thread (inside <see cref="ProcessRetirements"/>) when a swapped-out object is retired.</summary>
    public event Action<TSwap>? Retired;

    /// <summary>Raised on the control thread just before an object becomes visible to the workers (to attach what they read with it).</summary>
    public event Action<T>? Publishing;

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

    /// <summary>Frees a worker's slot (it must not touch the published object any more).</summary>
    public void UnregisterWorker(int worker)
    {
        lock (_control)
        {
            _registered[worker] = false;
            Volatile.Write(ref _workers[worker].Seen, OfflineEpoch);
        }
    }

    /// <summary>
    /// The worker holds no reference to the published object: called between bursts. Every reference it took before
    /// this call is dead; the next burst reads <see cref="Current"/> anew.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Quiescent(int worker) => Volatile.Write(ref _workers[worker].Seen, Volatile.Read(ref _epoch));

    /// <summary>The worker goes idle (e.g. sleeps on an empty queue) and will not read <see cref="Current"/> until <see cref="Online"/>.</summary>
    public void Offline(int worker) => Volatile.Write(ref _workers[worker].Seen, OfflineEpoch);

    /// <summary>The worker is back; the full fence orders its next <see cref="Current"/> read after this.</summary>
    public void Online(int worker) => Interlocked.Exchange(ref _workers[worker].Seen, Volatile.Read(ref _epoch));

    // ---- control side -------------------------------------------------------------------------------------------

    /// <summary>
    /// Publishes <paramref name="next"/> and returns the swap <paramref name="describe"/> makes of (old, next, epoch
    /// every worker must reach for the old one to retire). Retirement is reported by <see cref="ProcessRetirements"/>,
    /// <see cref="WaitForQuiescence"/>, the <see cref="Retired"/> event and <see cref="QsbrRetirement.Retirement"/>.
    /// </summary>
    public TSwap Publish(T next, Func<T, T, long, TSwap> describe)
    {
        ArgumentNullException.ThrowIfNull(next);
        TSwap swap;
        lock (_control)
        {
            Publishing?.Invoke(next);
            var old = Interlocked.Exchange(ref _current, next);
            var epoch = Interlocked.Increment(ref _epoch);
            swap = describe(old, next, epoch);
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
        List<TSwap>? done = null;
        lock (_control)
        {
            // Swaps retire in order: a later epoch cannot be passed before an earlier one.
            while (_pending.Count > 0 && HasQuiesced(_pending[0].Epoch))
            {
                (done ??= new List<TSwap>()).Add(_pending[0]);
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
}

/// <summary>One worker's epoch on its own 128-byte block (no false sharing with its neighbours' writes; outside the generic publisher, which cannot have an explicit layout).</summary>
[StructLayout(LayoutKind.Explicit, Size = 128)]
internal struct WorkerSlot
{
    [FieldOffset(64)]
    public long Seen;
}

/// <summary>One swap of a <see cref="QsbrPublisher{T, TSwap}"/> and its retirement.</summary>
public abstract class QsbrRetirement
{
    private readonly TaskCompletionSource _retired = new(TaskCreationOptions.RunContinuationsAsynchronously);

    protected QsbrRetirement(long epoch) => Epoch = epoch;

    /// <summary>Every online worker must report this epoch (or later) before the old object retires.</summary>
    public long Epoch { get; }

    public bool IsRetired => _retired.Task.IsCompleted;

    /// <summary>Completes when the old object is retired.</summary>
    public Task Retirement => _retired.Task;

    internal void MarkRetired() => _retired.TrySetResult();
}
