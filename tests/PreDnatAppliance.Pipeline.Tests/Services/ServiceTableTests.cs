using PreDnatAppliance.Tests.Shared;
using PreDnatAppliance.Pipeline.Flows;
using PreDnatAppliance.Pipeline.Services;
using static PreDnatAppliance.Pipeline.Tests.Services.ServiceFixtures;

namespace PreDnatAppliance.Pipeline.Tests.Services;

public class ServiceTableTests
{
    private static readonly ServiceTable Table = FixtureTable();

    private static ServiceDecision Decide(ServiceTable table, string src, ushort srcPort, string dst, ushort dstPort, byte protocol = Tcp) =>
        table.Lookup(Flow(src, srcPort, dst, dstPort, protocol), 0, null);

    [Fact]
    public void Every_frontend_kind_is_built()
    {
        var frontends = Table.Frontends.Select(f => f.ToString()).ToHashSet();
        string[] expected =
        {
            "TCP 10.96.0.1:443 (ClusterIP)",
            "TCP 10.96.10.20:80 (ClusterIP)",
            "TCP 192.0.2.10:30080 (NodePort)",
            "TCP 10.96.10.21:443 (ClusterIP)",
            "TCP 192.0.2.10:30443 (NodePort)",
            "TCP 198.51.100.21:443 (ExternalIP)",
            "TCP 203.0.113.10:443 (LoadBalancer)",
            "TCP 10.96.10.22:8080 (ClusterIP)",
            "TCP 192.0.2.10:30090 (NodePort)",
            "UDP 10.96.0.10:53 (ClusterIP)",
            "TCP 10.96.0.10:53 (ClusterIP)",
            "UDP 198.51.100.53:53 (ExternalIP)",
            "TCP 198.51.100.53:53 (ExternalIP)",
            "TCP 10.96.10.30:5555 (ClusterIP)",
            "TCP 192.0.2.10:30555 (NodePort)",
            "TCP [fd00:10:96::30]:5555 (ClusterIP)",
            "TCP [2001:db8::10]:30555 (NodePort)",
            "SCTP 10.96.10.40:3868 (ClusterIP)",
            "SCTP 192.0.2.10:30700 (NodePort)",
        };
        Assert.Equal(expected.OrderBy(x => x), frontends.OrderBy(x => x));
        // Not frontends: the ipMode Proxy ingress IP, the healthCheckNodePort, NodePorts of single-stack IPv4
        // services on the IPv6 node address, the headless service, the ExternalName service.
        Assert.Equal(ServiceVerdict.NoService, Decide(Table, "203.0.113.99", 1000, "203.0.113.11", 443).Verdict);
        Assert.Equal(ServiceVerdict.NoService, Decide(Table, "203.0.113.99", 1000, "192.0.2.10", 31999).Verdict);
        Assert.Equal(ServiceVerdict.NoService, Decide(Table, "2001:db8::99", 1000, "2001:db8::10", 30080).Verdict);
        Assert.Contains(Table.Warnings, w => w.Contains("shop/db is headless"));
    }

    [Fact]
    public void Named_target_port_resolves_through_the_slice_and_not_ready_endpoints_are_skipped()
    {
        var web = Table.Ports.Single(p => p.Id == "shop/web:http/TCP/IPv4");
        Assert.Equal(new[] { "10.244.1.11:8080 (local)", "10.244.2.12:8080" }, web.Backends.Select(b => b.ToString()));
        Assert.Equal(new[] { "10.244.1.11:8080 (local)" }, web.LocalBackends.Select(b => b.ToString()));

        var seen = new HashSet<string>();
        foreach (var flow in RandomFlows(2000, 1, "192.0.2.10", 30080))
        {
            var d = Table.Lookup(flow, 0, null);
            Assert.Equal(ServiceVerdict.Dnat, d.Verdict);
            seen.Add(ServiceAddress.V4((uint)d.Nat.DstLow).WithPort(d.Nat.DstPort));
        }
        Assert.Equal(new[] { "10.244.1.11:8080", "10.244.2.12:8080" }, seen.OrderBy(x => x));
    }

    [Fact]
    public void Cluster_policy_snats_remote_backends_to_the_node_ip_and_keeps_the_client_port()
    {
        var remote = 0;
        var local = 0;
        foreach (var flow in RandomFlows(2000, 2, "192.0.2.10", 30080))
        {
            var d = Table.Lookup(flow, 0, null);
            Assert.Equal(ServiceVerdict.Dnat, d.Verdict);
            Assert.Equal(Table.Ports.Single(p => p.Id == "shop/web:http/TCP/IPv4").Index, d.ServiceIndex);
            Assert.Equal(d.ServiceIndex, d.Nat.ServiceIndex);
            var seen = d.Nat.Apply(flow);
            if (d.BackendIsLocal)
            {
                local++;
                Assert.Equal(NatKind.Dnat, d.Nat.Kind);
                Assert.Equal(FlowKey.V4(flow.SrcV4, V4("10.244.1.11"), Tcp, flow.SourcePort, 8080), seen);
            }
            else
            {
                remote++;
                Assert.Equal(NatKind.Dnat | NatKind.Snat, d.Nat.Kind);
                Assert.Equal(FlowKey.V4(V4("192.0.2.10"), V4("10.244.2.12"), Tcp, flow.SourcePort, 8080), seen);
            }
        }
        Assert.InRange(local, 700, 1300);
        Assert.InRange(remote, 700, 1300);
    }

    [Fact]
    public void Snat_can_be_turned_off_or_pointed_elsewhere()
    {
        var off = FixtureTable(new ServiceTableOptions { SnatClusterToRemote = false });
        Assert.All(RandomFlows(500, 3, "192.0.2.10", 30080), f => Assert.Equal(NatKind.Dnat, off.Lookup(f, 0, null).Nat.Kind));

        var elsewhere = FixtureTable(new ServiceTableOptions { SnatIPv4 = Ip("192.0.2.200") });
        var snatted = RandomFlows(500, 3, "192.0.2.10", 30080).Select(f => elsewhere.Lookup(f, 0, null)).Where(d => !d.BackendIsLocal).ToList();
        Assert.NotEmpty(snatted);
        Assert.All(snatted, d => Assert.Equal(V4("192.0.2.200"), (uint)d.Nat.SrcLow));
    }

    [Fact]
    public void Ipv6_flows_snat_to_the_ipv6_node_address()
    {
        var catalog = new ServiceCatalog
        {
            Services = new[] { Service("v6", clusterIP: "fd00:10:96::77") },
            EndpointSlices = new[] { Slice("v6", new (string, string?)[] { ("fd00:10:244:2::5", "node-b") }) },
        };
        var table = ServiceTableBuilder.Build(catalog, NodeA);
        var d = table.Lookup(Flow("2001:db8:1::7", 5555, "2001:db8::10", 30100), 0, null);
        Assert.Equal(ServiceVerdict.Dnat, d.Verdict);
        Assert.Equal(NatKind.Dnat | NatKind.Snat, d.Nat.Kind);
        Assert.Equal(Ip("2001:db8::10"), new ServiceAddress(6, d.Nat.SrcHigh, d.Nat.SrcLow));
        Assert.Equal(Ip("fd00:10:244:2::5"), new ServiceAddress(6, d.Nat.DstHigh, d.Nat.DstLow));
        Assert.Equal((ushort)5555, d.Nat.SrcPort);
    }

    [Fact]
    public void No_endpoints_at_all_rejects_on_every_frontend()
    {
        Assert.Equal(ServiceVerdict.Reject, Decide(Table, "203.0.113.5", 40000, "192.0.2.10", 30090).Verdict);
        var d = Decide(Table, "203.0.113.5", 40000, "10.96.10.22", 8080);
        Assert.Equal(ServiceVerdict.Reject, d.Verdict);
        Assert.Equal("shop/empty:8080/TCP/IPv4", Table.Ports[d.ServiceIndex].Id);
    }

    [Fact]
    public void Local_policy_without_a_local_endpoint_drops_external_traffic_but_cluster_ip_still_works()
    {
        Assert.Equal(ServiceVerdict.Drop, Decide(Table, "203.0.113.5", 40000, "192.0.2.10", 30443).Verdict);
        Assert.Equal(ServiceVerdict.Drop, Decide(Table, "203.0.113.5", 40000, "203.0.113.10", 443).Verdict);
        Assert.Equal(ServiceVerdict.Drop, Decide(Table, "203.0.113.5", 40000, "198.51.100.21", 443).Verdict);
        // The ClusterIP follows internalTrafficPolicy (Cluster): the remote endpoint, SNATed.
        var d = Decide(Table, "203.0.113.5", 40000, "10.96.10.21", 443);
        Assert.Equal(ServiceVerdict.Dnat, d.Verdict);
        Assert.Equal((V4("10.244.2.21"), (ushort)8443, NatKind.Dnat | NatKind.Snat), ((uint)d.Nat.DstLow, d.Nat.DstPort, d.Nat.Kind));
    }

    [Fact]
    public void Local_policy_uses_only_local_endpoints_and_keeps_the_client_ip()
    {
        var endpoints = new (string, string?)[] { ("10.1.0.1", "node-a"), ("10.1.0.2", "node-b"), ("10.1.0.3", "node-b"), ("10.1.0.4", "node-a") };
        var table = ServiceTableBuilder.Build(Catalog("loc", endpoints, externalPolicy: TrafficPolicy.Local), NodeA);
        var chosen = new HashSet<uint>();
        foreach (var flow in RandomFlows(1000, 4))
        {
            var d = table.Lookup(flow, 0, null);
            Assert.Equal(ServiceVerdict.Dnat, d.Verdict);
            Assert.Equal(NatKind.Dnat, d.Nat.Kind);
            Assert.True(d.BackendIsLocal);
            chosen.Add((uint)d.Nat.DstLow);
        }
        Assert.Equal(new[] { V4("10.1.0.1"), V4("10.1.0.4") }, chosen.OrderBy(x => x));

        // Internal (ClusterIP) traffic still spreads over every endpoint.
        var all = RandomFlows(1000, 5, "10.96.20.1", 80).Select(f => (uint)table.Lookup(f, 0, null).Nat.DstLow).ToHashSet();
        Assert.Equal(4, all.Count);
    }

    [Fact]
    public void Internal_traffic_policy_local_applies_to_cluster_ips()
    {
        var catalog = Catalog("itp", new (string, string?)[] { ("10.1.0.2", "node-b") });
        catalog = catalog with { Services = new[] { catalog.Services[0] with { InternalTrafficPolicy = TrafficPolicy.Local } } };
        var table = ServiceTableBuilder.Build(catalog, NodeA);
        Assert.Equal(ServiceVerdict.Drop, Decide(table, "203.0.113.5", 1, "10.96.20.1", 80).Verdict);
        Assert.Equal(ServiceVerdict.Dnat, Decide(table, "203.0.113.5", 1, "192.0.2.10", 30100).Verdict);
    }

    [Fact]
    public void Protocols_and_families_are_separate_frontends()
    {
        var udp = Decide(Table, "203.0.113.5", 5000, "10.96.0.10", 53, Udp);
        var tcp = Decide(Table, "203.0.113.5", 5000, "10.96.0.10", 53, Tcp);
        Assert.Equal(ServiceVerdict.Dnat, udp.Verdict);
        Assert.Equal(ServiceVerdict.Dnat, tcp.Verdict);
        Assert.NotEqual(udp.ServiceIndex, tcp.ServiceIndex);
        Assert.Equal((ushort)5353, udp.Nat.DstPort);
        Assert.Equal(ServiceVerdict.NoService, Decide(Table, "203.0.113.5", 5000, "10.96.0.10", 53, Sctp).Verdict);
        Assert.Equal(ServiceVerdict.NoService, Decide(Table, "203.0.113.5", 5000, "10.96.0.10", 53, 1).Verdict); // ICMP
        Assert.Equal(ServiceVerdict.NoService, Decide(Table, "203.0.113.5", 5000, "10.96.0.10", 54, Udp).Verdict);

        var sctp = Decide(Table, "203.0.113.5", 5000, "192.0.2.10", 30700, Sctp);
        Assert.Equal(ServiceVerdict.Dnat, sctp.Verdict);
        Assert.Equal(V4("10.244.2.40"), (uint)sctp.Nat.DstLow);

        var v6 = Decide(Table, "2001:db8:1::7", 5000, "2001:db8::10", 30555);
        Assert.Equal(ServiceVerdict.Dnat, v6.Verdict);
        Assert.Equal(Ip("fd00:10:244:1::30"), new ServiceAddress(6, v6.Nat.DstHigh, v6.Nat.DstLow));
        var v4 = Decide(Table, "203.0.113.5", 5000, "192.0.2.10", 30555);
        Assert.Equal(V4("10.244.1.30"), (uint)v4.Nat.DstLow);
    }

    [Fact]
    public void Hairpin_traffic_is_snatted_even_to_a_local_backend()
    {
        var table = ServiceTableBuilder.Build(Catalog("hp", new (string, string?)[] { ("10.1.0.1", "node-a") }), NodeA);
        var d = Decide(table, "10.1.0.1", 3333, "10.96.20.1", 80);
        Assert.Equal(NatKind.Dnat | NatKind.Snat, d.Nat.Kind);
        Assert.Equal(V4("192.0.2.10"), (uint)d.Nat.SrcLow);
        Assert.Equal(NatKind.Dnat, Decide(table, "10.1.0.9", 3333, "10.96.20.1", 80).Nat.Kind);
        var off = ServiceTableBuilder.Build(Catalog("hp", new (string, string?)[] { ("10.1.0.1", "node-a") }), NodeA, new ServiceTableOptions { SnatHairpin = false });
        Assert.Equal(NatKind.Dnat, Decide(off, "10.1.0.1", 3333, "10.96.20.1", 80).Nat.Kind);
    }

    [Fact]
    public void Serving_terminating_endpoints_are_a_fallback_only_when_none_is_ready()
    {
        var slice = Slice("drain", new (string, string?)[] { ("10.1.0.1", "node-b") }, ready: false);
        slice = slice with { Endpoints = new[] { slice.Endpoints[0] with { Serving = true, Terminating = true } } };
        var catalog = new ServiceCatalog { Services = new[] { Service("drain") }, EndpointSlices = new[] { slice } };
        Assert.Equal(ServiceVerdict.Dnat, Decide(ServiceTableBuilder.Build(catalog, NodeA), "203.0.113.5", 1, "192.0.2.10", 30100).Verdict);
        var strict = ServiceTableBuilder.Build(catalog, NodeA, new ServiceTableOptions { UseServingTerminatingFallback = false });
        Assert.Equal(ServiceVerdict.Reject, Decide(strict, "203.0.113.5", 1, "192.0.2.10", 30100).Verdict);

        // With a ready endpoint present, the terminating one is not used.
        var mixed = catalog with { EndpointSlices = new[] { slice, Slice("drain", new (string, string?)[] { ("10.1.0.2", "node-b") }, sliceName: "drain-2") } };
        var port = ServiceTableBuilder.Build(mixed, NodeA).Ports.Single();
        Assert.Equal(new[] { Ip("10.1.0.2") }, port.Backends.Select(b => b.Address));
    }

    [Fact]
    public void Target_port_falls_back_to_the_target_port_for_hand_written_slices()
    {
        var service = Service("hand") with
        {
            Ports = new[]
            {
                new ServicePortSpec { Name = "web", Port = 80, TargetPortName = "http" },
                new ServicePortSpec { Name = "metrics", Port = 9100, TargetPortNumber = 9100 },
            },
        };
        var slice = new EndpointSliceResource
        {
            Namespace = "test", Name = "hand-1", ServiceName = "hand", AddressFamily = 4,
            Endpoints = new[] { new EndpointSpec { Addresses = new[] { Ip("10.1.0.1") } } },
            Ports = new[] { new EndpointPortSpec { Name = "http", Port = 8080 }, new EndpointPortSpec { Name = "", Port = 9100 } },
        };
        var table = ServiceTableBuilder.Build(new ServiceCatalog { Services = new[] { service }, EndpointSlices = new[] { slice } }, NodeA);
        Assert.Equal((ushort)8080, Decide(table, "203.0.113.5", 1, "10.96.20.1", 80).Nat.DstPort);
        Assert.Equal((ushort)9100, Decide(table, "203.0.113.5", 1, "10.96.20.1", 9100).Nat.DstPort);
    }

    [Fact]
    public void Node_port_outside_the_range_rejects_the_file_at_the_node_port()
    {
        var e = Assert.Throws<ServiceLoadException>(() =>
            ServiceTableBuilder.Build(LoadFixture(), NodeA, new ServiceTableOptions { NodePortMin = 30000, NodePortMax = 30500 }));
        var error = Assert.Single(e.Errors, x => x.Contains("30555"));
        Assert.Matches(@"cluster\.yaml:\d+:\d+: Service shop/dual: nodePort 30555 is outside the NodePort range 30000-30500$", error);
        Assert.Equal(2, e.Errors.Count); // 30555 and 30700
    }

    [Fact]
    public void Two_services_claiming_one_frontend_is_an_error_naming_both()
    {
        const string yaml = """
            apiVersion: v1
            kind: List
            items:
            - apiVersion: v1
              kind: Service
              metadata: {name: one, namespace: a}
              spec: {type: NodePort, clusterIP: 10.96.0.1, ports: [{port: 80, nodePort: 30001}]}
            - apiVersion: v1
              kind: Service
              metadata: {name: two, namespace: a}
              spec: {type: NodePort, clusterIP: 10.96.0.2, ports: [{port: 80, nodePort: 30001}]}
            """;
        var e = Assert.Throws<ServiceLoadException>(() => ServiceTableBuilder.Build(ServiceYamlLoader.Load(yaml, "svc.yaml"), NodeA));
        var error = Assert.Single(e.Errors);
        Assert.StartsWith("svc.yaml:11:", error);
        Assert.Contains("Service a/two: frontend TCP 192.0.2.10:30001 (NodePort) is already taken by the NodePort of Service a/one (svc.yaml:7:", error);
    }

    [Fact]
    public void Batch_lookup_matches_single_lookups()
    {
        var flows = RandomFlows(256, 6, "192.0.2.10", 30080);
        flows[3] = Flow("203.0.113.5", 1, "192.0.2.10", 30090);
        flows[7] = Flow("203.0.113.5", 1, "192.0.2.10", 9);
        var decisions = new ServiceDecision[flows.Length];
        Table.Lookup(flows, decisions, 0, null);
        for (var i = 0; i < flows.Length; i++)
        {
            var single = Table.Lookup(flows[i], 0, null);
            Assert.Equal((single.Verdict, single.Nat, single.ServiceIndex), (decisions[i].Verdict, decisions[i].Nat, decisions[i].ServiceIndex));
        }
        Assert.Equal(ServiceVerdict.Reject, decisions[3].Verdict);
        Assert.Equal(ServiceVerdict.NoService, decisions[7].Verdict);
    }

    [Fact]
    public void Lookups_allocate_nothing()
    {
        var flows = RandomFlows(1024, 7, "192.0.2.10", 30080)
            .Concat(RandomFlows(1024, 8, "10.96.0.10", 53, Udp))   // affinity service
            .Concat(RandomFlows(256, 9, "192.0.2.10", 30090))      // reject
            .Concat(RandomFlows(256, 10, "192.0.2.10", 30443))     // drop
            .Concat(RandomFlows(256, 11, "192.0.2.77", 1234))      // no service
            .ToArray();
        var affinity = new AffinityTable(1024);
        var decisions = new ServiceDecision[flows.Length];
        long sink = 0;
        for (var warm = 0; warm < 3; warm++)
        {
            foreach (var f in flows)
                sink += Table.Lookup(f, warm, affinity).Nat.DstPort;
            Table.Lookup(flows, decisions, warm, affinity);
        }

        var allocated = Allocations.Settled(() =>
        {
            for (var round = 0; round < 40; round++)
            {
                foreach (var f in flows)
                    sink += Table.Lookup(f, round, affinity).Nat.DstPort;
                Table.Lookup(flows, decisions, round, affinity);
            }
        });
        Assert.Equal(0, allocated);
        Assert.NotEqual(0, sink);
    }
}
