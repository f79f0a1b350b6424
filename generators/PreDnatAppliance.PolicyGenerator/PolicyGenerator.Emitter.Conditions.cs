using System.Globalization;
using PreDnatAppliance.PolicyGenerator.Model;

namespace PreDnatAppliance.PolicyGenerator;

public sealed partial class PolicyGenerator
{
    internal enum Side
    {
        Source,
        Destination,
    }

    /// <summary>
    /// A rule's match condition for one IP family, as a small boolean tree that the scalar and vector writers
    /// render. Built from the model exactly as <c>Evaluation/RuleMatcher</c> reads a rule; the builders fold
    /// constants, so a condition that is always true or never true is known before any code is written.
    /// </summary>
    internal abstract record Cond
    {
        public static readonly Cond True = new ConstCond(true);
        public static readonly Cond False = new ConstCond(false);

        public bool IsTrue => this is ConstCond { Value: true };
        public bool IsFalse => this is ConstCond { Value: false };

        public static Cond And(IEnumerable<Cond> items)
        {
            var list = new List<Cond>();
            foreach (var item in items)
            {
                if (item.IsFalse)
                    return False;
                if (item.IsTrue)
                    continue;
                foreach (var inner in item is AndCond and ? and.Items : new[] { item })
                {
                    if (!list.Contains(inner))
                        list.Add(inner);
                }
            }
            return list.Count switch
            {
                0 => True,
                1 => list[0],
                _ => new AndCond(list),
            };
        }

        public static Cond And(params Cond[] items) => And((IEnumerable<Cond>)items);

        public static Cond Or(IEnumerable<Cond> items)
        {
            var list = new List<Cond>();
            foreach (var item in items)
            {
                if (item.IsTrue)
                    return True;
                if (item.IsFalse)
                    continue;
                foreach (var inner in item is OrCond or ? or.Items : new[] { item })
                {
                    if (!list.Contains(inner))
                        list.Add(inner);
                }
            }
            return list.Count switch
            {
                0 => False,
                1 => list[0],
                _ => new OrCond(list),
            };
        }

        public static Cond Not(Cond item) => item switch
        {
            ConstCond constant => constant.Value ? False : True,
            NotCond not => not.Inner,
            _ => new NotCond(item),
        };
    }

    internal sealed record ConstCond(bool Value) : Cond;

    internal sealed record AndCond(IReadOnlyList<Cond> Items) : Cond;

    internal sealed record OrCond(IReadOnlyList<Cond> Items) : Cond;

    internal sealed record NotCond(Cond Inner) : Cond;

    internal sealed record ProtocolCond(byte Protocol) : Cond;

    /// <summary>The packet's protocol has ports (TCP, UDP, SCTP, UDPLite), so port matches apply to it.</summary>
    internal sealed record HasPortsCond : Cond;

    internal sealed record AddressCond(Side Side, CidrSpec Cidr) : Cond;

    internal sealed record PortCond(Side Side, PortRangeSpec Range) : Cond;

    internal sealed record IcmpTypeCond(byte Type) : Cond;

    internal sealed record IcmpCodeCond(byte Code) : Cond;

    /// <summary>Membership of a large IP set, looked up in a range table emitted as data.</summary>
    internal sealed record SetTableCond(Side Side, string Table) : Cond;

    /// <summary>Membership of a large named-port set, looked up in a (network, protocol, port) table.</summary>
    internal sealed record NamedPortTableCond(Side Side, string Table) : Cond;

    /// <summary>Builds the conditions of rules for one IP family, registering the set tables it needs.</summary>
    internal sealed class ConditionBuilder
    {
        /// <summary>Sets with at most this many members of a family are tested inline, larger ones through a table.</summary>
        public const int InlineSetLimit = 4;

        private readonly Dictionary<string, IpSetSpec> _ipSets;
        private readonly Dictionary<string, NamedPortSetSpec> _namedPortSets;
        private readonly SetTables _tables;

        public ConditionBuilder(PolicySetSpec spec, SetTables tables)
        {
            _ipSets = spec.IpSets.ToDictionary(s => s.Id, StringComparer.Ordinal);
            _namedPortSets = spec.NamedPortSets.ToDictionary(s => s.Id, StringComparer.Ordinal);
            _tables = tables;
        }

        public Cond Build(RuleSpec rule, int family)
        {
            if (rule.NeverMatches || (rule.IpVersion != 0 && rule.IpVersion != family))
                return Cond.False;

            // What the rule's own protocol already says, so that side and ICMP tests need not repeat it.
            var hasPorts = rule.Protocol is { } p ? (IsPortProtocol(p) ? Cond.True : Cond.False) : new HasPortsCond();
            var icmpProtocol = (byte)(family == 4 ? 1 : 58);
            var isIcmp = rule.Protocol is { } q ? (q == icmpProtocol ? Cond.True : Cond.False) : new ProtocolCond(icmpProtocol);

            var parts = new List<Cond>();
            if (rule.Protocol is { } protocol)
                parts.Add(new ProtocolCond(protocol));
            if (rule.NotProtocol is { } notProtocol)
                parts.Add(Cond.Not(new ProtocolCond(notProtocol)));
            parts.Add(BuildSide(rule.Source, Side.Source, family, hasPorts, rule.Protocol));
            parts.Add(BuildSide(rule.Destination, Side.Destination, family, hasPorts, rule.Protocol));
            if (rule.Icmp is { } icmp)
                parts.Add(Icmp(icmp, isIcmp));
            if (rule.NotIcmp is { } notIcmp)
                parts.Add(Cond.Not(Icmp(notIcmp, isIcmp)));
            return Cond.And(parts);
        }

        private static bool IsPortProtocol(byte protocol) => protocol is 6 or 17 or 132 or 136;

        private static Cond Icmp(IcmpSpec icmp, Cond isIcmp) =>
            Cond.And(isIcmp, new IcmpTypeCond(icmp.Type), icmp.Code is { } code ? new IcmpCodeCond(code) : Cond.True);

        private Cond BuildSide(SideSpec side, Side which, int family, Cond hasPorts, byte? protocol)
        {
            var parts = new List<Cond>();
            if (side.Nets.Count > 0)
                parts.Add(Cond.Or(side.Nets.Where(n => n.Version == family).Select(n => Address(which, n))));
            if (side.NotNets.Count > 0)
                parts.Add(Cond.Not(Cond.Or(side.NotNets.Where(n => n.Version == family).Select(n => Address(which, n)))));
            if (side.SetId is { } setId)
                parts.Add(IpSet(which, setId, family));
            foreach (var notSetId in side.NotSetIds)
                parts.Add(Cond.Not(IpSet(which, notSetId, family)));
            if (side.HasPortMatch)
            {
                parts.Add(Cond.And(hasPorts, Cond.Or(side.Ports.Select(r => Port(which, r))
                    .Concat(side.NamedPortSetIds.Select(id => NamedPorts(which, id, family, protocol))))));
            }
            if (side.HasNotPortMatch)
            {
                parts.Add(Cond.Not(Cond.And(hasPorts, Cond.Or(side.NotPorts.Select(r => Port(which, r))
                    .Concat(side.NotNamedPortSetIds.Select(id => NamedPorts(which, id, family, protocol)))))));
            }
            return Cond.And(parts);
        }

        private static Cond Address(Side side, CidrSpec cidr) => cidr.PrefixLength == 0 ? Cond.True : new AddressCond(side, cidr);

        private static Cond Port(Side side, PortRangeSpec range) =>
            range.First == 0 && range.Last == ushort.MaxValue ? Cond.True : new PortCond(side, range);

        private Cond IpSet(Side side, string id, int family)
        {
            var set = _ipSets[id];
            var members = set.Members.Where(m => m.Version == family).ToList();
            if (members.Count <= InlineSetLimit || members.Any(m => m.PrefixLength == 0))
                return Cond.Or(members.Select(m => Address(side, m)));
            return new SetTableCond(side, _tables.IpSet(set, family));
        }

        /// <param name="protocol">The rule's own protocol, which a member's protocol then need not test again.</param>
        private Cond NamedPorts(Side side, string id, int family, byte? protocol)
        {
            var set = _namedPortSets[id];
            var members = set.Members.Where(m => m.Address.Version == family).ToList();
            if (members.Count <= InlineSetLimit)
            {
                return Cond.Or(members.Select(m => Cond.And(
                    Address(side, m.Address),
                    protocol is null ? new ProtocolCond(m.Protocol) : protocol == m.Protocol ? Cond.True : Cond.False,
                    Port(side, new PortRangeSpec(m.Port, m.Port)))));
            }
            return new NamedPortTableCond(side, _tables.NamedPortSet(set, family));
        }
    }

    /// <summary>Renders conditions as C#: scalar code for one family, or Vector512/Vector256 lane masks for IPv4.</summary>
    internal sealed class ConditionWriter
    {
        private readonly int _family;

        /// <summary>Null for scalar code; otherwise "Vector512" or "Vector256".</summary>
        private readonly string? _vector;

        public ConditionWriter(int family, string? vector)
        {
            _family = family;
            _vector = vector;
        }

        /// <summary>Lane values the rendered code reads (src, dst, proto, sport, dport, icmpType, icmpCode, hasPorts).</summary>
        public HashSet<string> Used { get; } = new(StringComparer.Ordinal);

        private bool IsVector => _vector is not null;

        public string Render(Cond cond) => cond switch
        {
            ConstCond constant => IsVector ? (constant.Value ? $"{_vector}<uint>.AllBitsSet" : $"{_vector}<uint>.Zero") : constant.Value ? "true" : "false",
            AndCond and => string.Join(IsVector ? " & " : " && ", and.Items.Select(i => i is OrCond ? "(" + Render(i) + ")" : Render(i))),
            OrCond or => string.Join(IsVector ? " | " : " || ", or.Items.Select(i => i is AndCond ? "(" + Render(i) + ")" : Render(i))),
            NotCond not => RenderNot(not.Inner),
            ProtocolCond protocol => Equal(Use("proto"), Number(protocol.Protocol), "/* " + ProtocolName(protocol.Protocol) + " */"),
            HasPortsCond => Use("hasPorts"),
            AddressCond address => RenderAddress(address),
            PortCond port => RenderPort(port),
            IcmpTypeCond type => Equal(Use("icmpType"), Number(type.Type), null),
            IcmpCodeCond code => Equal(Use("icmpCode"), Number(code.Code), null),
            SetTableCond set => _family == 4
                ? $"PolicySetLookup.Contains({Use(AddressName(set.Side))}, PolicySetTables.{set.Table})"
                : $"PolicySetLookup.Contains({Use(AddressName(set.Side) + "Hi")}, {Use(AddressName(set.Side) + "Lo")}, PolicySetTables.{set.Table})",
            NamedPortTableCond named => _family == 4
                ? $"PolicySetLookup.ContainsNamedPort({Use(AddressName(named.Side))}, {Use("proto")}, {Use(PortName(named.Side))}, PolicySetTables.{named.Table})"
                : $"PolicySetLookup.ContainsNamedPort({Use(AddressName(named.Side) + "Hi")}, {Use(AddressName(named.Side) + "Lo")}, {Use("proto")}, {Use(PortName(named.Side))}, PolicySetTables.{named.Table})",
            _ => throw new InvalidOperationException("unknown condition " + cond.GetType().Name),
        };

        /// <summary>Splits a long top-level OR or AND over several lines, one operand per line.</summary>
        public IReadOnlyList<string> RenderLines(Cond cond, int width = 110)
        {
            var single = Render(cond);
            if (single.Length <= width || cond is not (OrCond or AndCond))
                return new[] { single };
            var (items, op) = cond is OrCond or
                ? (or.Items, IsVector ? "| " : "|| ")
                : (((AndCond)cond).Items, IsVector ? "& " : "&& ");
            var lines = new List<string>();
            for (var i = 0; i < items.Count; i++)
            {
                var item = items[i];
                var text = (cond is OrCond && item is AndCond) || (cond is AndCond && item is OrCond) ? "(" + Render(item) + ")" : Render(item);
                lines.Add(i == 0 ? text : op + text);
            }
            return lines;
        }

        private string RenderNot(Cond inner)
        {
            if (!IsVector)
            {
                return inner switch
                {
                    ProtocolCond protocol => $"{Use("proto")} != {Number(protocol.Protocol)} /* {ProtocolName(protocol.Protocol)} */",
                    PortCond { Range.First: var first, Range.Last: var last } port when first == last => $"{Use(PortName(port.Side))} != {Number(first)}",
                    HasPortsCond => "!" + Use("hasPorts"),
                    _ => "!(" + Render(inner) + ")",
                };
            }
            return inner is AndCond or OrCond ? "~(" + Render(inner) + ")" : "~" + Render(inner);
        }

        private string RenderAddress(AddressCond address)
        {
            var cidr = address.Cidr;
            var name = AddressName(address.Side);
            var comment = "/* " + cidr.Text + " */";
            if (_family == 4)
            {
                var value = (uint)cidr.Low;
                if (cidr.PrefixLength == 32)
                    return Equal(Use(name), Hex32(value), comment);
                var mask = uint.MaxValue << (32 - cidr.PrefixLength);
                return Equal(IsVector ? $"{Use(name)} & {Constant(Hex32(mask))}" : $"({Use(name)} & {Hex32(mask)})", Hex32(value), comment);
            }

            // IPv6 (scalar only): the high half, then the low half when the prefix reaches into it.
            var high = Use(name + "Hi");
            var low = Use(name + "Lo");
            if (cidr.PrefixLength < 64)
                return $"({high} & {Hex64(ulong.MaxValue << (64 - cidr.PrefixLength))}) == {Hex64(cidr.High)} {comment}";
            if (cidr.PrefixLength == 64)
                return $"{high} == {Hex64(cidr.High)} {comment}";
            var lowPart = cidr.PrefixLength == 128
                ? $"{low} == {Hex64(cidr.Low)}"
                : $"({low} & {Hex64(ulong.MaxValue << (128 - cidr.PrefixLength))}) == {Hex64(cidr.Low)}";
            return $"({high} == {Hex64(cidr.High)} && {lowPart}) {comment}";
        }

        private string RenderPort(PortCond port)
        {
            var name = Use(PortName(port.Side));
            var (first, last) = (port.Range.First, port.Range.Last);
            if (first == last)
                return Equal(name, Number(first), null);
            var comment = "/* " + port.Range + " */";
            if (first == 0)
                return IsVector ? $"{_vector}.LessThanOrEqual({name}, {Constant(Number(last))})" : $"{name} <= {Number(last)}";
            if (last == ushort.MaxValue)
                return IsVector ? $"{_vector}.GreaterThanOrEqual({name}, {Constant(Number(first))})" : $"{name} >= {Number(first)}";
            // One unsigned compare: port - first wraps around below first.
            return IsVector
                ? $"{_vector}.LessThanOrEqual({name} - {Constant(Number(first))}, {Constant(Number((uint)(last - first)))}) {comment}"
                : $"{name} - {Number(first)} <= {Number((uint)(last - first))} {comment}";
        }

        private string Equal(string left, string right, string? comment)
        {
            var text = IsVector ? $"{_vector}.Equals({left}, {Constant(right)})" : $"{left} == {right}";
            return comment is null ? text : text + " " + comment;
        }

        private string Constant(string literal) => $"{_vector}.Create({literal})";

        private string Use(string name)
        {
            Used.Add(name);
            return name;
        }

        private static string AddressName(Side side) => side == Side.Source ? "src" : "dst";
        private static string PortName(Side side) => side == Side.Source ? "sport" : "dport";

        public static string Number(uint value) => value.ToString(CultureInfo.InvariantCulture) + "u";
        public static string Hex32(uint value) => "0x" + value.ToString("x8", CultureInfo.InvariantCulture) + "u";
        public static string Hex64(ulong value) => "0x" + value.ToString("x16", CultureInfo.InvariantCulture) + "ul";

        public static string ProtocolName(byte protocol) => PreDnatAppliance.Policy.Net.IpProtocol.Name(protocol).ToLowerInvariant();
    }
}
