namespace PreDnatAppliance.Dataplane.Stages;

/// <summary>
/// A step of the packet pipeline, called once per burst (one interface call per burst, never per packet).
/// Stages run in order on the worker that received the burst; each worker has its own instances, so a stage
/// may keep per-lcore scratch state (a HeaderBatch, counters) without locks. A stage must not allocate,
/// lock or throw on the packet path; see <see cref="Burst"/> for how it routes, drops and compacts.
/// </summary>
public interface IBurstStage
{
    string Name { get; }

    void Process(Burst burst);
}

/// <summary>What a pipeline factory knows when it builds one worker's stages.</summary>
public sealed class PipelineContext
{
    internal PipelineContext(int workerIndex, int lcore, IReadOnlyList<Ports.PortInfo> ports)
    {
        WorkerIndex = workerIndex;
        Lcore = lcore;
        Ports = ports;
    }

    public int WorkerIndex { get; }
    public int Lcore { get; }

    /// <summary>Every configured port, with its DPDK port id, name and role.</summary>
    public IReadOnlyList<Ports.PortInfo> Ports { get; }

    public Ports.PortInfo Port(string name) =>
        Ports.FirstOrDefault(p => p.Name == name) ?? throw new ArgumentException($"no port is named '{name}'", nameof(name));
}

/// <summary>Builds the stages of one worker (called once per worker, before the loop starts).</summary>
public delegate IReadOnlyList<IBurstStage> PipelineFactory(PipelineContext context);
