using PreDnatAppliance.Policy.Diagnostics;
using PreDnatAppliance.Policy.Net;
using PreDnatAppliance.Policy.Resources;

namespace PreDnatAppliance.Policy.Programs;

/// <summary>
/// One failsafe: an inbound entry matches the destination port (and the source against <see cref="Net"/>),
/// an outbound entry the destination port (and the destination against <see cref="Net"/>).
/// </summary>
public sealed class FailsafeRule
{
    public required RuleId Id { get; init; }
    public required Direction Direction { get; init; }
    public required byte Protocol { get; init; }
    public required ushort Port { get; init; }
    public Cidr? Net { get; init; }
    public required SourceLocation Location { get; init; }

    /// <summary>True when the entry comes from Felix's built-in defaults rather than a FelixConfiguration.</summary>
    public bool IsDefault { get; init; }

    public override string ToString() =>
        $"{IpProtocol.Name(Protocol).ToLowerInvariant()}:{Port}{(Net is { } net ? $" {(Direction == Direction.Ingress ? "from" : "to")} {net}" : string.Empty)}";
}

public static class Failsafes
{
    /// <summary>FailsafeInboundHostPorts' default (felix/config/config_params.go).</summary>
    public static readonly IReadOnlyList<(byte Protocol, ushort Port)> DefaultInbound = new (byte, ushort)[]
    {
        (IpProtocol.Tcp, 22), (IpProtocol.Udp, 68), (IpProtocol.Tcp, 179), (IpProtocol.Tcp, 2379), (IpProtocol.Tcp, 2380),
        (IpProtocol.Tcp, 5473), (IpProtocol.Tcp, 6443), (IpProtocol.Tcp, 6666), (IpProtocol.Tcp, 6667),
    };

    /// <summary>FailsafeOutboundHostPorts' default.</summary>
    public static readonly IReadOnlyList<(byte Protocol, ushort Port)> DefaultOutbound = new (byte, ushort)[]
    {
        (IpProtocol.Udp, 53), (IpProtocol.Udp, 67), (IpProtocol.Tcp, 179), (IpProtocol.Tcp, 2379), (IpProtocol.Tcp, 2380),
        (IpProtocol.Tcp, 5473), (IpProtocol.Tcp, 6443), (IpProtocol.Tcp, 6666), (IpProtocol.Tcp, 6667),
    };

    /// <summary>
    /// The failsafes in force on <paramref name="node"/>: a FelixConfiguration named <c>node.NAME</c> overrides
    /// the one named <c>default</c> field by field, and Felix's defaults fill whatever neither sets.
    /// </summary>
    public static IReadOnlyList<FailsafeRule> Resolve(IEnumerable<FelixConfiguration> configurations, string? node, RuleIdAllocator ids)
    {
        var list = configurations.ToList();
        var global = list.FirstOrDefault(c => c.Name == "default");
        var perNode = node is null ? null : list.FirstOrDefault(c => c.Name == "node." + node);

        var inbound = perNode?.FailsafeInboundHostPorts ?? global?.FailsafeInboundHostPorts;
        var outbound = perNode?.FailsafeOutboundHostPorts ?? global?.FailsafeOutboundHostPorts;

        var rules = new List<FailsafeRule>();
        rules.AddRange(Build(inbound, DefaultInbound, Direction.Ingress, ids));
        rules.AddRange(Build(outbound, DefaultOutbound, Direction.Egress, ids));
        return rules;
    }

    private static IEnumerable<FailsafeRule> Build(List<ProtoPort>? configured, IReadOnlyList<(byte Protocol, ushort Port)> defaults, Direction direction, RuleIdAllocator ids)
    {
        var tag = direction == Direction.Ingress ? "in" : "out";
        if (configured is null)
        {
            foreach (var (protocol, port) in defaults)
            {
                yield return new FailsafeRule
                {
                    Id = ids.For($"failsafe/{tag}/{protocol}:{port}/"),
                    Direction = direction,
                    Protocol = protocol,
                    Port = port,
                    Location = SourceLocation.None,
                    IsDefault = true,
                };
            }
            yield break;
        }
        foreach (var entry in configured)
        {
            if (!IpProtocol.TryParse(entry.Protocol, out var protocol) || entry.Port is < 0 or > 65535)
                continue;
            Cidr? net = entry.Net is { Length: > 0 } text && Cidr.TryParse(text, out var cidr) ? cidr : null;
            yield return new FailsafeRule
            {
                Id = ids.For($"failsafe/{tag}/{protocol}:{entry.Port}/{net}"),
                Direction = direction,
                Protocol = protocol,
                Port = (ushort)entry.Port,
                Net = net,
                Location = entry.Location,
            };
        }
    }
}
