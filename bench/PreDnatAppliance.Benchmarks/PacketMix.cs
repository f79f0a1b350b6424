using PreDnatAppliance.Classification;
using PreDnatAppliance.Policy.Net;
using PreDnatAppliance.Policy.Programs;

namespace PreDnatAppliance.Benchmarks;

/// <summary>
/// Bursts of parsed headers, laid out beforehand as the parse stage would leave them (one <see cref="HeaderBatch"/>
/// per burst), so that a benchmark times the classifier alone.
/// </summary>
public static class PacketMix
{
    /// <summary>
    /// Packets for a program, drawn with a fixed seed: 90% IPv4 and 10% IPv6; addresses half inside the CIDRs and set
    /// members its rules mention, half random; TCP 60%, UDP 30%, ICMP 10%; destination ports half from its rules.
    /// </summary>
    public static HeaderBatch[] ForProgram(EndpointProgram program, int bursts, int burst, int seed = 1)
    {
        var random = new Random(seed);
        var cidrs = program.AllRules
            .SelectMany(r => new[] { r.Source, r.Destination })
            .SelectMany(s => s.Nets.Concat(s.Set?.Members ?? Array.Empty<Cidr>()))
            .ToList();
        var ports = program.AllRules.SelectMany(r => r.Destination.Ports).Select(p => p.First).DefaultIfEmpty((ushort)443).ToList();
        var batches = new HeaderBatch[bursts];
        for (int b = 0; b < bursts; b++)
        {
            var batch = batches[b] = new HeaderBatch { Count = burst };
            for (int i = 0; i < burst; i++)
            {
                var v6 = random.Next(10) == 0;
                byte protocol = random.Next(10) switch { < 6 => 6, < 9 => 17, _ => (byte)(v6 ? 58 : 1) };
                var sport = (ushort)random.Next(1024, 65536);
                var dport = random.Next(2) == 0 ? ports[random.Next(ports.Count)] : (ushort)random.Next(1, 65536);
                var src = Address(random, cidrs, v6);
                var dst = Address(random, cidrs, v6);
                if (v6) batch.SetV6(i, src.High, src.Low, dst.High, dst.Low, protocol, sport, dport);
                else batch.SetV4(i, src.V4Value, dst.V4Value, protocol, sport, dport, icmpType: 8);
            }
        }
        return batches;
    }

    /// <summary>A ClassBench trace in bursts (IPv4 only), repeated to fill <paramref name="bursts"/> when shorter.</summary>
    public static HeaderBatch[] FromTrace(PreDnatAppliance.ClassBench.Trace trace, int bursts, int burst)
    {
        var batches = new HeaderBatch[bursts];
        for (int b = 0; b < bursts; b++)
        {
            var batch = batches[b] = new HeaderBatch { Count = burst };
            for (int i = 0; i < burst; i++)
            {
                int k = (b * burst + i) % trace.Count;
                batch.SetV4(i, trace.Source[k], trace.Destination[k], trace.Protocol[k], trace.SourcePort[k], trace.DestinationPort[k]);
            }
        }
        return batches;
    }

    private static IpAddress Address(Random random, List<Cidr> cidrs, bool v6)
    {
        var family = cidrs.Where(c => c.Version == (v6 ? 6 : 4)).ToList();
        if (family.Count > 0 && random.Next(2) == 0)
        {
            var cidr = family[random.Next(family.Count)];
            if (!v6)
            {
                var host = cidr.PrefixLength == 32 ? 0u : uint.MaxValue >> cidr.PrefixLength;
                return IpAddress.V4(cidr.Network.V4Value | ((uint)random.Next() & host));
            }
            return cidr.Network;
        }
        return v6
            ? IpAddress.V6(0x20010db800000000ul | (uint)random.Next(), (ulong)random.NextInt64())
            : IpAddress.V4((uint)random.NextInt64(0, 1L << 32));
    }
}
