using PreDnatAppliance.Pipeline.Flows;

namespace PreDnatAppliance.ConntrackBench;

/// <summary>The benchmark's flows: the same ones rte_hash_bench.c builds (UDP client -> NodePort, DNAT to one of 256 backends).</summary>
internal static class Flows
{
    public const int DefaultFlows = 1 << 20;
    public const int Lookups = 1 << 22;

    public static (FlowKey Original, NatRewrite Nat) Make(uint i)
    {
        var client = 0x64400000u + i;
        var sport = (ushort)(1024 + i % 60000);
        var backend = 0x0AF40000u + i % 256;
        var original = FlowKey.V4(client, 0xC000020Au, 17, sport, 30080);
        var nat = new NatRewrite(NatKind.Dnat, 0, backend, 8080, 0, 0, 0, 1);
        return (original, nat);
    }

    private static ulong _state = 0x9E3779B97F4A7C15UL;

    public static ulong NextRandom()
    {
        var z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Every flow's two keys (original, reply), random keys among them, and keys of flows not in the table.</summary>
    public static (FlowKey[] Originals, NatRewrite[] Nats, FlowKey[] Hits, FlowKey[] Misses) Build(int flows, int lookups)
    {
        var originals = new FlowKey[flows];
        var nats = new NatRewrite[flows];
        var keys = new FlowKey[2 * flows];
        for (var i = 0; i < flows; i++)
        {
            (originals[i], nats[i]) = Make((uint)i);
            keys[2 * i] = originals[i];
            keys[2 * i + 1] = nats[i].Apply(originals[i]).Reversed();
        }
        var hits = new FlowKey[lookups];
        var misses = new FlowKey[lookups];
        for (var i = 0; i < lookups; i++)
        {
            hits[i] = keys[NextRandom() % (ulong)keys.Length];
            misses[i] = Make((uint)flows + (uint)(NextRandom() % (16UL * (ulong)flows))).Original;
        }
        return (originals, nats, hits, misses);
    }
}
