using PreDnatAppliance.Dataplane.Stages;
using PreDnatAppliance.Pipeline.Configuration;
using PreDnatAppliance.Pipeline.Services;
using PreDnatAppliance.Replay.Tests.Fuzz;
using Xunit.Abstractions;
using static PreDnatAppliance.Replay.Tests.Infrastructure.Net;

namespace PreDnatAppliance.Replay.Tests.Robustness;

/// <summary>
/// A running appliance whose services file is replaced by a bad one: each bad file is rejected with a message naming
/// the file and line, the last good table stays in place and keeps serving traffic (NodePort DNAT and REJECT go on
/// exactly as before), and a good file afterwards is taken.
/// </summary>
public sealed class BadServicesTests(ITestOutputHelper output) : IDisposable
{
    private const int Eth0 = 0, Eth1 = 1;
    private readonly string _dir = Directory.CreateTempSubdirectory("prednat-bad-services").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>Edits of the embedded default services file (find → replace) and what the rejection must say.</summary>
    public static TheoryData<string, string, string, string> Corpus => new()
    {
        { "yaml-syntax", "    name: web\n", "    name: [web\n", @"services\.yaml:\d+:\d+: " },
        { "tab-indentation", "  spec:\n    type: NodePort\n    clusterIP: 10.96.10.20", "  spec:\n\ttype: NodePort\n    clusterIP: 10.96.10.20", @"services\.yaml:\d+:\d+: " },
        { "items-scalar-and-list", "items:\n", "items: 5\n", @"services\.yaml:\d+:1: invalid YAML" },
        { "node-port-not-a-number", "nodePort: 30080", "nodePort: thirty", @"services\.yaml:\d+:\d+: .*nodePort: expected an integer, got 'thirty'" },
        { "node-port-outside-range", "nodePort: 30080", "nodePort: 80", @"nodePort 80 is outside the NodePort range 30000-32767" },
        { "duplicate-node-port", "nodePort: 30081", "nodePort: 30080", @"30080" },
        { "port-out-of-range", "      port: 80\n      targetPort: http", "      port: 70000\n      targetPort: http", @"services\.yaml:\d+:\d+: .*port" },
        { "endpoint-port-out-of-range", "    port: 8080\n    protocol: TCP\n- apiVersion: v1", "    port: 80800\n    protocol: TCP\n- apiVersion: v1", @"services\.yaml:\d+:\d+: .*port" },
        { "bad-protocol", "      protocol: TCP\n      port: 80\n      targetPort: http", "      protocol: TCPX\n      port: 80\n      targetPort: http", @"services\.yaml:\d+:\d+: .*TCPX" },
        { "bad-endpoint-address", "addresses: [10.244.1.5]", "addresses: [10.244.1.500]", @"services\.yaml:\d+:\d+: .*10\.244\.1\.500" },
        { "bad-cluster-ip", "clusterIPs: [10.96.10.20]", "clusterIPs: [banana]", @"services\.yaml:\d+:\d+: .*banana" },
        { "bad-traffic-policy", "externalTrafficPolicy: Local", "externalTrafficPolicy: Sometimes", @"services\.yaml:\d+:\d+: .*Sometimes" },
        { "bad-service-type", "    type: NodePort\n    clusterIP: 10.96.10.20", "    type: NodePorts\n    clusterIP: 10.96.10.20", @"services\.yaml:\d+:\d+: .*NodePorts" },
        { "duplicate-service", "    name: empty\n", "    name: web\n", @"services\.yaml:\d+:\d+: .*shop/web" },
        { "not-a-mapping", "apiVersion: v1\nkind: List\n", "- just\n- a list\n", @"services\.yaml:\d+:\d+: " },
        { "misspelt-top-level-kind", "apiVersion: v1\nkind: List\n", "apiVersion: v1\nkind: Lisst\n", @"services\.yaml:\d+:\d+: kind 'Lisst' is not List, Service or EndpointSlice" },
        { "binary-garbage", "apiVersion: v1\nkind: List\n", "\u0001\u0002\u00ff\u0000{[", @"services\.yaml" },
    };

    [Theory]
    [MemberData(nameof(Corpus))]
    public void A_bad_services_file_is_rejected_with_its_line_and_the_last_good_table_keeps_serving(string name, string find, string replace, string expected)
    {
        var good = ApplianceConfiguration.DefaultServicesYaml();
        Assert.Contains(find, good);
        var path = Path.Combine(_dir, "services.yaml");
        File.WriteAllText(path, good);
        using var h = new PipelineFuzzHarness(guardPages: false);
        var log = new List<string>();
        using var watcher = h.Runtime.WatchServices(path, log.Add);
        Assert.Equal(ReloadOutcome.Reloaded, watcher.ReloadNow());
        var table = h.Runtime.Services.Current;
        var before = Traffic(h);

        File.WriteAllText(path, good.Replace(find, replace, StringComparison.Ordinal));
        Assert.Equal(ReloadOutcome.Rejected, watcher.ReloadNow());
        output.WriteLine($"{name}: {watcher.LastError}");
        output.WriteLine($"  traffic before and after: {before}");
        Assert.Matches(expected, watcher.LastError);
        Assert.Contains("keeping the last good table", watcher.LastError);
        Assert.Same(table, h.Runtime.Services.Current);
        Assert.Equal(before, Traffic(h));

        File.WriteAllText(path, good.Replace("nodePort: 30081", "nodePort: 30091", StringComparison.Ordinal));
        Assert.Equal(ReloadOutcome.Reloaded, watcher.ReloadNow());
        Assert.NotSame(table, h.Runtime.Services.Current);
    }

    /// <summary>32 new NodePort flows from outside (DNAT, forwarded) and 8 SYNs to the endpoint-less NodePort from the cluster network (REJECT): what became of them.</summary>
    private static (long Forwarded, long Rejected, long Dropped) Traffic(PipelineFuzzHarness h)
    {
        var v = h.Verdicts;
        var (forwarded, rejected, dropped) = (v.Forwarded, v.Rejected, v.Dropped);
        var port = (ushort)(40000 + v.Frames);
        for (var i = 0; i < 32; i++)
            h.Push(Tcp(Client, Node, (ushort)(port + i), 30080), Eth0);
        for (var i = 0; i < 8; i++)
            h.Push(Tcp("10.240.0.99", NodeCluster, (ushort)(port + i), 30081), Eth1);
        h.Flush();
        return (v.Forwarded - forwarded, v.Rejected - rejected, v.Dropped - dropped);
    }
}
