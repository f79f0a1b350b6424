namespace PreDnatAppliance.Tests.Shared;

/// <summary>How many bytes the current thread allocates running a piece of code, for the zero-allocation tests.</summary>
public static class Allocations
{
    /// <summary>
    /// Runs <paramref name="body"/> up to <paramref name="attempts"/> times and returns the bytes the last attempt
    /// allocated, stopping at the first attempt that allocated nothing. The runtime can allocate once on the measuring
    /// thread when tiered compilation promotes a method mid-measurement; an allocation per packet or burst shows up in
    /// every attempt, so the tests still fail on it.
    /// </summary>
    public static long Settled(Action body, int attempts = 3)
    {
        long allocated = -1;
        for (var attempt = 0; attempt < attempts && allocated != 0; attempt++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            body();
            allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        }
        return allocated;
    }
}
