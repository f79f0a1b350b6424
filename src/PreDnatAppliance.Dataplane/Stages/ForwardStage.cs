using PreDnatAppliance.Dataplane.Configuration;

namespace PreDnatAppliance.Dataplane.Stages;

/// <summary>
/// Port A to port B by configuration, touching no packet data: testpmd's io mode. With nothing else in the
/// pipeline this is the "empty pipeline" the benchmark compares with testpmd. A port without a rule drops
/// its bursts with <see cref="DropReason.NoEgress"/>.
/// </summary>
public sealed class ForwardStage : IBurstStage
{
    private readonly ushort[] _egressByRxPort = new ushort[Interop.Dpdk.MaxEthPorts];

    public ForwardStage(PipelineContext context, IEnumerable<ForwardRule> rules)
    {
        Array.Fill(_egressByRxPort, Burst.NoPort);
        foreach (var rule in rules)
            _egressByRxPort[context.Port(rule.From).PortId] = context.Port(rule.To).PortId;
    }

    public string Name => "forward";

    public static PipelineFactory Factory(IEnumerable<ForwardRule> rules) =>
        context => new IBurstStage[] { new ForwardStage(context, rules) };

    public void Process(Burst burst)
    {
        var egress = _egressByRxPort[burst.RxPort];
        if (egress == Burst.NoPort)
            burst.DropAll(DropReason.NoEgress);
        else
            burst.RouteAll(egress);
    }
}
