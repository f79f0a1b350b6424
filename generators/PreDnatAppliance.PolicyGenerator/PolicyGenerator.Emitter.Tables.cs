using System.Globalization;
using System.Text;
using PreDnatAppliance.PolicyGenerator.Model;

namespace PreDnatAppliance.PolicyGenerator;

public sealed partial class PolicyGenerator
{
    /// <summary>
    /// The member tables of large sets, emitted once each as static data (<c>ReadOnlySpan&lt;T&gt;</c> over constant
    /// arrays, which the compiler places in the assembly's data section). Sets stay data, not code, so that a later
    /// run-time update of a set's members does not need a new classifier.
    /// </summary>
    internal sealed class SetTables
    {
        private readonly SortedDictionary<string, Action<CodeWriter>> _tables = new(StringComparer.Ordinal);

        public int Count => _tables.Count;

        /// <summary>
        /// IPv4: pairs (first, last - first) of merged, sorted, disjoint ranges. IPv6: quads (first high, first low,
        /// last high, last low). Binary search finds the last range starting at or below an address.
        /// </summary>
        public string IpSet(IpSetSpec set, int family)
        {
            var name = "Set_" + Identifier(set.Id) + "_V" + family.ToString(CultureInfo.InvariantCulture);
            if (_tables.ContainsKey(name))
                return name;
            var members = set.Members.Where(m => m.Version == family).ToList();
            var ranges = Merge(members.Select(m => Range(m)).OrderBy(r => r.First).ToList());
            _tables.Add(name, writer =>
            {
                writer.Line($"/// <summary>{Xml(set.Id)} {{{Xml(set.Description)}}}: {members.Count} IPv{family} members in {ranges.Count} ranges.</summary>");
                WriteMemberList(writer, members.Select(m => m.Text));
                if (family == 4)
                {
                    writer.Line($"public static ReadOnlySpan<uint> {name} => new uint[]");
                    writer.Open();
                    foreach (var range in ranges)
                        writer.Line($"{ConditionWriter.Hex32((uint)range.First.Low)}, {ConditionWriter.Hex32((uint)(range.Last.Low - range.First.Low))},");
                }
                else
                {
                    writer.Line($"public static ReadOnlySpan<ulong> {name} => new ulong[]");
                    writer.Open();
                    foreach (var range in ranges)
                    {
                        writer.Line($"{ConditionWriter.Hex64(range.First.High)}, {ConditionWriter.Hex64(range.First.Low)}, " +
                            $"{ConditionWriter.Hex64(range.Last.High)}, {ConditionWriter.Hex64(range.Last.Low)},");
                    }
                }
                writer.Close(";");
            });
            return name;
        }

        /// <summary>IPv4: triples (network, mask, protocol &lt;&lt; 16 | port). IPv6: (network high, low, mask high, low, protocol &lt;&lt; 16 | port).</summary>
        public string NamedPortSet(NamedPortSetSpec set, int family)
        {
            var name = "NamedPort_" + Identifier(set.Id) + "_V" + family.ToString(CultureInfo.InvariantCulture);
            if (_tables.ContainsKey(name))
                return name;
            var members = set.Members.Where(m => m.Address.Version == family).ToList();
            _tables.Add(name, writer =>
            {
                writer.Line($"/// <summary>{Xml(set.Id)} {{{Xml(set.Description)}}}: {members.Count} IPv{family} members.</summary>");
                WriteMemberList(writer, members.Select(m => $"{m.Address.Text},{ConditionWriter.ProtocolName(m.Protocol)}:{m.Port.ToString(CultureInfo.InvariantCulture)}"));
                writer.Line(family == 4 ? $"public static ReadOnlySpan<uint> {name} => new uint[]" : $"public static ReadOnlySpan<ulong> {name} => new ulong[]");
                writer.Open();
                foreach (var member in members)
                {
                    var key = (uint)member.Protocol << 16 | member.Port;
                    if (family == 4)
                    {
                        var mask = member.Address.PrefixLength == 0 ? 0u : uint.MaxValue << (32 - member.Address.PrefixLength);
                        writer.Line($"{ConditionWriter.Hex32((uint)member.Address.Low)}, {ConditionWriter.Hex32(mask)}, {ConditionWriter.Hex32(key)},");
                    }
                    else
                    {
                        var (maskHigh, maskLow) = Mask128(member.Address.PrefixLength);
                        writer.Line($"{ConditionWriter.Hex64(member.Address.High)}, {ConditionWriter.Hex64(member.Address.Low)}, " +
                            $"{ConditionWriter.Hex64(maskHigh)}, {ConditionWriter.Hex64(maskLow)}, {ConditionWriter.Hex64(key)},");
                    }
                }
                writer.Close(";");
            });
            return name;
        }

        public void Write(CodeWriter writer)
        {
            var first = true;
            foreach (var table in _tables.Values)
            {
                if (!first)
                    writer.Line();
                first = false;
                table(writer);
            }
        }

        private static void WriteMemberList(CodeWriter writer, IEnumerable<string> members)
        {
            const int PerLine = 6;
            const int MaxLines = 8;
            var list = members.ToList();
            for (var i = 0; i < list.Count && i < PerLine * MaxLines; i += PerLine)
                writer.Comment(string.Join(", ", list.Skip(i).Take(PerLine)));
            if (list.Count > PerLine * MaxLines)
                writer.Comment($"... and {list.Count - PerLine * MaxLines} more");
        }

        private static string Identifier(string id)
        {
            var start = id.IndexOf(':') + 1;
            var builder = new StringBuilder();
            foreach (var c in id.Substring(start))
                builder.Append(c is >= 'a' and <= 'z' or >= 'A' and <= 'Z' or >= '0' and <= '9' ? c : '_');
            return builder.ToString();
        }

        private static string Xml(string text) => CodeWriter.OneLine(text).Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;");

        private static (ulong High, ulong Low) Mask128(int prefix) =>
            (prefix >= 64 ? ulong.MaxValue : prefix == 0 ? 0 : ulong.MaxValue << (64 - prefix),
             prefix <= 64 ? 0 : prefix == 128 ? ulong.MaxValue : ulong.MaxValue << (128 - prefix));

        private static (U128 First, U128 Last) Range(CidrSpec cidr)
        {
            if (cidr.Version == 4)
            {
                var host = cidr.PrefixLength == 32 ? 0u : uint.MaxValue >> cidr.PrefixLength;
                return (new U128(0, cidr.Low), new U128(0, cidr.Low | host));
            }
            var (maskHigh, maskLow) = Mask128(cidr.PrefixLength);
            return (new U128(cidr.High, cidr.Low), new U128(cidr.High | ~maskHigh, cidr.Low | ~maskLow));
        }

        /// <summary>Sorted ranges to disjoint, non-adjacent ones: the same union, searchable by binary search.</summary>
        private static List<(U128 First, U128 Last)> Merge(List<(U128 First, U128 Last)> sorted)
        {
            var merged = new List<(U128 First, U128 Last)>();
            foreach (var range in sorted)
            {
                if (merged.Count > 0)
                {
                    var last = merged[merged.Count - 1];
                    if (last.Last.IsMax || range.First.CompareTo(last.Last.Next()) <= 0)
                    {
                        if (range.Last.CompareTo(last.Last) > 0)
                            merged[merged.Count - 1] = (last.First, range.Last);
                        continue;
                    }
                }
                merged.Add(range);
            }
            return merged;
        }

        private readonly struct U128 : IComparable<U128>
        {
            public U128(ulong high, ulong low)
            {
                High = high;
                Low = low;
            }

            public ulong High { get; }
            public ulong Low { get; }
            public bool IsMax => High == ulong.MaxValue && Low == ulong.MaxValue;

            public U128 Next() => Low == ulong.MaxValue ? new U128(High + 1, 0) : new U128(High, Low + 1);

            public int CompareTo(U128 other) => High != other.High ? High.CompareTo(other.High) : Low.CompareTo(other.Low);
        }
    }
}
