namespace PreDnatAppliance.Pipeline.Tests;

/// <summary>
/// Tests that measure process-wide memory (GC heap size) run with no other test class in parallel, since any
/// concurrent test's allocations would show up in their measurement.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MeasurementCollection
{
    public const string Name = "process-wide measurements";
}
