using PreDnatAppliance.Policy;
using PreDnatAppliance.Policy.Evaluation;
using PreDnatAppliance.Policy.Net;
using PreDnatAppliance.Policy.Programs;

namespace PreDnatAppliance.Cli;

/// <summary><c>prednat explain</c>: which program, policy and rule decides the packet at each policy stage, and why.</summary>
public static class ExplainCommand
{
    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        var line = CommandLine.Parse(args, new[] { "policy-dir", "node", "ingress", "egress", "iface-addr" });
        var ingress = line.Get("ingress") ?? throw new UsageException("explain needs --ingress IFACE");
        if (line.Positional.Count != 1)
            throw new UsageException("explain needs one packet, e.g. \"tcp 203.0.113.5:40000 -> 192.0.2.10:30080\"");
        if (!PacketTuple.TryParse(line.Positional[0], out var packet, out var parseError))
            throw new UsageException($"bad packet '{line.Positional[0]}': {parseError}");

        // Usage errors come before any file is read, so they are reported the same wherever the policies are.
        var interfaceAddresses = ParseInterfaceAddresses(line.GetAll("iface-addr"));
        var directory = PolicyDirectory.Resolve(line.Get("policy-dir"));
        var compiled = PolicyLoading.LoadCompiled(directory, line.Get("node"), error, HostEndpointResolver.SingleNode);
        if (compiled is null)
            return 1;
        var node = compiled.Node ?? throw new UsageException("the policy set has endpoints on several nodes (or none); name one with --node");

        var explanation = new PolicyExplainer(compiled, node, interfaceAddresses)
            .Explain(ingress, packet, line.Get("egress"));
        Print(explanation, output);
        return 0;
    }

    private static Dictionary<string, IReadOnlyList<IpAddress>> ParseInterfaceAddresses(IReadOnlyList<string> values)
    {
        var result = new Dictionary<string, IReadOnlyList<IpAddress>>(StringComparer.Ordinal);
        foreach (var value in values)
        {
            var eq = value.IndexOf('=');
            if (eq <= 0 || !IpAddress.TryParse(value.Substring(eq + 1), out var address))
                throw new UsageException($"--iface-addr takes IFACE=IP, not '{value}'");
            var name = value.Substring(0, eq);
            var list = result.TryGetValue(name, out var existing) ? existing.ToList() : new List<IpAddress>();
            list.Add(address);
            result[name] = list;
        }
        return result;
    }

    private static void Print(Explanation explanation, TextWriter output)
    {
        output.WriteLine($"packet:      {explanation.Packet}");
        output.WriteLine($"ingress:     {explanation.IngressInterface} -> {(explanation.IngressHostEndpoint is { } hep ? $"HostEndpoint {hep.Name} ({hep.Location.ToShortString()})" : "no host endpoint")}");
        output.WriteLine($"destination: {explanation.Destination switch { Destination.Host => "this host", Destination.LocalWorkload => "a local workload", _ => "forwarded" }}");
        foreach (var stage in explanation.Stages)
        {
            var decided = stage.RuleId is { } id ? $" by {stage.Owner} [{id}]{(stage.Location.IsKnown ? " " + stage.Location.ToShortString() : string.Empty)}" : string.Empty;
            output.WriteLine($"{stage.Stage,-10} {stage.Verdict,-5}{decided}");
            if (stage.Program is not null)
                output.WriteLine($"           program {stage.Program}");
            foreach (var step in stage.Trace)
                output.WriteLine($"           - {step}");
            if (stage.Trace.Count == 0)
                output.WriteLine($"           - {stage.Reason}");
        }
        output.WriteLine($"result:     {(explanation.Accepted ? "accepted" : "dropped")}");
    }
}
