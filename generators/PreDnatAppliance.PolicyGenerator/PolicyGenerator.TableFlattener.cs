using System.Globalization;
using PreDnatAppliance.ClassifierTables;
using PreDnatAppliance.PolicyGenerator.Model;

namespace PreDnatAppliance.PolicyGenerator;

public sealed partial class PolicyGenerator
{
    /// <summary>
    /// A program flattened for the table strategy: its IPv4 behaviour as ordered first-match lists of entries over five
    /// fields (source, destination, protocol, source port, destination port), one list per table. Table 0 starts at the
    /// program's first tier; a Pass rule that can match IPv4 is an entry whose value sends the packet on to the table
    /// that starts where the Pass resumes (the next tier or profile), which the classifier then runs for those packets
    /// only. Each entry carries <c>verdict &lt;&lt; 30 | catalog index</c> (<see cref="TableFlattener.Pack"/>), or for a
    /// Pass, <c>3 &lt;&lt; 30 | table</c>; a packet that matches no entry of a table gets <see cref="End"/>.
    /// </summary>
    /// <param name="RoutesIcmp">Some IPv4 rule tests ICMP type or code, which the table has no field for: ICMP packets
    /// then take the scalar evaluator, and the tables only ever see packets that such rules cannot match.</param>
    internal sealed record FlatProgram(IReadOnlyList<FlatTable> Tables, uint End, string EndComment, bool RoutesIcmp)
    {
        public int EntryCount => Tables.Sum(t => t.Entries.Count);
    }

    /// <param name="Lines">The entry map as it is written: comments (the program from <paramref name="Title"/> on, in
    /// evaluation order, like a policy dump) and runs of entries, in entry order.</param>
    internal sealed record FlatTable(string Title, IReadOnlyList<ClassifierRule> Entries, IReadOnlyList<FlatLine> Lines);

    /// <summary>A comment, or <see cref="Count"/> entries that all resolve to <see cref="Packed"/>.</summary>
    internal readonly record struct FlatLine(string? Comment, uint Packed, int Count);

    /// <summary>
    /// Flattens a program into table entries in evaluation order, exactly as <c>Evaluation/RuleMatcher</c> and
    /// <c>ReferenceEvaluator</c> read it for IPv4 packets that are not routed elsewhere:
    /// <list type="bullet">
    /// <item>An Allow, Deny or Pass rule becomes entries whose fields are unions of ranges: source and destination are
    /// (nets, or any) ∩ (selector set's IPv4 members, or any) − notNets − every notSelector set's members; protocol is
    /// the protocol or any, minus notProtocol. Ports need the protocol: a packet of a protocol without ports fails
    /// every port match and ignores every port exclusion, so the rule is split into an entry for those protocols
    /// (only when neither side has a port match; ports any) and entries for TCP, UDP, SCTP and UDPLite (ports = the
    /// ranges or any, minus notPorts; a named port adds one entry per (protocol, port) with its members' addresses).
    /// All entries of a rule map to the same value, so their order among themselves does not matter.</item>
    /// <item>A Pass rule's entries send the packet to the table that starts at the next tier (in a profile: the next
    /// profile); a Pass to the program end resolves to the end at once.</item>
    /// <item>Rules with ipVersion 6 or that never match add nothing; Log is not terminal and adds nothing; a rule
    /// with an ICMP match adds nothing, since only ICMP packets could match it and those take the scalar path.</item>
    /// <item>A Deny tier end is a catch-all entry (nothing after it is reached in that table); a Pass tier end adds
    /// nothing.</item>
    /// <item>Profiles' rules follow the tiers; the program end is what no match means.</item>
    /// </list>
    /// </summary>
    internal sealed class TableFlattener
    {
        /// <summary>Bits above the catalog index (or table number) that hold the verdict in a packed entry value.</summary>
        public const int VerdictShift = 30;

        /// <summary>The verdict value of an entry that passes the packet on to another table.</summary>
        public const uint PassVerdict = 3;

        private static readonly FieldMatch AnyAddress = FieldMatch.Any(FieldKind.SourceIPv4);
        private static readonly FieldMatch AnyProtocol = FieldMatch.Any(FieldKind.Protocol);
        private static readonly FieldMatch AnyPort = FieldMatch.Any(FieldKind.SourcePort);

        /// <summary>The protocols whose ports rules can match (RuleMatcher's HasPorts): TCP, UDP, SCTP, UDPLite.</summary>
        private static readonly FieldMatch PortProtocols = FieldMatch.Of(new[] { 6u, 17u, 132u, 136u }.Select(p => new ValueRange(p, p)));

        private readonly Dictionary<string, IpSetSpec> _ipSets;
        private readonly Dictionary<string, NamedPortSetSpec> _namedPortSets;

        // Per table being flattened.
        private List<ClassifierRule> _entries = new();
        private List<FlatLine> _lines = new();
        private bool _reachable;
        private bool _routesIcmp;

        public TableFlattener(PolicySetSpec spec)
        {
            _ipSets = spec.IpSets.ToDictionary(s => s.Id, StringComparer.Ordinal);
            _namedPortSets = spec.NamedPortSets.ToDictionary(s => s.Id, StringComparer.Ordinal);
        }

        public static uint Pack(RuleRef rule, string verdict)
        {
            if (rule.Index >= 1u << VerdictShift)
                throw new InvalidOperationException($"rule catalog index {rule.Index} does not fit a table entry");
            var value = verdict switch
            {
                "Allow" => 1u,
                "Deny" => 2u,
                _ => 0u,
            };
            return value << VerdictShift | rule.Index;
        }

        /// <summary>
        /// Sections are the tiers, then the profiles, then the program end. Table 0 starts at section 0; every other
        /// section that an IPv4 Pass rule resumes at starts a table of its own.
        /// </summary>
        public FlatProgram Flatten(ProgramBodySpec body)
        {
            var tiers = body.Tiers.Count;
            var profiles = body.HasProfiles ? body.Profiles.Count : 0;
            var endSection = tiers + profiles;
            var starts = new SortedSet<int> { 0 };
            for (var k = 0; k < tiers; k++)
            {
                if (body.Tiers[k].Policies.SelectMany(p => p.Rules).Any(PassesIpv4))
                    starts.Add(k + 1);
            }
            for (var i = 0; i < profiles; i++)
            {
                if (body.Profiles[i].Rules.Any(PassesIpv4))
                    starts.Add(tiers + i + 1);
            }
            starts.Remove(endSection);
            var tableOf = starts.Select((section, index) => (section, index)).ToDictionary(p => p.section, p => p.index);
            var end = Pack(body.EndRuleId, VerdictName(body.End));
            uint PassTo(int section) => section == endSection ? end : PassVerdict << VerdictShift | (uint)tableOf[section];

            var tables = new List<FlatTable>();
            var endReachable = false;
            foreach (var start in starts)
            {
                _entries = new List<ClassifierRule>();
                _lines = new List<FlatLine>();
                _reachable = true;
                var title = start < tiers ? $"tier {body.Tiers[start].Name}" : $"profile {body.Profiles[start - tiers].Name}";
                for (var k = start; k < tiers; k++)
                {
                    var tier = body.Tiers[k];
                    Comment($"tier {tier.Name}");
                    foreach (var policy in tier.Policies)
                    {
                        Comment($"policy {policy.Name} (order {policy.Order}) {policy.Location}");
                        foreach (var rule in policy.Rules)
                            AddRule(rule, () => PassTo(k + 1), "the next tier");
                    }
                    if (!_reachable)
                    {
                        Comment($"end of tier {tier.Name}: not reached");
                    }
                    else if (tier.EndAction == RuleActionKind.Deny)
                    {
                        Comment($"end of tier {tier.Name}: deny [{RuleIdText(tier.EndRuleId)}], every packet that gets here");
                        Add(new[] { AnyAddress, AnyAddress, AnyProtocol, AnyPort, AnyPort }, Pack(tier.EndRuleId, "Deny"));
                        _reachable = false;
                    }
                    else
                    {
                        Comment($"end of tier {tier.Name}: pass [{RuleIdText(tier.EndRuleId)}], on to the next tier");
                    }
                }
                for (var i = Math.Max(0, start - tiers); i < profiles; i++)
                {
                    var profile = body.Profiles[i];
                    Comment($"profile {profile.Name} {profile.Location}");
                    foreach (var rule in profile.Rules)
                        AddRule(rule, () => PassTo(tiers + i + 1), "the next profile");
                }
                endReachable |= _reachable;
                tables.Add(new FlatTable(title, _entries, _lines));
            }
            var endComment = $"end: {EndText(body.End)} [{RuleIdText(body.EndRuleId)}]" + (endReachable ? string.Empty : ": not reached by IPv4 packets");
            return new FlatProgram(tables, end, endComment, _routesIcmp);
        }

        /// <summary>A Pass rule that can match IPv4 packets (so a table must send them on).</summary>
        private static bool PassesIpv4(RuleSpec rule) => rule.Action == RuleActionKind.Pass && !rule.NeverMatches && rule.IpVersion != 6;

        private void AddRule(RuleSpec rule, Func<uint> pass, string passTarget)
        {
            var title = $"[{RuleIdText(rule.Id)}] {rule.Location}  {rule.Text}";
            string? none = null;
            if (!_reachable)
                none = "not reached: an earlier tier end denies every IPv4 packet that gets here";
            else if (rule.NeverMatches)
                none = "never matches (its CIDRs do not fit its IP version)";
            else if (rule.IpVersion == 6)
                none = "cannot match IPv4 packets";
            else if (rule.Action == RuleActionKind.Log)
                none = "log: not terminal, no effect on the verdict";

            if (rule.Icmp is not null || rule.NotIcmp is not null)
                _routesIcmp |= none is null;
            if (none is null && rule.Icmp is not null)
                none = "matches ICMP packets only, which take the scalar path";
            Comment(title);
            if (none is not null)
            {
                Comment("  " + none);
                return;
            }

            var packed = rule.Action switch
            {
                RuleActionKind.Allow => Pack(rule.Id, "Allow"),
                RuleActionKind.Deny => Pack(rule.Id, "Deny"),
                _ => pass(),
            };
            if (rule.Action == RuleActionKind.Pass)
                Comment("  matching packets pass: they continue at " + passTarget);
            var before = _entries.Count;
            foreach (var box in Boxes(rule))
                Add(box, packed);
            if (_entries.Count == before)
                Comment("  no IPv4 packet can match (an empty address, protocol or port union)");
        }

        private void Add(FieldMatch[] box, uint packed)
        {
            _entries.Add(new ClassifierRule(box[0], box[1], box[2], box[3], box[4], packed & ((1u << VerdictShift) - 1), (byte)(packed >> VerdictShift)));
            if (_lines.Count > 0 && _lines[_lines.Count - 1] is { Comment: null } last && last.Packed == packed)
                _lines[_lines.Count - 1] = last with { Count = last.Count + 1 };
            else
                _lines.Add(new FlatLine(null, packed, 1));
        }

        private void Comment(string text) => _lines.Add(new FlatLine(text, 0, 0));

        /// <summary>The rule as boxes (one FieldMatch per field) whose union is exactly what it matches among IPv4 packets that are not ICMP.</summary>
        private IEnumerable<FieldMatch[]> Boxes(RuleSpec rule)
        {
            var protocol = rule.Protocol is { } p ? FieldMatch.Single(p) : AnyProtocol;
            if (rule.NotProtocol is { } notProtocol)
                protocol = Minus(protocol, FieldMatch.Single(notProtocol), FieldKind.Protocol);
            var source = Addresses(rule.Source);
            var destination = Addresses(rule.Destination);
            if (protocol.IsEmpty || source.IsEmpty || destination.IsEmpty)
                yield break;

            // No port match or exclusion on either side: the protocol needs no split.
            if (!rule.Source.HasPortMatch && !rule.Destination.HasPortMatch && rule.Source.NotPorts.Count == 0 && rule.Destination.NotPorts.Count == 0)
            {
                yield return new[] { source, destination, protocol, AnyPort, AnyPort };
                yield break;
            }

            // Protocols without ports: a port match fails, a port exclusion does not apply.
            var withoutPorts = Minus(protocol, PortProtocols, FieldKind.Protocol);
            if (!withoutPorts.IsEmpty && !rule.Source.HasPortMatch && !rule.Destination.HasPortMatch)
                yield return new[] { source, destination, withoutPorts, AnyPort, AnyPort };

            var withPorts = protocol.Intersect(PortProtocols);
            if (withPorts.IsEmpty)
                yield break;
            var destinationPorts = PortAlternatives(rule.Destination).ToList();
            foreach (var s in PortAlternatives(rule.Source))
            {
                foreach (var d in destinationPorts)
                {
                    var box = new[]
                    {
                        source.Intersect(s.Addresses),
                        destination.Intersect(d.Addresses),
                        withPorts.Intersect(s.Protocols).Intersect(d.Protocols),
                        s.Ports,
                        d.Ports,
                    };
                    if (box.All(f => !f.IsEmpty))
                        yield return box;
                }
            }
        }

        /// <summary>The IPv4 addresses one side accepts: nets (or any) ∩ selector set − notNets − notSelector sets.</summary>
        private FieldMatch Addresses(SideSpec side)
        {
            var addresses = side.Nets.Count > 0 ? Cidrs(side.Nets) : AnyAddress;
            if (side.NotNets.Count > 0)
                addresses = Minus(addresses, Cidrs(side.NotNets), FieldKind.SourceIPv4);
            if (side.SetId is { } setId)
                addresses = addresses.Intersect(Cidrs(_ipSets[setId].Members));
            foreach (var notSetId in side.NotSetIds)
                addresses = Minus(addresses, Cidrs(_ipSets[notSetId].Members), FieldKind.SourceIPv4);
            return addresses;
        }

        /// <summary>
        /// The ways one side's ports can match a packet of a port protocol, as (addresses, protocols, ports) that the
        /// rule's own fields are then narrowed by: the numeric ranges, and one per (protocol, port) of its named ports
        /// with the addresses of the members that define it; all minus the numeric notPorts.
        /// </summary>
        private IEnumerable<(FieldMatch Addresses, FieldMatch Protocols, FieldMatch Ports)> PortAlternatives(SideSpec side)
        {
            var excluded = Ports(side.NotPorts);
            if (!side.HasPortMatch)
            {
                yield return (AnyAddress, AnyProtocol, Minus(AnyPort, excluded, FieldKind.SourcePort));
                yield break;
            }
            if (side.Ports.Count > 0)
                yield return (AnyAddress, AnyProtocol, Minus(Ports(side.Ports), excluded, FieldKind.SourcePort));
            var named = side.NamedPortSetIds
                .SelectMany(id => _namedPortSets[id].Members)
                .Where(m => m.Address.Version == 4)
                .GroupBy(m => (m.Protocol, m.Port))
                .OrderBy(g => g.Key.Protocol).ThenBy(g => g.Key.Port);
            foreach (var group in named)
            {
                yield return (Cidrs(group.Select(m => m.Address)), FieldMatch.Single(group.Key.Protocol),
                    Minus(FieldMatch.Single(group.Key.Port), excluded, FieldKind.SourcePort));
            }
        }

        private static FieldMatch Cidrs(IEnumerable<CidrSpec> cidrs) =>
            FieldMatch.Of(cidrs.Where(c => c.Version == 4).Select(c => ValueRange.Prefix((uint)c.Low, c.PrefixLength)));

        private static FieldMatch Ports(IEnumerable<PortRangeSpec> ranges) => FieldMatch.Of(ranges.Select(r => new ValueRange(r.First, r.Last)));

        private static FieldMatch Minus(FieldMatch from, FieldMatch what, FieldKind kind) =>
            what.IsEmpty ? from : from.Intersect(what.Complement(kind));
    }

    private static string VerdictName(ProgramEndKind end) => end switch
    {
        ProgramEndKind.NoDecision => "NoDecision",
        ProgramEndKind.Allow => "Allow",
        _ => "Deny",
    };

    private static string EndText(ProgramEndKind end) => end switch
    {
        ProgramEndKind.NoDecision => "no decision, the packet continues to the next stage",
        ProgramEndKind.Allow => "allow (forwarded traffic is allowed by default)",
        _ => "deny (drop if no profile matched)",
    };

    internal static string Count(int n, string noun) => n.ToString(CultureInfo.InvariantCulture) + " " +
        (n == 1 ? noun : noun.EndsWith("y", StringComparison.Ordinal) ? noun.Substring(0, noun.Length - 1) + "ies" : noun + "s");
}
