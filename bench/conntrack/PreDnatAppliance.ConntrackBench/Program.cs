using System.Diagnostics;
using System.Globalization;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using PreDnatAppliance.ConntrackBench;
using PreDnatAppliance.Pipeline.Conntrack;
using PreDnatAppliance.Pipeline.Flows;

// dotnet PreDnatAppliance.ConntrackBench.dll                    BenchmarkDotNet (all benchmarks; BDN arguments pass through)
// dotnet PreDnatAppliance.ConntrackBench.dll quick [--flows N] [--reps R]
//                                                               one key=value line, like ../rte_hash_bench.c
if (args.Length > 0 && args[0] == "quick")
    return Quick.Run(args);

// In-process: the benchmarks run in this (Release) process, so BenchmarkDotNet does not rebuild the project
// (which would write build output outside PREDNAT_ARTIFACTS).
var config = DefaultConfig.Instance
    .AddJob(Job.Default.WithToolchain(InProcessEmitToolchain.Instance).AsMutator())
    .AddColumn(new BytesPerFlowColumn());
BenchmarkSwitcher.FromAssembly(typeof(Flows).Assembly).Run(args.Length == 0 ? ["--filter", "*"] : args, config);
return 0;

/// <summary>The table's native bytes per flow at the benchmark's capacity (fixed by construction).</summary>
internal sealed class BytesPerFlowColumn : IColumn
{
    public string Id => "BytesPerFlow";
    public string ColumnName => "Bytes/flow";
    public bool AlwaysShow => true;
    public ColumnCategory Category => ColumnCategory.Custom;
    public int PriorityInCategory => 0;
    public bool IsNumeric => true;
    public UnitType UnitType => UnitType.Size;
    public string Legend => "Native memory of a table sized for the benchmark's flows, divided by that number of flows";
    public bool IsAvailable(Summary summary) => true;
    public bool IsDefault(Summary summary, BenchmarkDotNet.Running.BenchmarkCase benchmarkCase) => false;
    public string GetValue(Summary summary, BenchmarkDotNet.Running.BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkDotNet.Running.BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        var flows = benchmarkCase.Parameters["FlowCount"] is int n ? n : Flows.DefaultFlows;
        using var table = new ConntrackTable(new ConntrackOptions { Capacity = flows });
        return table.BytesPerFlow.ToString("F1", CultureInfo.InvariantCulture);
    }
}

internal static class Quick
{
    public static int Run(string[] args)
    {
        var flows = Flows.DefaultFlows;
        var reps = 5;
        for (var i = 1; i + 1 < args.Length; i += 2)
        {
            if (args[i] == "--flows") flows = int.Parse(args[i + 1], CultureInfo.InvariantCulture);
            else if (args[i] == "--reps") reps = int.Parse(args[i + 1], CultureInfo.InvariantCulture);
        }
        var (originals, nats, hits, misses) = Flows.Build(flows, Flows.Lookups);
        // Warm up the JIT (tiered compilation, PGO) on a small table first.
        var (wo, wn, wh, wm) = Flows.Build(1 << 14, 1 << 16);
        for (var k = 0; k < 3; k++)
            Measure(wo, wn, wh, wm, out _, out _, out _, out _);

        var ins = new double[reps];
        var hit = new double[reps];
        var miss = new double[reps];
        double bytes = 0;
        for (var r = 0; r < reps; r++)
            Measure(originals, nats, hits, misses, out ins[r], out hit[r], out miss[r], out bytes);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"impl=ours flows={flows} insert_mflows={Median(ins) / 1e6:F3} lookup_hit_mpps={Median(hit) / 1e6:F3} lookup_miss_mpps={Median(miss) / 1e6:F3} bytes_per_flow={bytes:F1}"));
        return 0;
    }

    private static void Measure(FlowKey[] originals, NatRewrite[] nats, FlowKey[] hits, FlowKey[] misses,
        out double insertPerSecond, out double hitPerSecond, out double missPerSecond, out double bytesPerFlow)
    {
        using var table = new ConntrackTable(new ConntrackOptions { Capacity = originals.Length });
        var w = table.CreateWorker();
        bytesPerFlow = table.BytesPerFlow;
        var flags = new byte[32];
        var results = new CtResult[32];

        var sw = Stopwatch.StartNew();
        var failed = 0;
        for (var i = 0; i < originals.Length; i++)
            if (w.Commit(originals[i], nats[i], 0, 1, out _) != CtCommitStatus.Inserted)
                failed++;
        insertPerSecond = originals.Length / sw.Elapsed.TotalSeconds;
        if (failed != 0)
            Console.Error.WriteLine($"ours: {failed} inserts failed");

        // One pass to settle the flows' state (first reply seen), then the timed pass, as for rte_hash.
        for (var i = 0; i < hits.Length; i += 32)
            w.Lookup(hits.AsSpan(i, 32), flags, default, default, results, 1);
        var found = 0L;
        sw.Restart();
        for (var i = 0; i < hits.Length; i += 32)
        {
            w.Lookup(hits.AsSpan(i, 32), flags, default, default, results, 1);
            for (var j = 0; j < 32; j++)
                found += results[j].Verdict == CtVerdict.Established ? 1 : 0;
        }
        hitPerSecond = hits.Length / sw.Elapsed.TotalSeconds;
        if (found != hits.Length)
            Console.Error.WriteLine($"ours: {found} of {hits.Length} hits found");

        sw.Restart();
        for (var i = 0; i < misses.Length; i += 32)
            w.Lookup(misses.AsSpan(i, 32), flags, default, default, results, 1);
        missPerSecond = misses.Length / sw.Elapsed.TotalSeconds;
    }

    private static double Median(double[] v)
    {
        var s = v.OrderBy(x => x).ToArray();
        return s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) / 2;
    }
}
