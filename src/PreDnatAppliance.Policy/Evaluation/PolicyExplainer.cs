using PreDnatAppliance.Policy.Diagnostics;
using PreDnatAppliance.Policy.Net;
using PreDnatAppliance.Policy.Programs;
using PreDnatAppliance.Policy.Resources;

namespace PreDnatAppliance.Policy.Evaluation;

/// <summary>What one policy stage did to the packet.</summary>
public sealed class StageOutcome
{
    public required string Stage { get; init; }

    /// <summary>The program that ran, or null when the stage had nothing to run (e.g. no host endpoint).</summary>
    public string? Program { get; init; }

    /// <summary>allow, deny, pass (no decision) or skip.</summary>
    public required string Verdict { get; init; }

    public RuleId? RuleId { get; init; }
    public string? Owner { get; init; }
    public SourceLocation Location { get; init; }
    public required string Reason { get; init; }
    public IReadOnlyList<TraceStep> Trace { get; init; } = Array.Empty<TraceStep>();
}

public enum Destination
{
    Host,
    LocalWorkload,
    Forwarded,
}

public sealed class Explanation
{
    public required PacketTuple Packet { get; init; }
    public required string IngressInterface { get; init; }
    public HostEndpoint? IngressHostEndpoint { get; init; }
    public required Destination Destination { get; init; }
    public required IReadOnlyList<StageOutcome> Stages { get; init; }
    public required bool Accepted { get; init; }
}

/// <summary>
/// Walks a packet arriving on an interface through the policy stages in iptables order (raw, mangle
/// PREROUTING, then filter INPUT or FORWARD), using the reference evaluator for each program. This is the
/// semantic contract the data path's pipeline follows; DNAT is not applied here (the packet is evaluated
/// with its destination as given).
/// </summary>
public sealed class PolicyExplainer
{
    private readonly CompiledPolicySet _compiled;
    private readonly string _node;
    private readonly IReadOnlyDictionary<string, IReadOnlyList<IpAddress>> _interfaceAddresses;

    public PolicyExplainer(CompiledPolicySet compiled, string node, IReadOnlyDictionary<string, IReadOnlyList<IpAddress>>? interfaceAddresses = null)
    {
        _compiled = compiled;
        _node = node;
        _interfaceAddresses = interfaceAddresses ?? new Dictionary<string, IReadOnlyList<IpAddress>>();
    }

    public Explanation Explain(string ingressInterface, PacketTuple packet, string? egressInterface = null)
    {
        var stages = new List<StageOutcome>();
        var hep = ResolveHep(ingressInterface);
        var destination = Classify(packet.Destination, out var workload);
        var ingress = hep is null ? null : EndpointOf(hep);

        if (ingress is null)
        {
            stages.Add(new StageOutcome { Stage = "prednat", Verdict = "skip", Reason = $"interface {ingressInterface} has no host endpoint: host endpoint policy does not police it" });
        }
        else
        {
            // raw PREROUTING: untracked policy; a failsafe hit only skips this table's policy. The raw table's
            // failsafe-in also accepts replies from outbound failsafe ports (Felix's failsafeInChain("raw")).
            var untracked = Run("untracked", ingress, PolicyStage.Untracked, Direction.Ingress, packet, FailsafeInRaw(packet));
            stages.Add(untracked);
            if (untracked.Verdict == "deny")
                return Done(packet, ingressInterface, hep, destination, stages, false);

            // An untracked Allow sets the accept mark: mangle PREROUTING accepts at once and filter skips this
            // HEP's ingress checks, but (as after a pre-DNAT Allow) workload policy and the egress HEP's forward
            // policy still run, because cali-FORWARD's to-workload and to-HEP dispatches are unconditional.
            var hostIngressApproved = untracked.Verdict == "allow";
            string approvedBy;
            if (hostIngressApproved)
            {
                stages.Add(Skip("prednat", "untracked policy allowed the packet, which skips pre-DNAT and normal host endpoint policy"));
                if (destination == Destination.Host)
                    return Done(packet, ingressInterface, hep, destination, stages, true);
                approvedBy = "untracked";
            }
            else
            {
                // mangle PREROUTING: failsafe-in on the original destination port, then pre-DNAT tiers.
                var prednat = Run("prednat", ingress, PolicyStage.PreDnat, Direction.Ingress, packet, FailsafeIn(packet));
                stages.Add(prednat);
                if (prednat.Verdict == "deny")
                    return Done(packet, ingressInterface, hep, destination, stages, false);
                hostIngressApproved = prednat.Verdict == "allow";
                approvedBy = "pre-DNAT";
            }

            if (destination == Destination.Host)
            {
                if (hostIngressApproved)
                {
                    stages.Add(Skip("host", "pre-DNAT policy allowed the packet, which skips normal host ingress policy"));
                    return Done(packet, ingressInterface, hep, destination, stages, true);
                }
                var host = Run("host", ingress, PolicyStage.Normal, Direction.Ingress, packet, FailsafeIn(packet));
                stages.Add(host);
                return Done(packet, ingressInterface, hep, destination, stages, host.Verdict == "allow");
            }

            if (hostIngressApproved)
            {
                stages.Add(Skip("forward", $"{approvedBy} policy allowed the packet, which skips the ingress host endpoint's forward policy"));
            }
            else
            {
                // Forward chains have no failsafes.
                var forwardIn = Run("forward", ingress, PolicyStage.Forward, Direction.Ingress, packet, null);
                stages.Add(forwardIn);
                if (forwardIn.Verdict == "deny")
                    return Done(packet, ingressInterface, hep, destination, stages, false);
            }
        }

        if (destination == Destination.LocalWorkload && workload is not null)
        {
            var wl = Run("workload", workload, PolicyStage.Workload, Direction.Ingress, packet, null);
            stages.Add(wl);
            return Done(packet, ingressInterface, hep, destination, stages, wl.Verdict == "allow");
        }

        if (destination == Destination.Forwarded && egressInterface is not null)
        {
            var egressHep = ResolveHep(egressInterface);
            if (egressHep is not null)
            {
                var forwardOut = Run("forward", EndpointOf(egressHep), PolicyStage.Forward, Direction.Egress, packet, null);
                stages.Add(forwardOut);
                return Done(packet, ingressInterface, hep, destination, stages, forwardOut.Verdict != "deny");
            }
        }
        return Done(packet, ingressInterface, hep, destination, stages, true);
    }

    private StageOutcome Run(string stage, EndpointRef endpoint, PolicyStage programStage, Direction direction, PacketTuple packet, FailsafeRule? failsafe)
    {
        var program = _compiled.Find(endpoint, programStage, direction);
        // A failsafe only matters where the program could decide: an empty untracked or pre-DNAT program passes anyway.
        if (failsafe is not null && (program is null || program.Tiers.Count > 0 || program.End != ProgramEnd.NoDecision))
        {
            return new StageOutcome
            {
                Stage = stage,
                Program = program?.Key,
                Verdict = programStage == PolicyStage.Untracked || programStage == PolicyStage.PreDnat ? "pass" : "allow",
                RuleId = failsafe!.Id,
                Owner = "failsafe",
                Location = failsafe.Location,
                Reason = failsafe.Direction == Direction.Ingress
                    ? $"failsafe inbound {failsafe}{(failsafe.IsDefault ? " (Felix default)" : string.Empty)} accepts the packet before {stage} policy"
                    : $"failsafe outbound {failsafe}{(failsafe.IsDefault ? " (Felix default)" : string.Empty)} accepts the reply before {stage} policy",
            };
        }
        if (program is null)
            return Skip(stage, $"no {stage} program for {endpoint.Key}");
        var result = ReferenceEvaluator.Evaluate(program, packet);
        return new StageOutcome
        {
            Stage = stage,
            Program = program.Key,
            Verdict = result.Verdict switch { Verdict.Allow => "allow", Verdict.Deny => "deny", _ => "pass" },
            RuleId = result.RuleId,
            Owner = result.Owner,
            Location = result.Location,
            Reason = result.Trace.Count > 0 ? result.Trace[result.Trace.Count - 1].What : string.Empty,
            Trace = result.Trace,
        };
    }

    /// <summary>An inbound failsafe matching the packet's original destination port and, if set, its source net.</summary>
    private FailsafeRule? FailsafeIn(PacketTuple packet) =>
        _compiled.Failsafes.FirstOrDefault(f => f.Direction == Direction.Ingress && f.Protocol == packet.Protocol && packet.HasPorts
            && f.Port == packet.DestinationPort && (f.Net is null || f.Net.Value.Contains(packet.Source)));

    /// <summary>
    /// The raw table's failsafe-in: the inbound failsafes, plus replies to outbound failsafes (the packet's
    /// source port is an outbound failsafe port and its source is in that entry's net), so that untracked
    /// policy cannot catch half of a failsafe connection.
    /// </summary>
    private FailsafeRule? FailsafeInRaw(PacketTuple packet) =>
        FailsafeIn(packet) ?? _compiled.Failsafes.FirstOrDefault(f => f.Direction == Direction.Egress && f.Protocol == packet.Protocol && packet.HasPorts
            && f.Port == packet.SourcePort && (f.Net is null || f.Net.Value.Contains(packet.Source)));

    private HostEndpoint? ResolveHep(string interfaceName)
    {
        var addresses = _interfaceAddresses.TryGetValue(interfaceName, out var list) ? list : Array.Empty<IpAddress>();
        return HostEndpointResolver.Resolve(_compiled.HostEndpoints, _node, interfaceName, addresses.ToList());
    }

    private Destination Classify(IpAddress destination, out EndpointRef? workload)
    {
        workload = null;
        var nodeAddresses = _compiled.HostEndpoints.Where(h => h.Node == _node)
            .SelectMany(h => h.ExpectedIPs).Select(ip => IpAddress.TryParse(ip.Value, out var a) ? a : default)
            .Concat(_interfaceAddresses.Values.SelectMany(v => v));
        if (nodeAddresses.Contains(destination))
            return Destination.Host;
        foreach (var wep in _compiled.WorkloadEndpoints.Where(w => w.Node == _node))
        {
            if (wep.IpNetworks.Any(n => Cidr.TryParse(n.Value, out var c) && c.Contains(destination)))
            {
                workload = new EndpointRef(ResourceKind.WorkloadEndpoint, wep.Name, wep.Namespace, wep.Node, wep.InterfaceName, wep.Location);
                return Destination.LocalWorkload;
            }
        }
        return Destination.Forwarded;
    }

    private static EndpointRef EndpointOf(HostEndpoint hep) =>
        new(ResourceKind.HostEndpoint, hep.Name, null, hep.Node, hep.InterfaceName, hep.Location);

    private static StageOutcome Skip(string stage, string reason) => new() { Stage = stage, Verdict = "skip", Reason = reason };

    private static Explanation Done(PacketTuple packet, string iface, HostEndpoint? hep, Destination destination, List<StageOutcome> stages, bool accepted) =>
        new() { Packet = packet, IngressInterface = iface, IngressHostEndpoint = hep, Destination = destination, Stages = stages, Accepted = accepted };
}
