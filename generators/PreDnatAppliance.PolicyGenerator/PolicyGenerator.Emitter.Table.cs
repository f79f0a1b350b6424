using System.Globalization;
using PreDnatAppliance.ClassifierTables;
using PreDnatAppliance.PolicyGenerator.Model;

namespace PreDnatAppliance.PolicyGenerator;

public sealed partial class PolicyGenerator
{
    /// <summary>What the classifier emitter writes: PolicyClassifiers.g.cs, and PolicyTables.g.cs when a program has a table.</summary>
    internal sealed record EmittedSources(string Classifiers, string? Tables);

    /// <summary>A program on the table strategy: its flattened entries and the tables built from them.</summary>
    /// <param name="Member">The field of <c>PolicyTables</c> that holds the loaded table 0 (the program's type name);
    /// table t &gt; 0 is <c>Member_T{t}</c>.</param>
    internal sealed record TableProgram(ProgramSpec Program, string Member, FlatProgram Flat, IReadOnlyList<ClassifierTable> Tables)
    {
        public string TableMember(int table) => table == 0 ? Member : Member + "_T" + table.ToString(CultureInfo.InvariantCulture);

        public long Bytes => Tables.Sum(t => (long)t.Blob.Length);
    }

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
            var tables = new List<ClassifierTable>();
            foreach (var flatTable in flat.Tables)
            {
                var entries = flatTable.Entries;
                if (entries.Count == 0)
                {
                    // The kernel needs a rule; one that can never match (an empty union) keeps the answer "no match".
                    var none = FieldMatch.None;
                    entries = new[] { new ClassifierRule(none, none, none, none, none, 0, 0) };
                }
                tables.Add(ClassifierTableBuilder.Build(entries));
            }
            var result = new TableProgram(program, program.TypeName, flat, tables);
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
        /// each by its rule, or hands the packet to <c>ClassifyOne</c> when the table does not decide it. With Pass
        /// rules, packets that hit one are marked with the table to continue in and finished by <c>PassOn</c>.
        /// </summary>
        private static void WriteTableRun(CodeWriter writer, TableProgram table)
        {
            var routesIcmp = table.Flat.RoutesIcmp;
            var passes = table.Flat.Tables.Count > 1;
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
            if (passes)
            {
                writer.Comment("The table each lane continues in after a Pass (0: none).");
                writer.Line("Span<byte> next = stackalloc byte[HeaderBatch.Capacity];");
                writer.Line("next.Slice(0, count).Clear();");
                writer.Line("bool passed = false;");
            }
            writer.Open("for (int i = 0; i < count; i++)");
            writer.Line(routesIcmp
                ? "if (Unsafe.Add(ref versionRef, i) == 4 && Unsafe.Add(ref protoRef, i) != 1 /* icmp */)"
                : "if (Unsafe.Add(ref versionRef, i) == 4)");
            writer.Open();
            writer.Comment("No match (-1) clamps to the last slot, the program end.");
            writer.Line("uint packed = Unsafe.Add(ref entryRef, (nuint)Math.Min((uint)Unsafe.Add(ref ruleRef, i), (uint)EntryCount));");
            if (passes)
            {
                writer.Open("if (packed >> VerdictShift == PassVerdict)");
                writer.Line("next[i] = (byte)packed;");
                writer.Line("passed = true;");
                writer.Line("continue;");
                writer.Close();
            }
            writer.Line("Unsafe.Add(ref ruleRef, i) = packed & IndexMask;");
            writer.Line("Unsafe.Add(ref verdictRef, i) = (byte)(packed >> VerdictShift);");
            writer.Close();
            writer.Line("else");
            writer.Open();
            writer.Line("Unsafe.Add(ref verdictRef, i) = (byte)ClassifyOne(batch, i, out Unsafe.Add(ref ruleRef, i));");
            writer.Close();
            writer.Close();
            if (passes)
            {
                writer.Line("if (passed)");
                writer.Line("    PassOn(batch, verdicts, ruleIds, path, count, next);");
            }
            writer.Close();
            writer.Line();
            writer.Line("internal static void RunScalar(HeaderBatch batch, Span<PolicyVerdict> verdicts, Span<uint> ruleIds) => RunTable(batch, verdicts, ruleIds, KernelPath.Scalar);");
            writer.Line();
            writer.Line("internal static void RunVector512(HeaderBatch batch, Span<PolicyVerdict> verdicts, Span<uint> ruleIds) => RunTable(batch, verdicts, ruleIds, KernelPath.Vector512);");
            writer.Line();
            writer.Line("internal static void RunVector256(HeaderBatch batch, Span<PolicyVerdict> verdicts, Span<uint> ruleIds) => RunTable(batch, verdicts, ruleIds, KernelPath.Vector256);");
            if (passes)
                WritePassOn(writer, table);
        }

        /// <summary>
        /// The lanes a Pass sent on. Passes only go forward (to a later tier or profile), so the tables are visited once
        /// each, in order: a table that some lane continues in classifies the burst again, and those lanes take its
        /// answer or are sent further on.
        /// </summary>
        private static void WritePassOn(CodeWriter writer, TableProgram table)
        {
            writer.Line();
            writer.Line("/// <summary>Finishes the lanes that a Pass sent to a later table (<paramref name=\"next\"/>: the table, 0 when done).</summary>");
            writer.Line("[MethodImpl(MethodImplOptions.NoInlining)]");
            writer.Open("private static void PassOn(HeaderBatch batch, Span<PolicyVerdict> verdicts, Span<uint> ruleIds, KernelPath path, int count, Span<byte> next)");
            writer.Line("Span<int> entries = stackalloc int[HeaderBatch.Capacity];");
            writer.Line("ReadOnlySpan<uint> map = Entries;");
            writer.Open($"for (int t = 1; t < {table.Flat.Tables.Count.ToString(CultureInfo.InvariantCulture)}; t++)");
            writer.Line("if (next.Slice(0, count).IndexOf((byte)t) < 0)");
            writer.Line("    continue;");
            writer.Open("PacketClassifier classifier = t switch");
            for (var t = 1; t < table.Flat.Tables.Count; t++)
                writer.Line($"{t.ToString(CultureInfo.InvariantCulture)} => PolicyTables.{table.TableMember(t)},");
            writer.Line($"_ => PolicyTables.{table.Member},");
            writer.Close(";");
            writer.Line("classifier.Classify(new PacketBurst(batch.SrcV4, batch.DstV4, batch.Protocol, batch.SrcPort, batch.DstPort, count), entries.Slice(0, count), path);");
            writer.Line("int first = TableFirstEntry[t];");
            writer.Line("uint last = (uint)(TableFirstEntry[t + 1] - first - 1);");
            writer.Open("for (int i = 0; i < count; i++)");
            writer.Line("if (next[i] != t)");
            writer.Line("    continue;");
            writer.Line("uint packed = map[first + (int)Math.Min((uint)entries[i], last)];");
            writer.Open("if (packed >> VerdictShift == PassVerdict)");
            writer.Line("next[i] = (byte)packed;");
            writer.Line("continue;");
            writer.Close();
            writer.Line("next[i] = 0;");
            writer.Line("ruleIds[i] = packed & IndexMask;");
            writer.Line("verdicts[i] = (PolicyVerdict)(packed >> VerdictShift);");
            writer.Close();
            writer.Close();
            writer.Close();
        }

        /// <summary>The entry map: one packed value per table entry, in the program's evaluation order with its rules as comments.</summary>
        private static void WriteEntryMap(CodeWriter writer, TableProgram table)
        {
            var flat = table.Flat;
            var passes = flat.Tables.Count > 1;
            var shift = TableFlattener.VerdictShift.ToString(CultureInfo.InvariantCulture);
            writer.Line($"/// <summary>Entries of table 0; its end slot follows them.</summary>");
            writer.Line($"private const int EntryCount = {flat.Tables[0].Entries.Count.ToString(CultureInfo.InvariantCulture)};");
            writer.Line($"private const int VerdictShift = {shift};");
            writer.Line("private const uint IndexMask = (1u << VerdictShift) - 1;");
            writer.Line("private const uint Allow = (uint)PolicyVerdict.Allow << VerdictShift;");
            writer.Line("private const uint Deny = (uint)PolicyVerdict.Deny << VerdictShift;");
            writer.Line("private const uint NoDecision = (uint)PolicyVerdict.NoDecision << VerdictShift;");
            if (passes)
            {
                writer.Line($"private const uint PassVerdict = {TableFlattener.PassVerdict.ToString(CultureInfo.InvariantCulture)};");
                writer.Line("/// <summary>A Pass: the packet continues in the table whose number is in the low bits.</summary>");
                writer.Line("private const uint Pass = PassVerdict << VerdictShift;");
                writer.Line();
                writer.Line("/// <summary>Where each table's entries start in <see cref=\"Entries\"/> (each is followed by its end slot), and the total.</summary>");
                var first = new List<int>();
                var at = 0;
                foreach (var t in flat.Tables)
                {
                    first.Add(at);
                    at += t.Entries.Count + 1;
                }
                first.Add(at);
                writer.Line("private static ReadOnlySpan<int> TableFirstEntry => new int[] { " + string.Join(", ", first.Select(f => f.ToString(CultureInfo.InvariantCulture))) + " };");
            }
            writer.Line();
            writer.Line("/// <summary>");
            writer.Line("/// Table entry -> the rule it came from, as verdict | catalog index (a Pass: the table to continue in); each");
            writer.Line("/// table's entries are followed by its end slot, the program end, which a packet that matches no entry gets.");
            writer.Line("/// Entries are the program's IPv4 rules in evaluation order (a rule whose fields need several boxes has several).");
            writer.Line("/// </summary>");
            writer.Line("private static ReadOnlySpan<uint> Entries => new uint[]");
            writer.Open();
            const int PerLine = 6;
            for (var t = 0; t < flat.Tables.Count; t++)
            {
                var flatTable = flat.Tables[t];
                if (passes)
                    writer.Comment($"==== table {t.ToString(CultureInfo.InvariantCulture)} (PolicyTables.{table.TableMember(t)}): from {flatTable.Title} on");
                foreach (var line in flatTable.Lines)
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
            }
            writer.Close(";");
        }

        private static string PackedLiteral(uint packed)
        {
            var verdict = (packed >> TableFlattener.VerdictShift) switch
            {
                1 => "Allow",
                2 => "Deny",
                TableFlattener.PassVerdict => "Pass",
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
                for (var t = 0; t < table.Tables.Count; t++)
                {
                    writer.Comment($"{table.TableMember(t)}: program {table.Program.Key}" + (table.Tables.Count > 1 ? $", from {table.Flat.Tables[t].Title} on" : string.Empty));
                    writer.Comment("  " + Describe(table.Tables[t].Stats));
                }
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
                for (var t = 0; t < table.Tables.Count; t++)
                {
                    var from = table.Tables.Count > 1 ? $", from {Xml(table.Flat.Tables[t].Title)} on" : string.Empty;
                    writer.Line($"/// <summary>Program <c>{Xml(table.Program.Key)}</c>{from}: {Count(table.Flat.Tables[t].Entries.Count, "entry")}, {table.Tables[t].Blob.Length.ToString(CultureInfo.InvariantCulture)} bytes.</summary>");
                    writer.Line($"public static readonly PacketClassifier {table.TableMember(t)} = PolicyTableLoader.Load({table.TableMember(t)}_Base64);");
                    writer.Line();
                }
            }
            foreach (var table in _tablePrograms)
            {
                for (var t = 0; t < table.Tables.Count; t++)
                    writer.Line($"private static ReadOnlySpan<byte> {table.TableMember(t)}_Base64 => \"{Convert.ToBase64String(table.Tables[t].Blob)}\"u8;");
            }
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
