using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Runtime.CompilerServices;
using PreDnatAppliance.Classification;
using PreDnatAppliance.ClassifierTables;

namespace PreDnatAppliance.ClassBench;

/// <summary>
/// classbench generated --policy DLL --rules FILE --trace FILE [--runs N] [--run-ms MS] [--burst N] [--verify N]
/// [--path best|scalar]
/// <para>
/// The generated classifier of a converted ClassBench set (<see cref="CalicoConverter"/>, built into a policy
/// assembly by the source generator): loads the assembly through its CompiledPolicy attribute, takes the pre-DNAT
/// program's <see cref="IPolicyClassifier"/>, checks it against the linear first match of the ClassBench rules on
/// the first --verify packets (rule n must come back as the RuleId of rule n % 1000 of policy n / 1000, with its
/// verdict), then times whole passes over the trace in bursts, one <c>Classify</c> call per burst, and prints one
/// RESULT line like the kernel benchmark's.
/// </para>
/// <para>
/// Each burst is copied from the trace into one <see cref="HeaderBatch"/> before its <c>Classify</c> call, as the
/// parse stage fills the batch in the data path: the batch stays in L1, and the copy (five short memcpys per burst,
/// well under 1 ns per packet) is charged to us. A batch per burst laid out beforehand would spread the trace over
/// 12 KB per 32 packets (HeaderBatch holds 256) and measure TLB misses instead.
/// </para>
/// </summary>
public static class GeneratedBench
{
    public static int Run(ReadOnlySpan<string> args)
    {
        string? policyPath = null, rulesPath = null, tracePath = null;
        int runs = 5, runMs = 150, burst = 32, verify = int.MaxValue;
        bool scalar = false;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--policy": policyPath = args[++i]; break;
                case "--rules": rulesPath = args[++i]; break;
                case "--trace": tracePath = args[++i]; break;
                case "--runs": runs = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--run-ms": runMs = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--burst": burst = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--verify": verify = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--path": scalar = args[++i] == "scalar"; break;
                default: Console.Error.WriteLine($"unknown argument {args[i]}"); return 2;
            }
        }
        if (policyPath is null || rulesPath is null || tracePath is null || burst < 1 || burst > HeaderBatch.Capacity)
        {
            Console.Error.WriteLine("usage: classbench generated --policy DLL --rules FILE --trace FILE [--runs N] [--run-ms MS] [--burst N] [--verify N] [--path best|scalar]");
            return 2;
        }

        var policy = Load(policyPath);
        var classifier = policy.Find(CalicoConverter.ProgramKey)
            ?? throw new InvalidOperationException($"{policyPath} has no program {CalicoConverter.ProgramKey}");
        var rules = ClassBenchFormat.ReadRules(rulesPath);
        var trace = ClassBenchFormat.ReadTrace(tracePath);
        var batch = new HeaderBatch();
        for (int i = 0; i < HeaderBatch.Capacity; i++) batch.IpVersion[i] = 4;
        var verdicts = new PolicyVerdict[HeaderBatch.Capacity];
        var ruleIndexes = new uint[HeaderBatch.Capacity];

        int checkedCount = Math.Min(verify, trace.Count);
        int mismatches = Verify(policy, classifier, rules, trace, batch, burst, checkedCount, scalar);
        if (mismatches != 0)
        {
            Console.Error.WriteLine($"{mismatches} of {checkedCount} packets differ from the linear first match");
            return 1;
        }

        var clock = Stopwatch.StartNew();
        long passes = 0;
        while (clock.ElapsedMilliseconds < 500)
        {
            RunPass(classifier, trace, batch, burst, verdicts, ruleIndexes, scalar);
            passes++;
        }
        long passesPerRun = Math.Max(1, passes * runMs / Math.Max(1, clock.ElapsedMilliseconds));
        var samples = new double[runs];
        for (int r = 0; r < runs; r++)
        {
            long t0 = Stopwatch.GetTimestamp();
            for (long p = 0; p < passesPerRun; p++) RunPass(classifier, trace, batch, burst, verdicts, ruleIndexes, scalar);
            long t1 = Stopwatch.GetTimestamp();
            samples[r] = (t1 - t0) * 1e9 / Stopwatch.Frequency / (passesPerRun * (double)trace.Count);
        }
        Array.Sort(samples);
        var (strategy, memory) = TableMemory(classifier);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"RESULT rules={rules.Count} packets={trace.Count} ns_per_pkt={samples[runs / 2]:F2} min={samples[0]:F2} max={samples[runs - 1]:F2} "
            + $"mem_bytes={memory} verified={checkedCount} strategy={strategy} path={(scalar ? "scalar" : "best")}"));
        return 0;
    }

    /// <summary>The policy assembly's <see cref="ICompiledPolicy"/>, found as the appliance finds it.</summary>
    public static ICompiledPolicy Load(string path)
    {
        var assembly = Assembly.LoadFrom(Path.GetFullPath(path));
        var attribute = assembly.GetCustomAttribute<CompiledPolicyAttribute>()
            ?? throw new InvalidOperationException($"{path} has no [assembly: CompiledPolicy]");
        return (ICompiledPolicy)Activator.CreateInstance(attribute.Type)!;
    }

    /// <summary>
    /// Catalog index of ClassBench rule n: the n % 1000-th rule (by source line) of policy n / 1000. Rule ids hash the
    /// owner and position, so the catalog is the only place that links the two, besides the compiled policy set.
    /// </summary>
    public static uint[] CatalogIndexes(ICompiledPolicy policy, int ruleCount)
    {
        var result = new uint[ruleCount];
        int policies = (ruleCount + CalicoConverter.RulesPerPolicy - 1) / CalicoConverter.RulesPerPolicy;
        for (int p = 0; p < policies; p++)
        {
            var name = CalicoConverter.PolicyName(p);
            var owned = Enumerable.Range(0, policy.Rules.Count)
                .Where(i => policy.Rules[i].Owner == name || policy.Rules[i].Owner.EndsWith("." + name, StringComparison.Ordinal))
                .OrderBy(i => policy.Rules[i].SourceLine)
                .ToList();
            int expected = Math.Min(CalicoConverter.RulesPerPolicy, ruleCount - p * CalicoConverter.RulesPerPolicy);
            if (owned.Count != expected)
                throw new InvalidOperationException($"policy {name}: {owned.Count} rules in the catalog, expected {expected}");
            for (int r = 0; r < owned.Count; r++) result[p * CalicoConverter.RulesPerPolicy + r] = (uint)owned[r];
        }
        return result;
    }

    /// <summary>Burst b of the trace into the batch (IpVersion is 4 throughout, set once).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Fill(HeaderBatch batch, Trace trace, int start, int burst)
    {
        int n = Math.Min(burst, trace.Count - start);
        trace.Source.AsSpan(start, n).CopyTo(batch.SrcV4);
        trace.Destination.AsSpan(start, n).CopyTo(batch.DstV4);
        trace.Protocol.AsSpan(start, n).CopyTo(batch.Protocol);
        trace.SourcePort.AsSpan(start, n).CopyTo(batch.SrcPort);
        trace.DestinationPort.AsSpan(start, n).CopyTo(batch.DstPort);
        batch.Count = n;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RunPass(IPolicyClassifier classifier, Trace trace, HeaderBatch batch, int burst, PolicyVerdict[] verdicts, uint[] ruleIndexes, bool scalar)
    {
        for (int start = 0; start < trace.Count; start += burst)
        {
            Fill(batch, trace, start, burst);
            if (scalar) classifier.ClassifyScalar(batch, verdicts, ruleIndexes);
            else classifier.Classify(batch, verdicts, ruleIndexes);
        }
    }

    private static int Verify(ICompiledPolicy policy, IPolicyClassifier classifier, List<ClassifierRule> rules, Trace trace,
        HeaderBatch batch, int burst, int count, bool scalar)
    {
        var catalog = CatalogIndexes(policy, rules.Count);
        var oracle = new LinearFirstMatch(rules);
        var verdicts = new PolicyVerdict[HeaderBatch.Capacity];
        var ruleIndexes = new uint[HeaderBatch.Capacity];
        int bad = 0;
        for (int b = 0; b * burst < count; b++)
        {
            Fill(batch, trace, b * burst, burst);
            if (scalar) classifier.ClassifyScalar(batch, verdicts, ruleIndexes);
            else classifier.Classify(batch, verdicts, ruleIndexes);
            for (int i = 0; i < batch.Count && b * burst + i < count; i++)
            {
                int k = b * burst + i;
                int n = oracle.Classify(trace.Source[k], trace.Destination[k], trace.Protocol[k], trace.SourcePort[k], trace.DestinationPort[k]);
                bool ok = n >= 0
                    ? ruleIndexes[i] == catalog[n] && verdicts[i] == (n % 2 == 0 ? PolicyVerdict.Allow : PolicyVerdict.Deny)
                    : verdicts[i] == PolicyVerdict.NoDecision && Array.IndexOf(catalog, ruleIndexes[i]) < 0;
                if (!ok)
                {
                    if (bad < 5) Console.Error.WriteLine($"packet {k}: classifier {verdicts[i]} rule index {ruleIndexes[i]}, first match ClassBench rule {n}");
                    bad++;
                }
            }
        }
        return bad;
    }

    /// <summary>The strategy the generator chose and the bytes its table takes (kernel blob + entry map), found by reflection.</summary>
    private static (string Strategy, long Bytes) TableMemory(IPolicyClassifier classifier)
    {
        var type = classifier.GetType();
        var tables = type.Assembly.GetType(type.Namespace + ".PolicyTables");
        var field = tables?.GetField(type.Name, BindingFlags.Public | BindingFlags.Static);
        if (field?.GetValue(null) is not PacketClassifier table)
            return ("linear", 0);
        var entries = type.GetField("EntryCount", BindingFlags.NonPublic | BindingFlags.Static)?.GetRawConstantValue() as int? ?? 0;
        return ("table", table.MemoryBytes + 4L * (entries + 1));
    }
}
