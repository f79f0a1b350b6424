namespace PreDnatAppliance.Dataplane.Stages;

/// <summary>
/// A stage that wants to know when its worker has nothing to do: called once per poll round that received no
/// packet on any of the worker's queues (never per packet or per burst). The pipeline uses it to report a quiescent
/// point, so that a worker without traffic does not hold up the retirement of a swapped policy or service table.
/// </summary>
public interface IIdleAware
{
    void OnIdle();
}

/// <summary>The <see cref="IIdleAware"/> stages of one worker, collected once when its loop is built.</summary>
public sealed class IdleHooks
{
    private readonly IIdleAware[] _stages;

    public IdleHooks(IEnumerable<IBurstStage> stages) => _stages = stages.OfType<IIdleAware>().ToArray();

    public bool IsEmpty => _stages.Length == 0;

    /// <summary>The worker's last poll round received nothing.</summary>
    public void Notify()
    {
        foreach (var stage in _stages)
            stage.OnIdle();
    }
}
