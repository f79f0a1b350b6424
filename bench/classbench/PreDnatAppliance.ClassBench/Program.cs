using System.Diagnostics;
using System.Globalization;
using PreDnatAppliance.Classification;
using PreDnatAppliance.ClassifierTables;

namespace PreDnatAppliance.ClassBench;

/// <summary>
/// classbench --rules FILE --trace FILE [--runs N] [--run-ms MS] [--burst N] [--verify N] [--scalar | --path scalar|vector128|vector256|vector512] [--fixed-passes N]
/// Builds the table, checks the kernel against the linear first-match oracle on
/// the first --verify packets, then times whole passes over the trace in bursts
/// on the current core and prints one RESULT line (median of the runs).
///
/// classbench convert --rules FILE --out DIR: the rule file as a Calico policy directory (<see cref="CalicoConverter"/>).
/// classbench generated --policy DLL --rules FILE --trace FILE ...: the same measurement through a generated policy
/// assembly's pre-DNAT classifier (<see cref="GeneratedBench"/>).
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "convert") return Convert(args.AsSpan(1));
        if (args.Length > 0 && args[0] == "generated") return GeneratedBench.Run(args.AsSpan(1));
        string? rulesPath = null, tracePath = null;
        int runs = 7, runMs = 300, burst = 32, verify = int.MaxValue, fixedPasses = -1;
        KernelPath path = KernelPaths.Best;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--rules": rulesPath = args[++i]; break;
                case "--trace": tracePath = args[++i]; break;
                case "--runs": runs = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--run-ms": runMs = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--burst": burst = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--verify": verify = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--scalar": path = KernelPath.Scalar; break;
                case "--path": path = Enum.Parse<KernelPath>(args[++i], ignoreCase: true); break;
                case "--fixed-passes": fixedPasses = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                default: Console.Error.WriteLine($"unknown argument {args[i]}"); return 2;
            }
        }
        if (rulesPath is null || tracePath is null)
        {
            Console.Error.WriteLine("usage: classbench --rules FILE --trace FILE [--runs N] [--run-ms MS] [--burst N] [--verify N] [--scalar | --path P] [--fixed-passes N]");
            return 2;
        }

        var rules = ClassBenchFormat.ReadRules(rulesPath);
        var trace = ClassBenchFormat.ReadTrace(tracePath);
        var table = ClassifierTableBuilder.Build(rules);
        Console.Error.WriteLine(table.Stats);
        using var classifier = new PacketClassifier(table.Blob);

        var results = new int[trace.Count];
        RunPass(classifier, trace, results, burst, path);
        int checkedCount = Math.Min(verify, trace.Count);
        int mismatches = Verify(rules, trace, results, checkedCount);
        if (mismatches != 0)
        {
            Console.Error.WriteLine($"{mismatches} of {checkedCount} packets differ from the linear first-match");
            return 1;
        }

        if (fixedPasses >= 0)
        {
            // Exactly this much work and nothing else, for counting instructions with perf stat.
            for (int p = 0; p < fixedPasses; p++) RunPass(classifier, trace, results, burst, path);
            Console.WriteLine($"FIXED passes={fixedPasses} packets={(long)fixedPasses * trace.Count}");
            return 0;
        }

        // Warm up until the JIT has settled, then size a run to about runMs.
        var clock = Stopwatch.StartNew();
        long passes = 0;
        while (clock.ElapsedMilliseconds < 500)
        {
            RunPass(classifier, trace, results, burst, path);
            passes++;
        }
        long passesPerRun = Math.Max(1, passes * runMs / Math.Max(1, clock.ElapsedMilliseconds));

        var samples = new double[runs];
        for (int r = 0; r < runs; r++)
        {
            long t0 = Stopwatch.GetTimestamp();
            for (long p = 0; p < passesPerRun; p++) RunPass(classifier, trace, results, burst, path);
            long t1 = Stopwatch.GetTimestamp();
            samples[r] = (t1 - t0) * 1e9 / Stopwatch.Frequency / (passesPerRun * (double)trace.Count);
        }
        Array.Sort(samples);
        double median = samples[runs / 2];
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"RESULT rules={rules.Count} packets={trace.Count} ns_per_pkt={median:F2} min={samples[0]:F2} max={samples[runs - 1]:F2} "
            + $"mem_bytes={table.Stats.MemoryBytes} build_ms={table.Stats.BuildTime.TotalMilliseconds:F0} verified={checkedCount} "
            + $"path={path}"));
        return 0;
    }

    private static int Convert(ReadOnlySpan<string> args)
    {
        string? rulesPath = null, output = null;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--rules" when i + 1 < args.Length: rulesPath = args[++i]; break;
                case "--out" when i + 1 < args.Length: output = args[++i]; break;
                default: Console.Error.WriteLine($"unknown argument {args[i]}"); return 2;
            }
        }
        if (rulesPath is null || output is null)
        {
            Console.Error.WriteLine("usage: classbench convert --rules FILE --out DIR");
            return 2;
        }
        var rules = CalicoConverter.ReadRules(rulesPath);
        CalicoConverter.Write(rules, output);
        Console.Error.WriteLine($"{rules.Count} rules -> {output} ({(rules.Count + CalicoConverter.RulesPerPolicy - 1) / CalicoConverter.RulesPerPolicy} policies, program {CalicoConverter.ProgramKey})");
        return 0;
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static void RunPass(PacketClassifier classifier, Trace trace, int[] results, int burst, KernelPath path)
    {
        for (int start = 0; start < trace.Count; start += burst)
        {
            int n = Math.Min(burst, trace.Count - start);
            var b = new PacketBurst(
                trace.Source.AsSpan(start, n), trace.Destination.AsSpan(start, n), trace.Protocol.AsSpan(start, n),
                trace.SourcePort.AsSpan(start, n), trace.DestinationPort.AsSpan(start, n), n);
            classifier.Classify(b, results.AsSpan(start, n), path);
        }
    }

    private static int Verify(List<ClassifierRule> rules, Trace trace, int[] results, int count)
    {
        var oracle = new LinearFirstMatch(rules);
        int bad = 0;
        for (int i = 0; i < count; i++)
        {
            int expected = oracle.Classify(trace.Source[i], trace.Destination[i], trace.Protocol[i], trace.SourcePort[i], trace.DestinationPort[i]);
            if (expected != results[i])
            {
                if (bad < 5) Console.Error.WriteLine($"packet {i}: kernel {results[i]}, oracle {expected}");
                bad++;
            }
        }
        return bad;
    }
}
