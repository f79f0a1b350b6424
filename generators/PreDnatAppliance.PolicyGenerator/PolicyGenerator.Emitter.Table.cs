using System.Globalization;
using PreDnatAppliance.ClassifierTables;
using PreDnatAppliance.PolicyGenerator.Model;

namespace PreDnatAppliance.PolicyGenerator;

public sealed partial class PolicyGenerator
{
    /// <summary>What the classifier emitter writes: PolicyClassifiers.g.cs, and PolicyTables.g.cs when a program has a table.</summary>
    internal sealed record EmittedSources(string Classifiers, string? Tables);

    /// <summary>A program on the table strategy: its flattened entries and the table built from them.</summary>
    /// <param name="Member">The field of <c>PolicyTables</c> that holds the loaded table (the program's type name).</param>
    internal sealed record TableProgram(ProgramSpec Program, string Member, FlatProgram Flat, ClassifierTable Table);

    private sealed partial class Emitter
    {
        private readonly List<TableProgram> _tablePrograms = new();

        /// <summary>
        /// Flattens the program and builds its table here, in the emit step, rather than in the model: the table is a
        /// pure, deterministic function of the program body and the sets, which the equatable model already holds, so
        /// the incremental pipeline re-runs this exactly when the blob could change, and the cached model stays small
        /// (a blob in it would be compared byte by byte on every edit and kept in the generator cache).
        /// </summary>
        private TableProgram BuildTable(ProgramSpec program)
        {
            var flat = new TableFlattener(_spec).Flatten(program.Body);
            var entries = flat.Entries;
            if (entries.Count == 0)
            {
                // The kernel needs a rule; one that can never match (an empty union) keeps the answer "no match".
                var none = FieldMatch.None;
                entries = new[] { new ClassifierRule(none, none, none, none, none, flat.End & ((1u << TableFlattener.VerdictShift) - 1), 0) };
            }
            var table = ClassifierTableBuilder.Build(entries);
            var result = new TableProgram(program, program.TypeName, flat, table);
            _tablePrograms.Add(result);
            return result;
        }

        private static void WriteTableDispatch(CodeWriter writer, string target)
        {
            writer.Line("/// <summary>IPv4 packets through the table on the widest kernel path the CPU accelerates.</summary>");
            writer.Line($"public void Classify(HeaderBatch batch, Span<PolicyVerdict> verdicts, Span<uint> ruleIds) => {target}RunTable(batch, verdicts, ruleIds, KernelPaths.Best);");
            writer.Line();
            writer.Line("/// <summary>IPv4 packets through the table on the kernel's scalar path.</summary>");
            writer.Line($"public void ClassifyScalar(HeaderBatch batch, Span<PolicyVerdict> verdicts, Span<uint> ruleIds) => {target}RunScalar(batch, verdicts, ruleIds);");
            writer.Line();
            writer.Line("/// <summary>The kernel's Vector512 path whatever the CPU (emulated where not accelerated); for tests and benchmarks.</summary>");
            writer.Line($"public void ClassifyVector512(HeaderBatch batch, Span<PolicyVerdict> verdicts, Span<uint> ruleIds) => {target}RunVector512(batch, verdicts, ruleIds);");
            writer.Line();
            writer.Line("/// <summary>The kernel's Vector256 path whatever the CPU (emulated where not accelerated); for tests and benchmarks.</summary>");
            writer.Line($"public void ClassifyVector256(HeaderBatch batch, Span<PolicyVerdict> verdicts, Span<uint> ruleIds) => {target}RunVector256(batch, verdicts, ruleIds);");
        }

        /// <summary>
        /// The burst through the kernel, then each packet's entry through the map. The kernel writes entry indexes
        /// where the rule indexes go (the spans have the same size), so nothing is allocated; the loop then replaces
        /// each by its rule, or hands the packet to <c>ClassifyOne</c> when the table does not decide it.
        /// </summary>
        private static void WriteTableRun(CodeWriter writer, TableProgram table)
        {
            var routesIcmp = table.Flat.RoutesIcmp;
            writer.Line($"/// <summary>IPv4 packets through <see cref=\"PolicyTables.{table.Member}\"/> on one kernel path; IPv6, non-IP" +
                (routesIcmp ? " and ICMP" : string.Empty) + " packets take <see cref=\"ClassifyOne\"/>.</summary>");
            writer.Line("[MethodImpl(MethodImplOptions.AggressiveOptimization)]");
            writer.Open("internal static void RunTable(HeaderBatch batch, Span<PolicyVerdict> verdicts, Span<uint> ruleIds, KernelPath path)");
            writer.Line("int count = PolicyLanes.Count(batch, verdicts.Length, ruleIds.Length);");
            writer.Line("Span<int> entries = MemoryMarshal.Cast<uint, int>(ruleIds.Slice(0, count));");
            writer.Line($"PolicyTables.{table.Member}.Classify(new PacketBurst(batch.SrcV4, batch.DstV4, batch.Protocol, batch.SrcPort, batch.DstPort, count), entries, path);");
            writer.Line("ref byte versionRef = ref MemoryMarshal.GetArrayDataReference(batch.IpVersion);");
            if (routesIcmp)
                writer.Line("ref byte protoRef = ref MemoryMarshal.GetArrayDataReference(batch.Protocol);");
            writer.Line("ref byte verdictRef = ref Unsafe.As<PolicyVerdict, byte>(ref MemoryMarshal.GetReference(verdicts));");
            writer.Line("ref uint ruleRef = ref MemoryMarshal.GetReference(ruleIds);");
            writer.Line("ref uint entryRef = ref MemoryMarshal.GetReference(Entries);");
            writer.Open("for (int i = 0; i < count; i++)");
            writer.Line(routesIcmp
                ? "if (Unsafe.Add(ref versionRef, i) == 4 && Unsafe.Add(ref protoRef, i) != 1 /* icmp */)"
                : "if (Unsafe.Add(ref versionRef, i) == 4)");
            writer.Open();
            writer.Comment("No match (-1) clamps to the last slot, the program end.");
            writer.Line("uint packed = Unsafe.Add(ref entryRef, (nuint)Math.Min((uint)Unsafe.Add(ref ruleRef, i), (uint)EntryCount));");
            writer.Line("Unsafe.Add(ref ruleRef, i) = packed & IndexMask;");
            writer.Line("Unsafe.Add(ref verdictRef, i) = (byte)(packed >> VerdictShift);");
            writer.Close();
            writer.Line("else");
            writer.Open();
            writer.Line("Unsafe.Add(ref verdictRef, i) = (byte)ClassifyOne(batch, i, out Unsafe.Add(ref ruleRef, i));");
            writer.Close();
            writer.Close();
            writer.Close();
            writer.Line();
            writer.Line("internal static void RunScalar(HeaderBatch batch, Span<PolicyVerdict> verdicts, Span<uint> ruleIds) => RunTable(batch, verdicts, ruleIds, KernelPath.Scalar);");
            writer.Line();
            writer.Line("internal static void RunVector512(HeaderBatch batch, Span<PolicyVerdict> verdicts, Span<uint> ruleIds) => RunTable(batch, verdicts, ruleIds, KernelPath.Vector512);");
            writer.Line();
            writer.Line("internal static void RunVector256(HeaderBatch batch, Span<PolicyVerdict> verdicts, Span<uint> ruleIds) => RunTable(batch, verdicts, ruleIds, KernelPath.Vector256);");
        }

        /// <summary>The entry map: one packed value per table entry, in the program's evaluation order with its rules as comments.</summary>
        private static void WriteEntryMap(CodeWriter writer, TableProgram table)
        {
            var flat = table.Flat;
            var shift = TableFlattener.VerdictShift.ToString(CultureInfo.InvariantCulture);
            writer.Line($"private const int EntryCount = {flat.Entries.Count.ToString(CultureInfo.InvariantCulture)};");
            writer.Line($"private const int VerdictShift = {shift};");
            writer.Line("private const uint IndexMask = (1u << VerdictShift) - 1;");
            writer.Line("private const uint Allow = (uint)PolicyVerdict.Allow << VerdictShift;");
            writer.Line("private const uint Deny = (uint)PolicyVerdict.Deny << VerdictShift;");
            writer.Line("private const uint NoDecision = (uint)PolicyVerdict.NoDecision << VerdictShift;");
            writer.Line();
            writer.Line("/// <summary>");
            writer.Line("/// Table entry -> the rule it came from, as verdict | catalog index; the last slot is the program end, which a");
            writer.Line("/// packet that matches no entry gets. Entries are the program's IPv4 rules in evaluation order (a rule whose");
            writer.Line("/// fields need several boxes has several entries).");
            writer.Line("/// </summary>");
            writer.Line("private static ReadOnlySpan<uint> Entries => new uint[]");
            writer.Open();
            const int PerLine = 6;
            foreach (var line in flat.Lines)
            {
                if (line.Comment is not null)
                {
                    writer.Comment(line.Comment);
                    continue;
                }
                var value = PackedLiteral(line.Packed);
                for (var done = 0; done < line.Count; done += PerLine)
                    writer.Line(string.Join(" ", Enumerable.Repeat(value + ",", Math.Min(PerLine, line.Count - done))));
            }
            writer.Comment(flat.EndComment);
            writer.Line(PackedLiteral(flat.End) + ",");
            writer.Close(";");
        }

        private static string PackedLiteral(uint packed)
        {
            var verdict = (packed >> TableFlattener.VerdictShift) switch
            {
                1 => "Allow",
                2 => "Deny",
                _ => "NoDecision",
            };
            return verdict + " | " + (packed & ((1u << TableFlattener.VerdictShift) - 1)).ToString(CultureInfo.InvariantCulture) + "u";
        }

        /// <summary>PolicyTables.g.cs: every table as a base64 UTF-8 literal, loaded into the kernel once.</summary>
        private string WriteTablesFile()
        {
            var writer = new CodeWriter();
            writer.Line("// <auto-generated/>");
            writer.Comment("Classifier tables of the programs on the table strategy, built at compile time by PreDnatAppliance.ClassifierTables");
            writer.Comment("from the entries listed in PolicyClassifiers.g.cs. Generated by " + GeneratorName + "; do not edit: change the YAML and rebuild.");
            writer.Line("//");
            writer.Line("// Each table is the blob the kernel (PreDnatAppliance.Classification.PacketClassifier) reads, written as a base64");
            writer.Line("// UTF-8 literal: the compiler stores it as plain data (a byte-array literal of a few MB takes over a minute and");
            writer.Line("// gigabytes of memory to compile), and it is decoded once, when the policy is loaded, into the kernel's aligned copy.");
            writer.Line("//");
            foreach (var table in _tablePrograms)
            {
                writer.Comment($"{table.Member}: program {table.Program.Key}");
                writer.Comment("  " + Describe(table.Table.Stats));
            }
            writer.Line("#nullable enable");
            writer.Line();
            writer.Line($"namespace {_spec.Namespace};");
            writer.Line();
            writer.Line("using System;");
            writer.Line("using System.Buffers;");
            writer.Line("using System.Buffers.Text;");
            writer.Line("using PreDnatAppliance.Classification;");
            writer.Line();
            writer.Line("/// <summary>The loaded classifier table of each program on the table strategy.</summary>");
            writer.Line(GeneratedCodeAttribute);
            writer.Open("internal static class PolicyTables");
            foreach (var table in _tablePrograms)
            {
                writer.Line($"/// <summary>Program <c>{Xml(table.Program.Key)}</c>: {Count(table.Flat.Entries.Count, "entry")}, {table.Table.Blob.Length.ToString(CultureInfo.InvariantCulture)} bytes.</summary>");
                writer.Line($"public static readonly PacketClassifier {table.Member} = PolicyTableLoader.Load({table.Member}_Base64);");
                writer.Line();
            }
            foreach (var table in _tablePrograms)
                writer.Line($"private static ReadOnlySpan<byte> {table.Member}_Base64 => \"{Convert.ToBase64String(table.Table.Blob)}\"u8;");
            writer.Close();
            writer.Line();
            writer.Line("/// <summary>Decodes a table literal and hands it to the kernel, which copies it into aligned memory.</summary>");
            writer.Line(GeneratedCodeAttribute);
            writer.Open("file static class PolicyTableLoader");
            writer.Open("public static PacketClassifier Load(ReadOnlySpan<byte> base64)");
            writer.Line("byte[] blob = new byte[Base64.GetMaxDecodedFromUtf8Length(base64.Length)];");
            writer.Line("if (Base64.DecodeFromUtf8(base64, blob, out _, out int written) != OperationStatus.Done)");
            writer.Line("    throw new InvalidOperationException(\"a classifier table literal is not valid base64\");");
            writer.Line("return new PacketClassifier(blob.AsSpan(0, written));");
            writer.Close();
            writer.Close();
            return writer.ToString();
        }

        /// <summary>The table's shape, without its build time (generated text must not depend on the clock).</summary>
        private static string Describe(ClassifierTableStats stats)
        {
            var fields = string.Join(", ", stats.Fields.Select(f =>
                $"{f.Kind} {f.Strategy} ({f.Intervals.ToString(CultureInfo.InvariantCulture)} intervals, {f.Classes.ToString(CultureInfo.InvariantCulture)} classes)"));
            var cross = stats.Cross is { } c ? $"protocol x ports {c.Entries.ToString(CultureInfo.InvariantCulture)} entries" : "no protocol x ports product";
            var pair = stats.Pair is { } p ? $"pair {p.Units} {p.Entries.ToString(CultureInfo.InvariantCulture)} entries" : "no pair product";
            return $"{Count(stats.RuleCount, "entry")}, {Count(stats.ChunkCount, "chunk")}, {stats.MemoryBytes.ToString(CultureInfo.InvariantCulture)} bytes; {fields}; {cross}; {pair}";
        }
    }
}
