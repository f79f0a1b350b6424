using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using PreDnatAppliance.Dataplane.Interop;
using PreDnatAppliance.Dataplane.Stages;

namespace PreDnatAppliance.Dataplane.Workers;

/// <summary>The flag every worker checks once per round; set once to stop them all.</summary>
public sealed class StopSignal
{
    private volatile bool _requested;

    public bool IsRequested => _requested;

    public void Request() => _requested = true;
}

/// <summary>
/// One worker lcore's loop, DPDK skeleton style: for each (port, queue) it owns, RX a burst, run the stages,
/// TX per egress port with bounded retry, free what was not sent. Everything it touches per packet is native
/// memory allocated before the loop starts: no allocation, lock, exception or virtual call per packet (one
/// interface call per stage per burst). Counters are plain increments in this lcore's padded block.
/// </summary>
public sealed unsafe class PollLoop : IDisposable
{
    /// <summary>After a stop request, rounds to keep polling until the RX queues are empty (bounded: a net_null source never is).</summary>
    public const int MaxDrainRounds = 256;

    private readonly int _queueCount;
    private readonly ushort* _rxPorts;
    private readonly ushort* _rxQueues;
    private readonly ushort* _txQueueOfPort;   // by DPDK port id; Burst.NoPort = not a port of ours
    private readonly nint* _txBuffers;         // [port][capacity], for bursts with several egress ports
    private readonly int* _txCounts;           // by DPDK port id
    private readonly ushort* _touched;         // egress ports used by the current burst
    private readonly IBurstStage[] _stages;
    private readonly IdleHooks _idle;
    private readonly Burst _burst;
    private readonly StopSignal _stop;
    private readonly LcoreCounters* _counters;
    private readonly int _txRetries;
    private readonly ushort _burstSize;

    internal PollLoop(int workerIndex, int lcore, IReadOnlyList<(ushort Port, ushort Queue)> rxQueues,
        IReadOnlyList<ushort> ports, int txQueue, IReadOnlyList<IBurstStage> stages, int burstSize, int txRetries,
        StopSignal stop, LcoreCounters* counters)
    {
        WorkerIndex = workerIndex;
        Lcore = lcore;
        _queueCount = rxQueues.Count;
        _rxPorts = (ushort*)NativeMemory.Alloc((nuint)Math.Max(1, _queueCount), sizeof(ushort));
        _rxQueues = (ushort*)NativeMemory.Alloc((nuint)Math.Max(1, _queueCount), sizeof(ushort));
        for (var i = 0; i < _queueCount; i++)
        {
            _rxPorts[i] = rxQueues[i].Port;
            _rxQueues[i] = rxQueues[i].Queue;
        }
        _txQueueOfPort = (ushort*)NativeMemory.Alloc(Dpdk.MaxEthPorts, sizeof(ushort));
        new Span<ushort>(_txQueueOfPort, Dpdk.MaxEthPorts).Fill(Burst.NoPort);
        foreach (var p in ports)
            _txQueueOfPort[p] = (ushort)txQueue;
        _txBuffers = (nint*)NativeMemory.AlignedAlloc((nuint)(Dpdk.MaxEthPorts * burstSize * sizeof(nint)), 64);
        _txCounts = (int*)NativeMemory.AllocZeroed(Dpdk.MaxEthPorts, sizeof(int));
        _touched = (ushort*)NativeMemory.Alloc(Dpdk.MaxEthPorts, sizeof(ushort));
        _stages = stages.ToArray();
        _idle = new IdleHooks(_stages);
        _burst = new Burst(burstSize);
        _burstSize = (ushort)burstSize;
        _txRetries = txRetries;
        _stop = stop;
        _counters = counters;
        RxQueues = rxQueues;
    }

    public int WorkerIndex { get; }
    public int Lcore { get; }
    public IReadOnlyList<(ushort Port, ushort Queue)> RxQueues { get; }

    /// <summary>Set if the loop ended with an exception (reported by the control thread).</summary>
    public Exception? Failure { get; private set; }

    /// <summary>Set when <see cref="Run"/> returns.</summary>
    public ManualResetEventSlim Exited { get; } = new(false);

    /// <summary>The loop. Runs on the worker lcore's thread until the stop signal, then drains and returns.</summary>
    public int Run()
    {
        var c = _counters;
        try
        {
            Volatile.Write(ref c->Running, 1);
            // The first round that receives packets runs the stages' code for the first time, and the runtime's
            // one-time work then (compiling, type loading) has been seen to allocate a few tens of KB on this thread,
            // and only sometimes (CI: 24,624 bytes in one run of ten). It is reported apart; the steady count
            // starts after that round.
            var loopStart = GC.GetAllocatedBytesForCurrentThread();
            var steadyStart = loopStart;
            var warm = false;
            while (!_stop.IsRequested)
            {
                if (PollOnce() == 0)
                {
                    // An empty round is the idle stages' cue (e.g. a quiescent point for policy/service retirement).
                    _idle.Notify();
                }
                else if (!warm)
                {
                    warm = true;
                    steadyStart = GC.GetAllocatedBytesForCurrentThread();
                    c->WarmupAllocatedBytes = (ulong)(steadyStart - loopStart);
                }
            }
            // Drain: keep going until a whole round finds the RX queues empty (bounded).
            for (var round = 0; round < MaxDrainRounds; round++)
                if (PollOnce() == 0)
                    break;
            c->AllocatedBytes = (ulong)(GC.GetAllocatedBytesForCurrentThread() - steadyStart);
            return 0;
        }
        catch (Exception e)
        {
            Failure = e;
            return -1;
        }
        finally
        {
            Volatile.Write(ref c->Running, 0);
            Exited.Set();
        }
    }

    /// <summary>One round over this worker's RX queues; returns the packets received.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int PollOnce()
    {
        var c = _counters;
        var burst = _burst;
        var received = 0;
        for (var i = 0; i < _queueCount; i++)
        {
            var port = _rxPorts[i];
            var queue = _rxQueues[i];
            int n = Shim.pda_rx_burst(port, queue, burst.Mbufs, _burstSize);
            c->Polls++;
            if (n == 0)
                continue;
            c->BusyPolls++;
            c->RxPackets += (ulong)n;
            received += n;
            burst.Begin(port, queue, n, c);

            var stages = _stages;
            for (var s = 0; s < stages.Length && burst.Count > 0 && !burst.IsFinished; s++)
                stages[s].Process(burst);

            if (burst.Count > 0)
                Transmit(burst);
            if (burst.DroppedCount > 0)
                Dpdk.rte_pktmbuf_free_bulk(burst.Dropped, (uint)burst.DroppedCount);
        }
        return received;
    }

    private void Transmit(Burst burst)
    {
        var n = burst.Count;
        var egress = burst.Egress;
        var first = egress[0];
        if (new ReadOnlySpan<ushort>(egress, n).IndexOfAnyExcept(first) < 0)
        {
            Send(first, burst.Mbufs, n);
            return;
        }

        // Several egress ports: bucket by port (order kept within a port), then one TX burst per port.
        var touched = 0;
        var mbufs = burst.Mbufs;
        // In locals: the stores below could alias the fields as far as the JIT knows.
        var counts = _txCounts;
        var buffers = _txBuffers;
        var touchedPorts = _touched;
        int burstSize = _burstSize;
        for (var i = 0; i < n; i++)
        {
            var p = egress[i];
            if (p >= Dpdk.MaxEthPorts)
            {
                Send(Burst.NoPort, mbufs + i, 1);
                continue;
            }
            var k = counts[p];
            if (k == 0)
                touchedPorts[touched++] = p;
            buffers[p * burstSize + k] = mbufs[i];
            counts[p] = k + 1;
        }
        for (var t = 0; t < touched; t++)
        {
            var p = _touched[t];
            Send(p, _txBuffers + p * _burstSize, _txCounts[p]);
            _txCounts[p] = 0;
        }
    }

    private void Send(ushort port, nint* pkts, int n)
    {
        var c = _counters;
        if (port >= Dpdk.MaxEthPorts || _txQueueOfPort[port] == Burst.NoPort)
        {
            Dpdk.rte_pktmbuf_free_bulk(pkts, (uint)n);
            c->Drops[(int)DropReason.NoEgress] += (ulong)n;
            return;
        }
        var queue = _txQueueOfPort[port];
        int sent = Shim.pda_tx_burst(port, queue, pkts, (ushort)n);
        var retries = 0;
        while (sent < n && retries < _txRetries)
        {
            sent += Shim.pda_tx_burst(port, queue, pkts + sent, (ushort)(n - sent));
            retries++;
        }
        c->TxRetries += (ulong)retries;
        c->TxPackets += (ulong)sent;
        if (sent < n)
        {
            Dpdk.rte_pktmbuf_free_bulk(pkts + sent, (uint)(n - sent));
            c->Drops[(int)DropReason.TxFull] += (ulong)(n - sent);
        }
    }

    public void Dispose()
    {
        _burst.Dispose();
        NativeMemory.Free(_rxPorts);
        NativeMemory.Free(_rxQueues);
        NativeMemory.Free(_txQueueOfPort);
        NativeMemory.AlignedFree(_txBuffers);
        NativeMemory.Free(_txCounts);
        NativeMemory.Free(_touched);
        Exited.Dispose();
    }

    // ---- launching on an EAL lcore --------------------------------------------------------------------

    private static readonly PollLoop?[] LaunchedByLcore = new PollLoop?[Dpdk.MaxLcore];

    /// <summary>Starts the loop on its lcore's EAL thread (<c>rte_eal_remote_launch</c>).</summary>
    internal void Launch()
    {
        LaunchedByLcore[Lcore] = this;
        var rc = Dpdk.rte_eal_remote_launch(&LcoreEntry, (void*)Lcore, (uint)Lcore);
        if (rc != 0)
        {
            LaunchedByLcore[Lcore] = null;
            throw new DataplaneException($"rte_eal_remote_launch on lcore {Lcore}: {Dpdk.StrError(rc)} ({rc})");
        }
    }

    [UnmanagedCallersOnly(CallConvs = new[] { typeof(CallConvCdecl) })]
    private static int LcoreEntry(void* arg)
    {
        var loop = LaunchedByLcore[(int)(nint)arg];
        if (loop is null)
            return -1;
        try
        {
            Thread.CurrentThread.Name ??= $"pda-lcore-{loop.Lcore}";
        }
        catch (InvalidOperationException)
        {
        }
        return loop.Run();
    }
}
