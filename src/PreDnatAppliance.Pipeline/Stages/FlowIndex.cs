using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Security.Cryptography;
using PreDnatAppliance.Pipeline.Flows;
using PreDnatAppliance.Pipeline.Runtime;

namespace PreDnatAppliance.Pipeline.Stages;

/// <summary>
/// One worker's exact-match index from an IPv4 TCP/UDP flow direction as it arrives (ingress port, addresses, ports,
/// protocol: the frame's own bytes) to the conntrack entry, direction and generation of its flow: what lets the
/// established-flow prefix (<see cref="EstablishedPrefix"/>) find a packet's forwarding decision without parsing it or
/// probing the shared conntrack table. Filled when a flow direction's decision is kept (<see cref="ForwardingCache"/>).
///
/// Four-way buckets of two cache lines (32-byte ways, the most recently set in way 0), indexed by a seeded CRC-32C of
/// the key: 8192 buckets (1 MiB) hold 4096 flows with hardly a bucket overflowing.
/// It is only a shortcut: a key that is not here, or was pushed out, takes the stages. An entry proves nothing by
/// itself either; the forwarding slot and the conntrack entry are still checked against its generation.
/// </summary>
public sealed unsafe class FlowIndex
{
    public const int DefaultBuckets = 8192;
    private const int Ways = 4;

    [StructLayout(LayoutKind.Explicit, Size = 32)]
    private struct Way
    {
        /// <summary>The source and destination address as the frame carries them (bytes 26..33 of a plain frame).</summary>
        [FieldOffset(0)] public ulong Addresses;

        /// <summary>Both ports as the frame carries them | protocol &lt;&lt; 32 | ingress port &lt;&lt; 40 | 1 &lt;&lt; 63 (never 0).</summary>
        [FieldOffset(8)] public ulong Meta;

        /// <summary>entry * 2 + direction.</summary>
        [FieldOffset(16)] public int Flow;
        [FieldOffset(20)] public uint Generation;
    }

    private readonly HugePageBlock _memory;
    private readonly Way* _ways;   // bucket b is ways 4b .. 4b + 3
    private readonly uint _bucketMask;
    private readonly uint _seed;

    public FlowIndex(int buckets = DefaultBuckets)
    {
        if (buckets < 1 || !BitOperations.IsPow2(buckets))
            throw new ArgumentOutOfRangeException(nameof(buckets), "a power of two");
        _memory = new HugePageBlock((long)buckets * Ways * sizeof(Way));
        _ways = (Way*)_memory.Pointer;
        _bucketMask = (uint)buckets - 1;
        // Seeded so that nobody outside can choose flows that share a bucket (a shared bucket only costs the stages anyway).
        _seed = (uint)RandomNumberGenerator.GetInt32(int.MaxValue);
    }

    /// <summary>The key's second word: ports as the frame carries them (<paramref name="rawPorts"/>), protocol, ingress port.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Meta(uint rawPorts, byte protocol, int rxPort) =>
        rawPorts | (ulong)protocol << 32 | (ulong)(ushort)rxPort << 40 | 1UL << 63;

    /// <summary>The key of a parsed IPv4 flow (host-order fields) arriving on <paramref name="rxPort"/>, as a frame would give it.</summary>
    public static void KeyOf(in FlowKey flow, int rxPort, out ulong addresses, out ulong meta)
    {
        addresses = (ulong)BinaryReverse((uint)flow.DstLow) << 32 | BinaryReverse((uint)flow.SrcLow);
        var ports = (uint)BinaryReverse16(flow.DestinationPort) << 16 | BinaryReverse16(flow.SourcePort);
        meta = Meta(ports, flow.Protocol, rxPort);
    }

    /// <summary>The flow a key stands for (the inverse of <see cref="KeyOf"/>).</summary>
    public static FlowKey FlowOf(ulong addresses, ulong meta)
    {
        var ports = (uint)meta;
        return FlowKey.V4(BinaryReverse((uint)addresses), BinaryReverse((uint)(addresses >> 32)), (byte)(meta >> 32),
            BinaryReverse16((ushort)ports), BinaryReverse16((ushort)(ports >> 16)));
    }

    // Keys are the frame's bytes read as little-endian words (x86-64 and arm64, where .NET runs the data path).
    private static uint BinaryReverse(uint v) => BinaryPrimitives.ReverseEndianness(v);
    private static ushort BinaryReverse16(ushort v) => BinaryPrimitives.ReverseEndianness(v);

    /// <summary>The bucket of a key (two cache lines to prefetch now and probe later).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void* Bucket(ulong addresses, ulong meta) =>
        _ways + Ways * (BitOperations.Crc32C(BitOperations.Crc32C(_seed, addresses), meta) & _bucketMask);

    /// <summary>The flow (entry * 2 + direction) and generation of a key in its bucket; false when it is not there.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryGet(void* bucket, ulong addresses, ulong meta, out int flow, out uint generation)
    {
        var w = (Way*)bucket;
        var key = Vector128.Create(addresses, meta);
        for (var k = 0; k < Ways; k++, w++)
        {
            if (Vector128.Load((ulong*)w) == key)
            {
                flow = w->Flow;
                generation = w->Generation;
                return true;
            }
        }
        flow = -1;
        generation = 0;
        return false;
    }

    /// <summary>Records (or refreshes) a key's flow in way 0; the keys set before it move one way down, the oldest is forgotten.</summary>
    public void Set(ulong addresses, ulong meta, int flow, uint generation)
    {
        var w = (Way*)Bucket(addresses, meta);
        // The stages' fast path sets the key of every packet it forwards: leave the line clean when nothing changes.
        if (w->Addresses == addresses && w->Meta == meta && w->Flow == flow && w->Generation == generation)
            return;
        var at = 0;
        while (at < Ways - 1 && !(w[at].Addresses == addresses && w[at].Meta == meta))
            at++;
        for (; at > 0; at--)
            w[at] = w[at - 1];
        w->Addresses = addresses;
        w->Meta = meta;
        w->Flow = flow;
        w->Generation = generation;
    }
}
