using PreDnatAppliance.Pipeline.Runtime;

namespace PreDnatAppliance.Replay.Tests.Infrastructure;

/// <summary>A burst clock (nanoseconds) that advances 1 ms per burst: the same times however a run is traced or timed.</summary>
public sealed class SteppedClock : IPipelineClock
{
    private long _now = 1_000_000_000;
    public long Now() => _now += 1_000_000;
}
