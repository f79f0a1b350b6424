using PreDnatAppliance.Pipeline.Services;
using PreDnatAppliance.Pipeline.Stages;

namespace PreDnatAppliance.Pipeline.Runtime.Counters;

/// <summary>A rule as its counters report it (the latest registration of its RuleId).</summary>
public sealed record RuleCounterInfo(string Owner, string Description, string RuleId, string? Source);

/// <summary>A service port as its counters report it: both IP families of a port count together.</summary>
public sealed record ServiceCounterKey(string Namespace, string Name, string PortName, string Protocol);

/// <summary>
/// The pipeline counters of every worker of a runtime (<see cref="ApplianceRuntime.Counters"/>): one
/// <see cref="WorkerCounters"/> block per worker, the stable rule and service slots, and <see cref="ReadTotal"/>,
/// the sum over all workers for metrics. Slot capacities are fixed when the runtime is built
/// (<see cref="RuntimeOptions.RuleCounterSlots"/>, <see cref="RuntimeOptions.ServiceCounterSlots"/>).
/// </summary>
public sealed class PipelineCounterSet : IDisposable
{
    private readonly object _lock = new();
    private WorkerCounters[] _workers = Array.Empty<WorkerCounters>();
    private bool _disposed;

    public PipelineCounterSet(int serviceSlots, int ruleSlots)
    {
        Rules = new CounterSlotRegistry<ulong, RuleCounterInfo>(ruleSlots);
        Services = new CounterSlotRegistry<ServiceCounterKey, ServiceCounterKey>(serviceSlots);
    }

    /// <summary>RuleId (48 bits) to slot.</summary>
    public CounterSlotRegistry<ulong, RuleCounterInfo> Rules { get; }

    /// <summary>(namespace, name, port name, protocol) to slot.</summary>
    public CounterSlotRegistry<ServiceCounterKey, ServiceCounterKey> Services { get; }

    public int Workers => Volatile.Read(ref _workers).Length;

    /// <summary>A new worker's block (control side, when a worker is built).</summary>
    public WorkerCounters CreateWorker()
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var block = WorkerCounters.Allocate(Services.Capacity, Rules.Capacity);
            Volatile.Write(ref _workers, _workers.Append(block).ToArray());
            return block;
        }
    }

    /// <summary>The slot of each entry of a policy's rule catalog (indexes as the classifiers report them).</summary>
    public int[] RuleSlotsOf(IReadOnlyList<TraceRule> rules)
    {
        var slots = new int[rules.Count];
        for (var i = 0; i < slots.Length; i++)
        {
            var r = rules[i];
            slots[i] = Rules.SlotOf(r.Key, new RuleCounterInfo(r.Owner, r.Description, r.RuleId, r.Source));
        }
        return slots;
    }

    /// <summary>The slot of each service port of a table (<see cref="ServiceDecision.ServiceIndex"/> order).</summary>
    public int[] ServiceSlotsOf(ServiceTable table)
    {
        var slots = new int[table.Ports.Count];
        for (var i = 0; i < slots.Length; i++)
        {
            var p = table.Ports[i];
            var key = new ServiceCounterKey(p.Service.Namespace, p.Service.Name, p.PortName, p.Port.Protocol.ToString().ToUpperInvariant());
            slots[i] = Services.SlotOf(key, key);
        }
        return slots;
    }

    /// <summary>The sum over all workers (allocates the snapshot; the workers go on counting meanwhile).</summary>
    public PipelineCountersSnapshot ReadTotal()
    {
        var workers = Volatile.Read(ref _workers);
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var stages = WorkerCounters.StageCount;
            var verdicts = WorkerCounters.VerdictCount;
            var scalars = new ulong[WorkerCounters.ScalarCount];
            var verdictTotals = new ulong[stages * verdicts];
            var ruleInfos = Rules.Infos();
            var serviceInfos = Services.Infos();
            var ruleTotals = new ulong[ruleInfos.Length * stages];
            var serviceTotals = new ulong[serviceInfos.Length * 2];
            foreach (var w in workers)
            {
                for (var i = 0; i < scalars.Length; i++)
                    scalars[i] += w.Scalar(i);
                for (var s = 0; s < stages; s++)
                    for (var v = 0; v < verdicts; v++)
                        verdictTotals[s * verdicts + v] += w.VerdictCountOf(s, v);
                for (var slot = 0; slot < ruleInfos.Length; slot++)
                    for (var s = 0; s < stages; s++)
                        ruleTotals[slot * stages + s] += w.RuleHits(slot, s);
                for (var slot = 0; slot < serviceInfos.Length; slot++)
                {
                    serviceTotals[slot * 2] += w.Translations(slot);
                    serviceTotals[slot * 2 + 1] += w.NoBackend(slot);
                }
            }

            var stageVerdicts = new List<StageVerdictCount>();
            for (var s = 0; s < stages; s++)
                for (var v = 0; v < verdicts; v++)
                    if (verdictTotals[s * verdicts + v] is var packets and > 0)
                        stageVerdicts.Add(new StageVerdictCount(PacketTrace.Name((TraceStage)s), PacketTrace.Name((TraceVerdict)v), packets));
            var ruleHits = new List<RuleHitCount>();
            for (var slot = 0; slot < ruleInfos.Length; slot++)
                for (var s = 0; s < stages; s++)
                    if (ruleTotals[slot * stages + s] is var hits and > 0)
                    {
                        var info = ruleInfos[slot] ?? Overflow;
                        ruleHits.Add(new RuleHitCount(PacketTrace.Name((TraceStage)s), info.Owner, info.Description, info.RuleId, info.Source, hits));
                    }
            var serviceHits = new List<ServiceHitCount>();
            for (var slot = 0; slot < serviceInfos.Length; slot++)
            {
                var translations = serviceTotals[slot * 2];
                var noBackend = serviceTotals[slot * 2 + 1];
                if (translations == 0 && noBackend == 0)
                    continue;
                var key = serviceInfos[slot] ?? new ServiceCounterKey("", OverflowName, "", "");
                serviceHits.Add(new ServiceHitCount(key.Namespace, key.Name, key.PortName, key.Protocol, translations, noBackend));
            }
            return new PipelineCountersSnapshot(stageVerdicts, ruleHits, serviceHits,
                scalars[WorkerCounters.RejectsSentIndex], scalars[WorkerCounters.RejectsSuppressedIndex], scalars[WorkerCounters.PuntedIndex]);
        }
    }

    /// <summary>The name reported for the overflow slot (hits of keys that found the registry full).</summary>
    public const string OverflowName = "(overflow)";

    private static readonly RuleCounterInfo Overflow = new(OverflowName, "", "", null);

    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed)
                return;
            _disposed = true;
            foreach (var w in _workers)
                w.Free();
        }
    }
}
