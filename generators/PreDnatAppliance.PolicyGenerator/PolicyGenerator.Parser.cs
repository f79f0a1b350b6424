using System.Collections.Immutable;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using PreDnatAppliance.Policy;
using PreDnatAppliance.Policy.Net;
using PreDnatAppliance.Policy.Programs;
using PreDnatAppliance.PolicyGenerator.Model;
using PolicyDiagnostics = PreDnatAppliance.Policy.Diagnostics;

namespace PreDnatAppliance.PolicyGenerator;

public sealed partial class PolicyGenerator
{
    /// <summary>
    /// Loads, validates and compiles the policy files with the policy library, and keeps only equatable data:
    /// the model (when there is no error), the inputs hash, and the diagnostics.
    /// </summary>
    internal static PolicyGenerationResult Parse(ImmutableArray<PolicyFileText> files, GeneratorOptions options, CancellationToken cancellationToken)
    {
        try
        {
            return WithInvariantCulture(() => new Parser(options, cancellationToken).Run(files));
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            var failure = new DiagnosticInfo(DiagnosticDescriptors.GeneratorFailed.Id, DiagnosticDescriptors.GeneratorFailed.Title.ToString(CultureInfo.InvariantCulture),
                DiagnosticLevel.Error, Describe(ex), string.Empty, 0, 0);
            return new PolicyGenerationResult(null, null, new[] { failure }.ToEquatableArray());
        }
    }

    private sealed class Parser
    {
        private readonly GeneratorOptions _options;
        private readonly CancellationToken _cancellationToken;
        private readonly List<DiagnosticInfo> _diagnostics = new();

        public Parser(GeneratorOptions options, CancellationToken cancellationToken)
        {
            _options = options;
            _cancellationToken = cancellationToken;
        }

        public PolicyGenerationResult Run(ImmutableArray<PolicyFileText> files)
        {
            var ordered = files.OrderBy(f => f.DisplayPath, StringComparer.Ordinal).ToList();
            var bag = new PolicyDiagnostics.DiagnosticBag();
            foreach (var unreadable in ordered.Where(f => f.Unreadable))
            {
                bag.Add(PolicyDiagnostics.DiagnosticDescriptors.YamlPathUnreadable, new PolicyDiagnostics.SourceLocation(unreadable.DisplayPath, 0, 0),
                    "cannot read policy file");
            }

            var set = PolicyProject.LoadTexts(ordered.Where(f => !f.Unreadable).Select(f => (f.DisplayPath, f.Text)));
            _cancellationToken.ThrowIfCancellationRequested();
            var compiled = PolicyProject.Compile(set);
            _cancellationToken.ThrowIfCancellationRequested();
            bag.AddRange(compiled.Diagnostics);

            if (ordered.Count == 0)
            {
                _diagnostics.Add(new DiagnosticInfo(DiagnosticDescriptors.NoPolicyFiles.Id, DiagnosticDescriptors.NoPolicyFiles.Title.ToString(CultureInfo.InvariantCulture),
                    DiagnosticLevel.Warning, _options.PolicyDirectory, string.Empty, 0, 0));
            }
            _diagnostics.AddRange(bag.Sorted().Select(ToInfo));

            if (bag.HasErrors || _diagnostics.Any(d => d.Level == DiagnosticLevel.Error))
                return new PolicyGenerationResult(null, null, _diagnostics.ToEquatableArray());

            var spec = BuildSpec(compiled, ordered);
            var inputs = new PolicyInputsSpec(_options.Namespace, ContentHash(ordered), _options.PolicyDirectory);
            return new PolicyGenerationResult(spec, inputs, _diagnostics.ToEquatableArray());
        }

        private static DiagnosticInfo ToInfo(PolicyDiagnostics.PolicyDiagnostic diagnostic) => new(
            diagnostic.Id,
            diagnostic.Descriptor.Title,
            diagnostic.Severity switch
            {
                PolicyDiagnostics.DiagnosticSeverity.Error => DiagnosticLevel.Error,
                PolicyDiagnostics.DiagnosticSeverity.Warning => DiagnosticLevel.Warning,
                _ => DiagnosticLevel.Info,
            },
            diagnostic.Message,
            diagnostic.Location.File ?? string.Empty,
            diagnostic.Location.Line,
            diagnostic.Location.Column);

        private PolicySetSpec BuildSpec(CompiledPolicySet compiled, List<PolicyFileText> files)
        {
            var typeNames = new HashSet<string>(StringComparer.Ordinal);
            var programs = new List<ProgramSpec>();
            // A rule's index is its position in the catalog (ascending RuleId), which is what classifiers write.
            var catalog = compiled.Rules.Values.OrderBy(r => r.Id.Value).ToList();
            var indexes = new Dictionary<ulong, uint>();
            for (var i = 0; i < catalog.Count; i++)
                indexes[catalog[i].Id.Value] = (uint)i;
            RuleRef Ref(RuleId id) => new(indexes[id.Value], id.Value);
            foreach (var program in compiled.Programs)
            {
                _cancellationToken.ThrowIfCancellationRequested();
                var body = Body(program, Ref);
                var choice = ChooseStrategy(body, _options.TableThreshold);
                if (choice.Strategy == ClassifierStrategy.LinearVector && choice.Ipv4Rules > LinearStrategyRuleLimit)
                {
                    var why = choice.Obstacle is null
                        ? $"the table threshold is {_options.TableThreshold.ToString(CultureInfo.InvariantCulture)} (PolicyTableThreshold)"
                        : choice.Obstacle + ", which a classifier table cannot express";
                    _diagnostics.Add(new DiagnosticInfo(DiagnosticDescriptors.LinearStrategyForLongProgram.Id,
                        DiagnosticDescriptors.LinearStrategyForLongProgram.Title.ToString(CultureInfo.InvariantCulture), DiagnosticLevel.Info,
                        $"program {program.Key} has {choice.Ipv4Rules} IPv4 rules; it is classified by the linear vector strategy (every rule tested in order): {why}",
                        program.Endpoint.Location.File ?? string.Empty, program.Endpoint.Location.Line, program.Endpoint.Location.Column));
                }
                programs.Add(new ProgramSpec
                {
                    Key = program.Key,
                    TypeName = UniqueTypeName(program, typeNames),
                    EndpointKind = program.Endpoint.IsHost ? "HostEndpoint" : "WorkloadEndpoint",
                    EndpointName = program.Endpoint.Namespace is null ? program.Endpoint.Name : program.Endpoint.Namespace + "/" + program.Endpoint.Name,
                    Node = program.Endpoint.Node,
                    InterfaceName = program.Endpoint.InterfaceName,
                    EndpointLocation = program.Endpoint.Location.ToShortString(),
                    Stage = StageNames.Of(program.Stage),
                    Direction = StageNames.Of(program.Direction),
                    Strategy = choice.Strategy,
                    Body = body,
                });
            }

            return new PolicySetSpec
            {
                Namespace = _options.Namespace,
                Programs = programs.ToEquatableArray(),
                IpSets = compiled.IpSets.OrderBy(s => s.Id, StringComparer.Ordinal)
                    .Select(s => new IpSetSpec(s.Id, s.Description, s.Members.Select(ToCidr).ToEquatableArray()))
                    .ToEquatableArray(),
                NamedPortSets = compiled.NamedPortSets.OrderBy(s => s.Id, StringComparer.Ordinal)
                    .Select(s => new NamedPortSetSpec(s.Id, s.PortName, s.Description,
                        s.Members.Select(m => new NamedPortMemberSpec(ToCidr(m.Address), m.Protocol, m.Port)).ToEquatableArray()))
                    .ToEquatableArray(),
                Rules = catalog
                    .Select(r => new RuleDescriptorSpec(r.Id.Value, r.Owner, r.Description, r.Location.File ?? string.Empty, r.Location.Line))
                    .ToEquatableArray(),
                Failsafes = compiled.Failsafes
                    .Select(f => new FailsafeSpec(f.Id.Value, f.Direction == Direction.Ingress ? "inbound" : "outbound", f.ToString(), f.IsDefault))
                    .ToEquatableArray(),
                Files = files.Select(f => f.DisplayPath).ToEquatableArray(),
            };
        }

        private static ProgramBodySpec Body(EndpointProgram program, Func<RuleId, RuleRef> rule) => new()
        {
            Tiers = program.Tiers.Select(tier => new TierSpec
            {
                Name = tier.Name,
                Policies = tier.Policies.Select(policy => new PolicySpec
                {
                    Name = policy.Name,
                    Order = policy.Order?.ToString("R", CultureInfo.InvariantCulture) ?? "none",
                    Location = policy.Location.ToShortString(),
                    Rules = policy.Rules.Select(r => ToRule(r, rule)).ToEquatableArray(),
                }).ToEquatableArray(),
                EndAction = ToAction(tier.EndAction),
                EndRuleId = rule(tier.EndRuleId),
            }).ToEquatableArray(),
            HasProfiles = program.Profiles is not null,
            Profiles = (program.Profiles ?? Array.Empty<ProgramProfile>()).Select(profile => new ProfileSpec
            {
                Name = profile.Name,
                Location = profile.Location.ToShortString(),
                Rules = profile.Rules.Select(r => ToRule(r, rule)).ToEquatableArray(),
            }).ToEquatableArray(),
            End = program.End switch
            {
                ProgramEnd.NoDecision => ProgramEndKind.NoDecision,
                ProgramEnd.Allow => ProgramEndKind.Allow,
                _ => ProgramEndKind.DenyAfterProfiles,
            },
            EndRuleId = rule(program.EndRuleId),
        };

        private static RuleSpec ToRule(CompiledRule rule, Func<RuleId, RuleRef> reference) => new()
        {
            Id = reference(rule.Id),
            Action = ToAction(rule.Action),
            Location = rule.Location.ToShortString(),
            Text = RuleText.Describe(rule),
            IpVersion = rule.IpVersion ?? 0,
            NeverMatches = rule.NeverMatches,
            Protocol = rule.Protocol,
            NotProtocol = rule.NotProtocol,
            Icmp = rule.Icmp is { } icmp ? new IcmpSpec(icmp.Type, icmp.Code) : null,
            NotIcmp = rule.NotIcmp is { } notIcmp ? new IcmpSpec(notIcmp.Type, notIcmp.Code) : null,
            Source = ToSide(rule.Source),
            Destination = ToSide(rule.Destination),
        };

        private static SideSpec ToSide(AddressMatch side) => side.IsAny ? SideSpec.Any : new SideSpec
        {
            Nets = side.Nets.Select(ToCidr).ToEquatableArray(),
            NotNets = side.NotNets.Select(ToCidr).ToEquatableArray(),
            SetId = side.Set?.Id,
            NotSetIds = side.NotSets.Select(s => s.Id).ToEquatableArray(),
            Ports = side.Ports.Select(p => new PortRangeSpec(p.First, p.Last)).ToEquatableArray(),
            NamedPortSetIds = side.NamedPorts.Select(s => s.Id).ToEquatableArray(),
            NotPorts = side.NotPorts.Select(p => new PortRangeSpec(p.First, p.Last)).ToEquatableArray(),
            NotNamedPortSetIds = side.NotNamedPorts.Select(s => s.Id).ToEquatableArray(),
        };

        private static CidrSpec ToCidr(Cidr cidr) =>
            new(cidr.Version, cidr.Network.High, cidr.Network.Low, cidr.PrefixLength, cidr.ToString());

        private static RuleActionKind ToAction(RuleAction action) => action switch
        {
            RuleAction.Allow => RuleActionKind.Allow,
            RuleAction.Deny => RuleActionKind.Deny,
            RuleAction.Log => RuleActionKind.Log,
            _ => RuleActionKind.Pass,
        };

        /// <summary>
        /// <c>Program_</c> + endpoint key + <c>__</c> + stage + <c>__</c> + direction, with every character that
        /// cannot be in an identifier turned into '_' (<c>Program_hep_node1_eth0__prednat__ingress</c>). Two keys
        /// that sanitize alike get the RuleId-style hash of the key appended, so names stay deterministic.
        /// </summary>
        private static string UniqueTypeName(EndpointProgram program, HashSet<string> taken)
        {
            var name = "Program_" + Sanitize(program.Endpoint.Key) + "__" + Sanitize(StageNames.Of(program.Stage)) + "__" + Sanitize(StageNames.Of(program.Direction));
            if (taken.Add(name))
                return name;
            var hashed = name + "_" + RuleId.FromKey(program.Key).Value.ToString("x12", CultureInfo.InvariantCulture);
            var candidate = hashed;
            for (var suffix = 2; !taken.Add(candidate); suffix++)
                candidate = hashed + "_" + suffix.ToString(CultureInfo.InvariantCulture);
            return candidate;
        }

        private static string Sanitize(string text)
        {
            var builder = new StringBuilder(text.Length);
            foreach (var c in text)
                builder.Append(c is >= 'a' and <= 'z' or >= 'A' and <= 'Z' or >= '0' and <= '9' ? c : '_');
            return builder.ToString();
        }

        /// <summary>
        /// SHA-256 over each file's path relative to PolicyRoot and its text with line endings normalised, in ordinal
        /// path order: the same for every checkout location, line-ending convention and build time.
        /// </summary>
        private static string ContentHash(List<PolicyFileText> files)
        {
            using var sha = SHA256.Create();
            using var stream = new MemoryStream();
            foreach (var file in files)
            {
                var path = Encoding.UTF8.GetBytes(file.DisplayPath);
                var text = Encoding.UTF8.GetBytes(file.Text.Replace("\r\n", "\n").Replace('\r', '\n'));
                stream.Write(path, 0, path.Length);
                stream.WriteByte(0);
                stream.Write(text, 0, text.Length);
                stream.WriteByte(0);
            }
            stream.Position = 0;
            var hash = sha.ComputeHash(stream);
            var builder = new StringBuilder("sha256:", 7 + hash.Length * 2);
            foreach (var b in hash)
                builder.Append(b.ToString("x2", CultureInfo.InvariantCulture));
            return builder.ToString();
        }
    }
}
