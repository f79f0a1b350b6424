using PreDnatAppliance.Tests.Shared;
using PreDnatAppliance.Classification;
using PreDnatAppliance.PolicySelfTest;
using PreDnatAppliance.Generator.Tests.Infrastructure;

namespace PreDnatAppliance.Generator.Tests;

/// <summary>What the table strategy promises beyond verdicts: no allocation per burst, on any path, whatever the lanes.</summary>
public sealed class TableStrategyTests
{
    [Fact]
    public void Table_programs_allocate_nothing_per_burst()
    {
        var (_, output) = GeneratorHarness.Run(TestPaths.Scenario("table-strategy"), "TableStrategyAllocation");
        using var loaded = GeneratorHarness.CompileAndLoad(output);
        var tables = loaded.Policy.Classifiers.Where(ClassifierChecker.UsesTable).ToArray();
        Assert.NotEmpty(tables);

        var batch = new HeaderBatch { Count = 32 };
        var random = new Random(7);
        for (var i = 0; i < batch.Count; i++)
        {
            // IPv4 (some ICMP, which the scenario routes to the scalar evaluator), IPv6 and non-IP lanes.
            if (i % 8 == 7)
                batch.SetV6(i, 0x20010db800000000ul, (ulong)random.NextInt64(), 0x20010db800000000ul, 1, 6, 40000, 443);
            else
                batch.SetV4(i, 0xc0000200u | (uint)random.Next(256), 0xc0000201u, (byte)(i % 5 == 0 ? 1 : 6), (ushort)random.Next(1, 65536), 443, icmpType: 8);
        }
        batch.IpVersion[31] = 0;
        var verdicts = new PolicyVerdict[HeaderBatch.Capacity];
        var ruleIds = new uint[HeaderBatch.Capacity];
        var paths = tables.SelectMany(ClassifierChecker.Paths).Select(p => p.Path).ToArray();
        foreach (var path in paths)
            path(batch, verdicts, ruleIds);

        var allocated = Allocations.Settled(() =>
        {
            for (var round = 0; round < 100; round++)
            {
                foreach (var path in paths)
                    path(batch, verdicts, ruleIds);
            }
        });
        Assert.Equal(0, allocated);
    }
}
