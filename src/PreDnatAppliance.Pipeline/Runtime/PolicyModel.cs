using PreDnatAppliance.Classification;
using PreDnatAppliance.Pipeline.Routing;
using PreDnatAppliance.Pipeline.Services;
using PreDnatAppliance.Policy.Net;
using PreDnatAppliance.Policy.Programs;
using PreDnatAppliance.Policy.Resources;

namespace PreDnatAppliance.Pipeline.Runtime;

/// <summary>A rule as the trace reports it: the owner (policy, profile, "tier default", "failsafe"), its RuleId text and file:line.</summary>
public sealed record TraceRule(string Owner, string RuleId, string? Source)
{
    /// <summary>The 48-bit RuleId (what counters key on).</summary>
    public ulong Key { get; init; }

    public string Description { get; init; } = "";
}

/// <summary>The programs a host endpoint's interface runs (indexes into <see cref="PolicyModel.Programs"/>, -1 when absent).</summary>
public sealed class HostEndpointPrograms
{
    public required string Name { get; init; }
    public int UntrackedIn { get; init; } = -1;
    public int PreDnatIn { get; init; } = -1;
    public int HostIn { get; init; } = -1;
    public int HostOut { get; init; } = -1;
    public int ForwardIn { get; init; } = -1;
    public int ForwardOut { get; init; } = -1;

    /// <summary>The untracked ingress program has at least one tier (else it passes everything: not worth running, and no failsafe matters).</summary>
    public bool UntrackedCanDecide { get; init; }

    /// <summary>The pre-DNAT program has at least one tier: only then can a failsafe change its outcome (PolicyExplainer's rule).</summary>
    public bool PreDnatCanDecide { get; init; }
}

/// <summary>A workload endpoint on this node: its addresses, interface, MAC and programs.</summary>
public sealed class WorkloadModel
{
    public required string Key { get; init; }
    public required string InterfaceName { get; init; }
    public required IReadOnlyList<IpPrefix> Prefixes { get; init; }
    public ulong Mac { get; init; }
    public int In { get; init; } = -1;
    public int Out { get; init; } = -1;
}

/// <summary>A failsafe entry: protocol, port and optional net (source for inbound, destination for outbound).</summary>
public readonly record struct FailsafeEntry(byte Protocol, ushort Port, bool HasNet, IpPrefix Net, uint Rule);

/// <summary>
/// The policy the pipeline enforces, in the form the stages use: the generated classifiers of the policy assembly
/// (<see cref="ICompiledPolicy"/>) indexed by program, and the endpoint metadata the generated assembly does not
/// expose yet (which host endpoint owns an interface, the node's workload endpoints, the failsafes), taken from the
/// same policy directory compiled at start with the Policy library.
///
/// <para><b>Stopgap</b>: the metadata comes from a second compilation of the policy directory at start;
/// <see cref="Build"/> checks that the policy assembly was built from a matching policy set (every program key and
/// every rule it needs exist in the assembly). When the generator exposes endpoints and failsafes, this moves into
/// the policy assembly and the start-time compile goes away.</para>
/// </summary>
public sealed class PolicyModel
{
    private PolicyModel(ICompiledPolicy policy, IPolicyClassifier[] programs, string[] programKeys, TraceRule[] rules,
        FailsafeEntry[] inbound, FailsafeEntry[] outbound, Dictionary<string, HostEndpointPrograms> byInterface,
        WorkloadModel[] workloads, IReadOnlyList<ServiceAddress> hostAddresses, string node)
    {
        Policy = policy;
        Programs = programs;
        ProgramKeys = programKeys;
        Rules = rules;
        InboundFailsafes = inbound;
        OutboundFailsafes = outbound;
        _byInterface = byInterface;
        Workloads = workloads;
        HostEndpointAddresses = hostAddresses;
        Node = node;
    }

    private readonly Dictionary<string, HostEndpointPrograms> _byInterface;

    public ICompiledPolicy Policy { get; }
    public string Node { get; }

    /// <summary>Every program a stage may run, by index.</summary>
    public IPolicyClassifier[] Programs { get; }
    public string[] ProgramKeys { get; }

    /// <summary>The trace's rule catalog: the policy assembly's rules (same indexes as classifiers report), then the failsafes.</summary>
    public TraceRule[] Rules { get; }

    public FailsafeEntry[] InboundFailsafes { get; }
    public FailsafeEntry[] OutboundFailsafes { get; }
    public WorkloadModel[] Workloads { get; }

    /// <summary>expectedIPs of this node's host endpoints (node addresses as the policy knows them).</summary>
    public IReadOnlyList<ServiceAddress> HostEndpointAddresses { get; }

    /// <summary>The host endpoint that polices an interface, or null (not policed).</summary>
    public HostEndpointPrograms? HostEndpointOf(string interfaceName) => _byInterface.GetValueOrDefault(interfaceName);

    /// <param name="policy">The generated classifiers.</param>
    /// <param name="compiled">The same policy directory compiled for <paramref name="node"/> with the Policy library.</param>
    /// <param name="interfaces">The appliance's port names (and their addresses, for expectedIPs resolution).</param>
    public static PolicyModel Build(ICompiledPolicy policy, CompiledPolicySet compiled, string node,
        IReadOnlyDictionary<string, IReadOnlyList<IpAddress>> interfaces)
    {
        var errors = new List<string>();
        var programs = new List<IPolicyClassifier>();
        var keys = new List<string>();
        var indexByKey = new Dictionary<string, int>(StringComparer.Ordinal);

        int ProgramIndex(EndpointRef endpoint, PolicyStage stage, Direction direction)
        {
            var program = compiled.Find(endpoint, stage, direction);
            if (program is null)
                return -1;
            if (indexByKey.TryGetValue(program.Key, out var existing))
                return existing;
            var classifier = policy.Find(program.Key);
            if (classifier is null)
            {
                errors.Add($"the policy assembly has no program {program.Key}");
                return -1;
            }
            indexByKey[program.Key] = programs.Count;
            programs.Add(classifier);
            keys.Add(program.Key);
            return programs.Count - 1;
        }

        // Rules: the assembly's catalog must hold every rule the policy directory compiles to (failsafes aside, which
        // the trace takes from the directory: the generator compiles without a node).
        var assemblyRules = new HashSet<ulong>(policy.Rules.Select(r => r.RuleId));
        var missing = compiled.Rules.Values.Where(r => r.Owner != "failsafe" && !assemblyRules.Contains(r.Id.Value)).Take(5).ToList();
        foreach (var r in missing)
            errors.Add($"the policy assembly has no rule {r.Id} ({r.Owner}: {r.Description} {r.Location.ToShortString()})");

        var byInterface = new Dictionary<string, HostEndpointPrograms>(StringComparer.Ordinal);
        foreach (var (name, addresses) in interfaces)
        {
            var hep = HostEndpointResolver.Resolve(compiled.HostEndpoints, node, name, addresses.ToList());
            if (hep is null)
                continue;
            var endpoint = new EndpointRef(ResourceKind.HostEndpoint, hep.Name, null, hep.Node, hep.InterfaceName, hep.Location);
            var prednat = compiled.Find(endpoint, PolicyStage.PreDnat, Direction.Ingress);
            var untracked = compiled.Find(endpoint, PolicyStage.Untracked, Direction.Ingress);
            byInterface[name] = new HostEndpointPrograms
            {
                Name = hep.Name,
                UntrackedIn = untracked is not null && untracked.Tiers.Count > 0 ? ProgramIndex(endpoint, PolicyStage.Untracked, Direction.Ingress) : -1,
                UntrackedCanDecide = untracked is not null && untracked.Tiers.Count > 0,
                PreDnatIn = ProgramIndex(endpoint, PolicyStage.PreDnat, Direction.Ingress),
                HostIn = ProgramIndex(endpoint, PolicyStage.Normal, Direction.Ingress),
                HostOut = ProgramIndex(endpoint, PolicyStage.Normal, Direction.Egress),
                ForwardIn = ProgramIndex(endpoint, PolicyStage.Forward, Direction.Ingress),
                ForwardOut = ProgramIndex(endpoint, PolicyStage.Forward, Direction.Egress),
                PreDnatCanDecide = prednat is not null && (prednat.Tiers.Count > 0 || prednat.End != ProgramEnd.NoDecision),
            };
        }

        var workloads = new List<WorkloadModel>();
        foreach (var wep in compiled.WorkloadEndpoints.Where(w => w.Node == node).OrderBy(w => w.Namespace, StringComparer.Ordinal).ThenBy(w => w.Name, StringComparer.Ordinal))
        {
            var endpoint = new EndpointRef(ResourceKind.WorkloadEndpoint, wep.Name, wep.Namespace, wep.Node, wep.InterfaceName, wep.Location);
            var prefixes = new List<IpPrefix>();
            foreach (var net in wep.IpNetworks)
                if (IpPrefix.TryParse(net.Value, out var prefix, out _))
                    prefixes.Add(prefix);
            workloads.Add(new WorkloadModel
            {
                Key = endpoint.Key,
                InterfaceName = wep.InterfaceName,
                Prefixes = prefixes,
                Mac = MacAddress.TryParse(wep.Mac, out var mac) ? mac : 0,
                In = ProgramIndex(endpoint, PolicyStage.Workload, Direction.Ingress),
                Out = ProgramIndex(endpoint, PolicyStage.Workload, Direction.Egress),
            });
        }

        var rules = policy.Rules.Select(r => new TraceRule(r.Owner, r.RuleIdText, r.SourceLine > 0 ? $"{r.SourceFile}:{r.SourceLine}" : null)
            { Key = r.RuleId, Description = r.Description }).ToList();
        var inbound = new List<FailsafeEntry>();
        var outbound = new List<FailsafeEntry>();
        foreach (var f in compiled.Failsafes)
        {
            var index = (uint)rules.Count;
            rules.Add(new TraceRule("failsafe", f.Id.ToString(), f.Location.IsKnown ? f.Location.ToShortString() : null)
            {
                Key = f.Id.Value,
                Description = $"{(f.Direction == Direction.Ingress ? "inbound" : "outbound")} {f.Protocol}:{f.Port}{(f.Net is { } n ? " " + n : "")}",
            });
            var net = f.Net is { } cidr ? new IpPrefix(cidr.Network.Version, cidr.Network.High, cidr.Network.Low, cidr.PrefixLength) : default;
            var entry = new FailsafeEntry(f.Protocol, f.Port, f.Net is not null, net, index);
            (f.Direction == Direction.Ingress ? inbound : outbound).Add(entry);
        }

        var hostAddresses = compiled.HostEndpoints.Where(h => h.Node == node).SelectMany(h => h.ExpectedIPs)
            .Select(ip => IpAddress.TryParse(ip.Value, out var a) ? new ServiceAddress(a.Version, a.High, a.Low) : default)
            .Where(a => a.Version != 0).Distinct().ToList();

        if (errors.Count > 0)
            throw new PolicyMismatchException(policy.BuildInfo, errors);
        return new PolicyModel(policy, programs.ToArray(), keys.ToArray(), rules.ToArray(), inbound.ToArray(), outbound.ToArray(),
            byInterface, workloads.ToArray(), hostAddresses, node);
    }
}

/// <summary>The policy assembly and the policy directory loaded at start do not describe the same policy set.</summary>
public sealed class PolicyMismatchException : Exception
{
    public PolicyMismatchException(PolicyBuildInfo build, IReadOnlyList<string> problems)
        : base($"the policy assembly ({build.PolicyDirectory}, {build.ContentHash}) was not built from this policy directory; " +
               "rebuild it (prednat replay --policy-dir DIR does):" + string.Concat(problems.Select(p => "\n  " + p)))
        => Problems = problems;

    public IReadOnlyList<string> Problems { get; }
}
