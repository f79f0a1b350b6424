using BenchmarkDotNet.Attributes;
using PreDnatAppliance.Pipeline.Conntrack;
using PreDnatAppliance.Pipeline.Flows;

namespace PreDnatAppliance.ConntrackBench;

/// <summary>Batch lookups (32 packets, as a burst) at 1M flows: keys of either direction that are in the table, and keys that are not.</summary>
[SimpleJob(warmupCount: 3, iterationCount: 9)]
[MemoryDiagnoser]
public class ConntrackLookupBenchmarks
{
    private const int PerInvoke = 1 << 14;
    private ConntrackTable _table = null!;
    private ConntrackWorker _worker = null!;
    private FlowKey[] _hits = null!, _misses = null!;
    private readonly byte[] _flags = new byte[32];
    private readonly CtResult[] _results = new CtResult[32];
    private int _hitOffset, _missOffset;

    [Params(Flows.DefaultFlows)]
    public int FlowCount { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _table = new ConntrackTable(new ConntrackOptions { Capacity = FlowCount });
        _worker = _table.CreateWorker();
        var (originals, nats, hits, misses) = Flows.Build(FlowCount, Flows.Lookups);
        _hits = hits;
        _misses = misses;
        for (var i = 0; i < originals.Length; i++)
            _worker.Commit(originals[i], nats[i], 0, 1, out _);
        // Both directions seen once, so the measured lookups are steady-state (no first-reply state change).
        for (var i = 0; i < _hits.Length; i += 32)
            _worker.Lookup(_hits.AsSpan(i, 32), _flags, default, default, _results, 1);
    }

    [GlobalCleanup]
    public void Cleanup() => _table.Dispose();

    [Benchmark(OperationsPerInvoke = PerInvoke)]
    public int LookupHit()
    {
        var o = _hitOffset;
        var found = 0;
        for (var i = 0; i < PerInvoke; i += 32)
        {
            _worker.Lookup(_hits.AsSpan(o + i, 32), _flags, default, default, _results, 1);
            found += _results[0].Entry;
        }
        _hitOffset = (o + PerInvoke) % _hits.Length;
        return found;
    }

    [Benchmark(OperationsPerInvoke = PerInvoke)]
    public int LookupMiss()
    {
        var o = _missOffset;
        var found = 0;
        for (var i = 0; i < PerInvoke; i += 32)
        {
            _worker.Lookup(_misses.AsSpan(o + i, 32), _flags, default, default, _results, 1);
            found += _results[0].Entry;
        }
        _missOffset = (o + PerInvoke) % _misses.Length;
        return found;
    }
}

/// <summary>Inserts (Commit: entry + both directions' keys) of 1M flows into an empty table of 1M entries.</summary>
[SimpleJob(warmupCount: 1, iterationCount: 5, invocationCount: 1)]
[MemoryDiagnoser]
public class ConntrackInsertBenchmarks
{
    private ConntrackTable? _table;
    private ConntrackWorker _worker = null!;
    private FlowKey[] _originals = null!;
    private NatRewrite[] _nats = null!;

    [Params(Flows.DefaultFlows)]
    public int FlowCount { get; set; }

    [GlobalSetup]
    public void Setup() => (_originals, _nats, _, _) = Flows.Build(FlowCount, 32);

    [IterationSetup]
    public void NewTable()
    {
        _table?.Dispose();
        _table = new ConntrackTable(new ConntrackOptions { Capacity = FlowCount });
        _worker = _table.CreateWorker();
    }

    [GlobalCleanup]
    public void Cleanup() => _table?.Dispose();

    [Benchmark(OperationsPerInvoke = Flows.DefaultFlows)]
    public int Insert()
    {
        var inserted = 0;
        for (var i = 0; i < _originals.Length; i++)
            if (_worker.Commit(_originals[i], _nats[i], 0, 1, out _) == CtCommitStatus.Inserted)
                inserted++;
        return inserted;
    }
}
