using System.Buffers.Binary;
using PreDnatAppliance.Dataplane.Stages;
using PreDnatAppliance.Pipeline.Configuration;
using PreDnatAppliance.Pipeline.Stages;
using PreDnatAppliance.Replay.Tests.Fuzz;
using Xunit.Abstractions;
using static PreDnatAppliance.Replay.Tests.Infrastructure.Net;

namespace PreDnatAppliance.Replay.Tests.Robustness;

/// <summary>
/// A UDP flood to a NodePort without endpoints (kube-proxy's REJECT) through the whole pipeline on a simulated clock:
/// the appliance answers with at most <c>rejectBurst</c> ICMP port unreachables back to back and
/// <c>rejectRatePerSecond</c> after that, never one per packet; the rest are counted as <c>reject-rate-limited</c>.
/// </summary>
public class RejectFloodTests(ITestOutputHelper output)
{
    private const long Second = 1_000_000_000;
    private const int Eth1 = 1;

    /// <summary>The default services plus a UDP NodePort 30053 without any endpoint.</summary>
    private static readonly string Services = ApplianceConfiguration.DefaultServicesYaml().TrimEnd() + "\n" + """
        - apiVersion: v1
          kind: Service
          metadata:
            name: dns-empty
            namespace: shop
          spec:
            type: NodePort
            clusterIP: 10.96.10.23
            clusterIPs: [10.96.10.23]
            ipFamilies: [IPv4]
            ports:
            - name: dns
              protocol: UDP
              port: 53
              targetPort: 53
              nodePort: 30053
        """;

    private static PipelineFuzzHarness Harness(double rate, int burst)
    {
        var configuration = ApplianceConfiguration.Default();
        configuration.Icmp.RejectRatePerSecond = rate;
        configuration.Icmp.RejectBurst = burst;
        return new PipelineFuzzHarness(guardPages: false, configuration, Services);
    }

    /// <summary>Flood packet <paramref name="i"/>: a cluster-network source (pre-DNAT allows 10.240.0.0/16) to NodePort 30053.</summary>
    private static void Flood(byte[] template, int i)
    {
        template[14 + 12 + 2] = (byte)(i >> 8);
        template[14 + 12 + 3] = (byte)i;
        BinaryPrimitives.WriteUInt16BigEndian(template.AsSpan(14 + 20), (ushort)(1024 + (i >> 16)));
    }

    [Theory]
    [InlineData(100, 50)]
    [InlineData(1000, 10)]
    [InlineData(0, 1)]
    public void A_flood_within_one_second_gets_at_most_burst_plus_rate_answers(double rate, int burst)
    {
        const int packets = 100_000;
        using var h = Harness(rate, burst);
        h.FrameSpacing = Second / packets;   // all of them within one second
        var template = Udp("10.240.0.0", NodeCluster, 1024, 30053, new byte[32]);
        for (var i = 0; i < packets; i++)
        {
            Flood(template, i);
            h.Push(template, Eth1);
        }
        h.Flush();

        var v = h.Verdicts;
        var limited = v.Drops[(int)DropReason.RejectRateLimited];
        output.WriteLine($"rate {rate}/s burst {burst}: {packets:N0} UDP packets in 1 s → {v.Rejected} ICMP port unreachable, {limited:N0} reject-rate-limited");
        var most = rate > 0 ? burst + (long)rate : 0;
        Assert.InRange(v.Rejected, Math.Max(0, most - 1), most);
        Assert.Equal(packets, v.Rejected + limited);
        Assert.Equal(packets, v.Accounted);
    }

    [Fact]
    public void Over_a_minute_the_answers_follow_the_configured_rate()
    {
        const double rate = 100;
        const int burst = 50, seconds = 60, perSecond = 5_000;
        using var h = Harness(rate, burst);
        h.FrameSpacing = Second / perSecond;
        var start = h.Now;
        var answersBySecond = new long[seconds + 1];
        h.Observe = (time, outcome, _) =>
        {
            if (outcome == PacketOutcome.Rejected)
                answersBySecond[Math.Min(seconds, (time - start - 1) / Second)]++;
        };
        var template = Udp("10.240.0.0", NodeCluster, 1024, 30053, new byte[32]);
        for (var i = 0; i < seconds * perSecond; i++)
        {
            Flood(template, i);
            h.Push(template, Eth1);
        }
        h.Flush();

        var v = h.Verdicts;
        output.WriteLine($"{seconds * perSecond:N0} packets at {perSecond}/s for {seconds} s: {v.Rejected} answers " +
                         $"({(v.Rejected - burst) / (double)seconds:0.0}/s after the burst), {v.Drops[(int)DropReason.RejectRateLimited]:N0} reject-rate-limited; " +
                         $"answers in seconds 1-5: {string.Join(", ", answersBySecond.Take(5))}");
        Assert.Equal(seconds * perSecond, v.Rejected + v.Drops[(int)DropReason.RejectRateLimited]);
        Assert.InRange(v.Rejected, burst + (long)rate * seconds - 2, burst + (long)rate * seconds);
        Assert.InRange(answersBySecond[0], burst + (long)rate - 1, burst + (long)rate);
        for (var s = 1; s < seconds; s++)
            Assert.InRange(answersBySecond[s], (long)rate - 1, (long)rate + 1);
    }
}
