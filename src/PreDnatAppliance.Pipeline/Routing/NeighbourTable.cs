using System.Runtime.InteropServices;

namespace PreDnatAppliance.Pipeline.Routing;

/// <summary>
/// IP to MAC for next hops: static entries from the configuration (and workload endpoints' MACs), plus IPv4
/// neighbours learned from ARP. Shared by every worker: readers take no lock and write nothing; a learning worker
/// claims a free slot with one CAS (open addressing, fixed capacity, allocated at start) and publishes it with a
/// release store. An entry's MAC may be updated in place (a single 64-bit store, never torn).
/// </summary>
public sealed class NeighbourTable
{
    private const int Empty = 0, Claimed = 1, Ready = 2;
    private const int MaxProbe = 32;

    [StructLayout(LayoutKind.Sequential)]
    private struct Slot
    {
        public int State;
        public byte Version;
        public byte Static;
        public ulong High;
        public ulong Low;
        public ulong Mac;
    }

    private readonly Slot[] _slots;
    private readonly int _mask;
    private long _version;

    /// <summary>Bumped whenever a known neighbour's MAC changes: what was read from the table before may be stale.</summary>
    public long Version => Volatile.Read(ref _version);

    public NeighbourTable(int capacity = 4096)
    {
        var size = 16;
        while (size < capacity * 2)
            size <<= 1;
        _slots = new Slot[size];
        _mask = size - 1;
    }

    public int Count
    {
        get
        {
            var n = 0;
            for (var i = 0; i < _slots.Length; i++)
                if (Volatile.Read(ref _slots[i].State) == Ready)
                    n++;
            return n;
        }
    }

    private static int Hash(byte version, ulong high, ulong low)
    {
        var h = (low ^ high * 0x9E3779B97F4A7C15UL ^ version) * 0xBF58476D1CE4E5B9UL;
        return (int)(h >> 32);
    }

    public bool TryGet(byte version, ulong high, ulong low, out ulong mac)
    {
        var slots = _slots;
        var i = Hash(version, high, low) & _mask;
        for (var probe = 0; probe < MaxProbe; probe++, i = (i + 1) & _mask)
        {
            ref var s = ref slots[i];
            var state = Volatile.Read(ref s.State);
            if (state == Empty)
                break;
            if (state == Ready && s.Low == low && s.High == high && s.Version == version)
            {
                mac = Volatile.Read(ref s.Mac);
                return true;
            }
        }
        mac = 0;
        return false;
    }

    /// <summary>Adds or updates an entry. A learned entry never overwrites a static one. False when the table is full around the key.</summary>
    public bool Set(byte version, ulong high, ulong low, ulong mac, bool isStatic = false)
    {
        var slots = _slots;
        var i = Hash(version, high, low) & _mask;
        for (var probe = 0; probe < MaxProbe; probe++, i = (i + 1) & _mask)
        {
            ref var s = ref slots[i];
            var state = Volatile.Read(ref s.State);
            if (state == Ready && s.Low == low && s.High == high && s.Version == version)
            {
                if ((s.Static == 0 || isStatic) && Volatile.Read(ref s.Mac) != mac)
                {
                    Volatile.Write(ref s.Mac, mac);
                    Interlocked.Increment(ref _version);
                }
                return true;
            }
            if (state == Empty && Interlocked.CompareExchange(ref s.State, Claimed, Empty) == Empty)
            {
                s.Version = version;
                s.High = high;
                s.Low = low;
                s.Mac = mac;
                s.Static = isStatic ? (byte)1 : (byte)0;
                Volatile.Write(ref s.State, Ready);
                return true;
            }
        }
        return false;
    }
}
