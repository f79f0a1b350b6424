using System.Reflection;
using System.Runtime.Intrinsics;
using System.Text;
using PreDnatAppliance.Classification;
using PreDnatAppliance.Policy.Evaluation;
using PreDnatAppliance.Policy.Net;
using PreDnatAppliance.Policy.Programs;

namespace PreDnatAppliance.PolicySelfTest;

public delegate void ClassifyPath(HeaderBatch batch, Span<PolicyVerdict> verdicts, Span<uint> ruleIds);

/// <summary>
/// Runs a generated classifier on random bursts through every path (Classify, ClassifyScalar, and whichever of
/// Vector512/Vector256 Classify did not take) and compares each packet's verdict and RuleId with
/// <see cref="ReferenceEvaluator"/>. Also checks that nothing past the burst's count is written.
/// </summary>
public static class ClassifierChecker
{
    private const byte VerdictSentinel = 0xEE;
    private const uint RuleSentinel = 0xDEADBEEF;

    /// <summary>The paths to compare, by name.</summary>
    public static IReadOnlyList<(string Name, ClassifyPath Path)> Paths(IPolicyClassifier classifier)
    {
        var paths = new List<(string, ClassifyPath)> { ("Classify", classifier.Classify), ("ClassifyScalar", classifier.ClassifyScalar) };
        // Classify takes Vector512 where it is accelerated, else Vector256 where that is: test the other one directly.
        var other = Vector512.IsHardwareAccelerated ? "ClassifyVector256" : "ClassifyVector512";
        var method = classifier.GetType().GetMethod(other, BindingFlags.Public | BindingFlags.Instance)
            ?? throw new InvalidOperationException($"{classifier.GetType().Name} has no {other}");
        paths.Add((other, (ClassifyPath)Delegate.CreateDelegate(typeof(ClassifyPath), classifier, method)));
        return paths;
    }

    /// <summary>True when the classifier's own class runs a table (the table strategy; programs that share another's code say no).</summary>
    public static bool UsesTable(IPolicyClassifier classifier) =>
        classifier.GetType().GetMethod("RunTable", BindingFlags.NonPublic | BindingFlags.Static) is not null;

    /// <summary>
    /// Checks <paramref name="packets"/> packets drawn by <see cref="PacketSampler"/>; returns the number of packet checks
    /// (packets × paths). Throws <see cref="ClassifierMismatchException"/> at the first disagreement.
    /// </summary>
    public static long Check(EndpointProgram program, ICompiledPolicy policy, int packets, Random random, string context)
    {
        var sampler = new PacketSampler(program, random);
        return Check(program, policy, Enumerable.Range(0, packets).Select(_ => sampler.NextLane()), random, context);
    }

    /// <summary>
    /// Checks the given lanes (a null tuple is a non-IP lane) in bursts of random sizes; returns the number of packet
    /// checks. Throws <see cref="ClassifierMismatchException"/> at the first disagreement.
    /// </summary>
    public static long Check(EndpointProgram program, ICompiledPolicy policy, IEnumerable<PacketTuple?> lanes, Random random, string context)
    {
        var classifier = policy.Find(program.Key) ?? throw new ClassifierMismatchException(program.Key, $"{context}: no classifier for {program.Key}");
        if (classifier.ProgramKey != program.Key)
            throw new ClassifierMismatchException(program.Key, $"{context}: the classifier found for {program.Key} says it is {classifier.ProgramKey}");
        var paths = Paths(classifier);
        var batch = new HeaderBatch();
        var expectedVerdicts = new PolicyVerdict[HeaderBatch.Capacity];
        var expectedRules = new ulong[HeaderBatch.Capacity];
        var verdicts = new PolicyVerdict[HeaderBatch.Capacity];
        var rules = new uint[HeaderBatch.Capacity];
        long checks = 0;

        using var source = lanes.GetEnumerator();
        var more = true;
        while (more)
        {
            var want = random.Next(5) == 0 ? random.Next(1, HeaderBatch.Capacity) : HeaderBatch.Capacity;
            var count = 0;
            while (count < want && (more = source.MoveNext()))
            {
                (expectedVerdicts[count], expectedRules[count]) = Fill(batch, count, source.Current, program, random);
                count++;
            }
            if (count == 0)
                break;
            batch.Count = count;

            foreach (var (name, path) in paths)
            {
                Array.Fill(verdicts, (PolicyVerdict)VerdictSentinel);
                Array.Fill(rules, RuleSentinel);
                path(batch, verdicts, rules);
                for (var i = 0; i < count; i++)
                {
                    var ruleId = RuleIdOf(policy, rules[i]);
                    if (verdicts[i] != expectedVerdicts[i] || ruleId != expectedRules[i])
                        throw new ClassifierMismatchException(program.Key, Mismatch(context, program, name, batch, i, expectedVerdicts[i], expectedRules[i], verdicts[i], ruleId));
                }
                for (var i = count; i < HeaderBatch.Capacity; i++)
                {
                    if (verdicts[i] != (PolicyVerdict)VerdictSentinel || rules[i] != RuleSentinel)
                        throw new ClassifierMismatchException(program.Key, $"{context}: {program.Key} {name} wrote index {i} beyond the burst's {count} packets");
                }
                checks += count;
            }
        }
        return checks;
    }

    private static (PolicyVerdict, ulong) Fill(HeaderBatch batch, int i, PacketTuple? lane, EndpointProgram program, Random random)
    {
        if (lane is not { } packet)
        {
            // Whatever the other fields hold, a lane that is not IP stays undecided.
            batch.SetV4(i, (uint)random.Next(), (uint)random.Next(), (byte)random.Next(256), (ushort)random.Next(65536), (ushort)random.Next(65536),
                (byte)random.Next(256), (byte)random.Next(256));
            batch.IpVersion[i] = 0;
            return (PolicyVerdict.NoDecision, 0);
        }
        if (packet.IpVersion == 4)
            batch.SetV4(i, packet.Source.V4Value, packet.Destination.V4Value, packet.Protocol, packet.SourcePort, packet.DestinationPort, packet.IcmpType, packet.IcmpCode);
        else
            batch.SetV6(i, packet.Source.High, packet.Source.Low, packet.Destination.High, packet.Destination.Low, packet.Protocol, packet.SourcePort, packet.DestinationPort, packet.IcmpType, packet.IcmpCode);
        var result = ReferenceEvaluator.Evaluate(program, packet);
        var verdict = result.Verdict switch
        {
            Verdict.Allow => PolicyVerdict.Allow,
            Verdict.Deny => PolicyVerdict.Deny,
            _ => PolicyVerdict.NoDecision,
        };
        return (verdict, result.RuleId.Value);
    }

    /// <summary>
    /// Classifiers write catalog indexes; the catalog entry holds the RuleId (NoRule reads as 0, an index outside the
    /// catalog as <see cref="ulong.MaxValue"/>, which no RuleId is: a mismatch, not a crash).
    /// </summary>
    public static ulong RuleIdOf(ICompiledPolicy policy, uint index) =>
        index == PolicyRules.NoRule ? 0 : index < (uint)policy.Rules.Count ? policy.Rules[(int)index].RuleId : ulong.MaxValue;

    public static PacketTuple PacketAt(HeaderBatch batch, int i)
    {
        var v4 = batch.IpVersion[i] == 4;
        var src = v4 ? IpAddress.V4(batch.SrcV4[i]) : IpAddress.V6(batch.SrcV6High[i], batch.SrcV6Low[i]);
        var dst = v4 ? IpAddress.V4(batch.DstV4[i]) : IpAddress.V6(batch.DstV6High[i], batch.DstV6Low[i]);
        return new PacketTuple(src, dst, batch.Protocol[i], batch.SrcPort[i], batch.DstPort[i], batch.IcmpType[i], batch.IcmpCode[i]);
    }

    private static string Mismatch(string context, EndpointProgram program, string path, HeaderBatch batch, int i,
        PolicyVerdict expectedVerdict, ulong expectedRule, PolicyVerdict verdict, ulong rule)
    {
        var text = new StringBuilder();
        text.Append(context).Append(": ").Append(program.Key).Append(' ').Append(path).Append(" disagrees with the reference evaluator at packet ")
            .Append(i).Append(" of ").Append(batch.Count).Append('\n');
        if (batch.IpVersion[i] is 4 or 6)
        {
            var packet = PacketAt(batch, i);
            text.Append("  packet: ").Append(packet).Append(" (sport ").Append(packet.SourcePort).Append(" dport ").Append(packet.DestinationPort)
                .Append(" type ").Append(packet.IcmpType).Append(" code ").Append(packet.IcmpCode).Append(")\n");
            foreach (var step in ReferenceEvaluator.Evaluate(program, packet).Trace)
                text.Append("    ").Append(step).Append('\n');
        }
        else
        {
            text.Append("  packet: IP version ").Append(batch.IpVersion[i]).Append('\n');
        }
        text.Append("  expected ").Append(expectedVerdict).Append(" r").Append(expectedRule.ToString("x12")).Append(", got ").Append(verdict)
            .Append(" r").Append(rule.ToString("x12")).Append('\n');
        var dump = new StringBuilder();
        ProgramDumper.DumpProgram(dump, program);
        text.Append(dump);
        return text.ToString();
    }
}
