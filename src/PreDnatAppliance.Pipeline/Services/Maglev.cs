using System.Runtime.CompilerServices;

namespace PreDnatAppliance.Pipeline.Services;

/// <summary>
/// Maglev consistent hashing (Eisenbud et al., NSDI 2016, §3.4): each backend has a permutation of the M table
/// slots derived from its identity alone (offset and skip from two hashes of its address and port); backends take
/// turns claiming their next preferred free slot until the table is full. Removing one of N backends frees its
/// ~M/N slots, which the others claim in the same turn order, so most other slots keep their backend.
///
/// Deterministic: the table depends only on the set of backends (callers pass them sorted; the identity hashes do
/// not depend on the process, unlike <see cref="string.GetHashCode()"/>) and on M, so appliances with the same
/// backend set build the same table and send a flow to the same backend without sharing state.
/// </summary>
public static class Maglev
{
    /// <summary>
    /// The default (and smallest) table size: a prime giving at least 100 slots per backend up to 163 backends.
    /// Cilium's default too; 32 KiB per table, so thousands of service ports stay within tens of MiB.
    /// </summary>
    public const int DefaultTableSize = 16381;

    /// <summary>Slots per backend Maglev's paper recommends at least (M ≥ 100·N keeps the load within ~1%).</summary>
    public const int SlotsPerBackend = 100;

    /// <summary>
    /// The table size for <paramref name="backends"/> backends: <paramref name="minimum"/> (a prime) while that
    /// gives at least 100 slots per backend, else the smallest prime ≥ 100·N. Depends on N only (never on history),
    /// so every appliance picks the same size; it only changes past 163 backends with the default minimum.
    /// </summary>
    public static int TableSize(int backends, int minimum = DefaultTableSize)
    {
        var wanted = (long)backends * SlotsPerBackend;
        if (wanted <= minimum)
            return minimum;
        if (wanted > int.MaxValue / 2)
            throw new ArgumentOutOfRangeException(nameof(backends), "too many backends for one Maglev table");
        return NextPrime((int)wanted);
    }

    public static bool IsPrime(int n)
    {
        if (n < 2)
            return false;
        if (n % 2 == 0)
            return n == 2;
        for (var d = 3; (long)d * d <= n; d += 2)
        {
            if (n % d == 0)
                return false;
        }
        return true;
    }

    public static int NextPrime(int n)
    {
        while (!IsPrime(n))
            n++;
        return n;
    }

    /// <summary>
    /// Builds the lookup table: entry i is the index (into <paramref name="backends"/>) of the backend owning slot i.
    /// <paramref name="backends"/> must be distinct and in canonical order (sorted) for the result to be independent
    /// of input order; at most 65535 of them.
    /// </summary>
    public static ushort[] Build(ReadOnlySpan<(ServiceAddress Address, ushort Port)> backends, int size)
    {
        var n = backends.Length;
        if (n is 0 or > ushort.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(backends), $"a Maglev table needs 1..{ushort.MaxValue} backends, got {n}");
        if (!IsPrime(size) || size < n)
            throw new ArgumentOutOfRangeException(nameof(size), $"the Maglev table size must be a prime ≥ the backend count, got {size}");

        var next = new long[n]; // each backend's current position in its permutation
        var skip = new long[n];
        for (var i = 0; i < n; i++)
        {
            var (h1, h2) = IdentityHashes(backends[i].Address, backends[i].Port);
            next[i] = (long)(h1 % (ulong)size);
            skip[i] = (long)(h2 % (ulong)(size - 1)) + 1;
        }

        var table = new ushort[size];
        var filled = new bool[size];
        var count = 0;
        while (true)
        {
            for (var i = 0; i < n; i++)
            {
                var c = next[i];
                while (filled[c])
                {
                    c += skip[i];
                    if (c >= size)
                        c -= size;
                }
                filled[c] = true;
                table[c] = (ushort)i;
                c += skip[i];
                next[i] = c >= size ? c - size : c;
                if (++count == size)
                    return table;
            }
        }
    }

    /// <summary>The slot for a flow hash: a multiply-shift reduction of its high 32 bits onto [0, size).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Slot(ulong hash, int size) => (int)(((hash >> 32) * (uint)size) >> 32);

    /// <summary>The backend index <paramref name="table"/> gives a flow hash.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Pick(ushort[] table, ulong hash) => table[Slot(hash, table.Length)];

    /// <summary>Two independent 64-bit hashes of a backend's identity (offset and skip), stable across processes.</summary>
    internal static (ulong, ulong) IdentityHashes(ServiceAddress address, ushort port)
    {
        var a = Mix(address.High ^ 0x6A09E667F3BCC908UL) ^ Mix(address.Low + 0xBB67AE8584CAA73BUL) ^ ((ulong)port << 8 | address.Version);
        var h1 = Mix(a ^ 0x3C6EF372FE94F82BUL);
        var h2 = Mix(Mix(a + 0xA54FF53A5F1D36F1UL) ^ 0x510E527FADE682D1UL);
        return (h1, h2);
    }

    /// <summary>SplitMix64's finaliser.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
