using PreDnatAppliance.Dataplane.Stages;
using PreDnatAppliance.Dataplane.Workers;

namespace PreDnatAppliance.Pipeline.Offline;

/// <summary>Starting a burst by hand (benchmarks): what the poll loop does after an RX burst.</summary>
internal static unsafe class OfflineBursts
{
    /// <summary>Starts <paramref name="burst"/> with the <paramref name="count"/> mbufs already in <c>burst.Mbufs</c>, counting into worker 0 of <paramref name="counters"/>.</summary>
    public static void Begin(Burst burst, ushort port, int count, LcoreCounterSet counters) =>
        burst.Begin(port, 0, count, counters.Get(0));
}
