using System.Runtime.InteropServices;
using PreDnatAppliance.Dataplane.Interop;

namespace PreDnatAppliance.Pipeline.Offline;

/// <summary>
/// Native buffers laid out like DPDK's <c>rte_mbuf</c> (the <see cref="MbufLayout"/> offsets), so stage code
/// that reads packets through <see cref="Mbuf"/> runs unchanged without DPDK: replay, tests, fuzzing. Each
/// element is a 128-byte mbuf header followed by its buffer (<c>buf_addr</c>), <see cref="MbufLayout.Headroom"/>
/// bytes of headroom (<c>data_off</c>) and the data room, as <c>rte_pktmbuf_pool_create</c> lays them out.
/// A frame longer than one data room becomes a chain of segments (<c>next</c>, <c>nb_segs</c>, <c>pkt_len</c>),
/// as a NIC with scattered RX would deliver it.
///
/// <para>With <c>guardPages</c>, each buffer ends at a page boundary followed by an inaccessible page, and
/// <see cref="FromFrame"/> puts each segment's data at the very end of its buffer (<c>data_off</c> =
/// <c>buf_len</c> − length): a read past the end of a frame is a segmentation fault instead of a silent read of
/// the next bytes. Fuzz tests run the unchecked (Release) parser over such buffers.</para>
///
/// <para>These are not DPDK mbufs: <c>pool</c> is null and they must never be passed to DPDK (free them here).
/// Not thread-safe (one pool per offline runner).</para>
/// </summary>
public sealed unsafe partial class OfflineMbufPool : IDisposable
{
    /// <summary>DPDK's RTE_MBUF_DEFAULT_BUF_SIZE: 2048 bytes of data room plus the headroom.</summary>
    public const int DefaultBufferSize = 2048 + MbufLayout.Headroom;

    private readonly byte* _base;
    private readonly nint* _free;
    private readonly int _elementSize;
    private readonly long _mappedBytes;   // guard-page mode: the mmap'ed region
    private int _freeCount;
    private bool _disposed;

    /// <param name="count">Mbufs in the pool.</param>
    /// <param name="bufferSize">Buffer bytes per mbuf including the headroom (<c>buf_len</c>; DPDK's data room size).</param>
    /// <param name="guardPages">End every buffer at an inaccessible page and packet data at the buffer's end (Linux).</param>
    public OfflineMbufPool(int count, int bufferSize = DefaultBufferSize, bool guardPages = false)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(bufferSize, MbufLayout.Headroom + 64);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(bufferSize, ushort.MaxValue);
        Count = count;
        BufferSize = bufferSize;
        GuardPages = guardPages;
        if (guardPages)
        {
            // [page: mbuf header][buffer pages, the buffer ending at the last byte][guard page]
            var page = Environment.SystemPageSize;
            var bufferPages = (bufferSize + page - 1) / page;
            _elementSize = (bufferPages + 2) * page;
            _mappedBytes = (long)count * _elementSize;
            var mapped = mmap(null, (nuint)_mappedBytes, ProtRead | ProtWrite, MapPrivate | MapAnonymous, -1, 0);
            if (mapped == (void*)-1)
                throw new InvalidOperationException($"mmap of {_mappedBytes} bytes failed (errno {Marshal.GetLastPInvokeError()})");
            _base = (byte*)mapped;
            for (var i = 0; i < count; i++)
            {
                var guard = _base + (long)i * _elementSize + (bufferPages + 1) * page;
                if (mprotect(guard, (nuint)page, ProtNone) != 0)
                {
                    var errno = Marshal.GetLastPInvokeError();
                    munmap(_base, (nuint)_mappedBytes);
                    throw new InvalidOperationException($"mprotect of a guard page failed (errno {errno})");
                }
            }
        }
        else
        {
            _elementSize = MbufLayout.Size + (bufferSize + MbufLayout.CacheLineSize - 1) / MbufLayout.CacheLineSize * MbufLayout.CacheLineSize;
            _base = (byte*)NativeMemory.AlignedAlloc((nuint)((long)count * _elementSize), MbufLayout.CacheLineSize);
            NativeMemory.Clear(_base, (nuint)((long)count * _elementSize));
        }
        _free = (nint*)NativeMemory.Alloc((nuint)count, (nuint)sizeof(nint));
        // Handed out lowest address first.
        for (var i = 0; i < count; i++)
            _free[i] = (nint)(_base + (long)(count - 1 - i) * _elementSize);
        _freeCount = count;
    }

    public int Count { get; }

    /// <summary>Whether buffers end at guard pages (see the class summary).</summary>
    public bool GuardPages { get; }

    /// <summary><c>buf_len</c> of every mbuf (headroom included).</summary>
    public int BufferSize { get; }

    /// <summary>Packet bytes one segment holds (<see cref="BufferSize"/> minus the headroom).</summary>
    public int DataRoom => BufferSize - MbufLayout.Headroom;

    public int Available => _freeCount;
    public int InUse => Count - _freeCount;

    /// <summary>Segments a frame of <paramref name="length"/> bytes needs (a zero-length frame needs one).</summary>
    public int SegmentsFor(int length) => Math.Max(1, (length + DataRoom - 1) / DataRoom);

    /// <summary>Whether <paramref name="m"/> is one of this pool's mbufs.</summary>
    public bool Owns(nint m) => (byte*)m >= _base && (byte*)m < _base + (long)Count * _elementSize && ((byte*)m - _base) % _elementSize == 0;

    /// <summary>The element number (0 .. Count-1) of one of this pool's mbufs.</summary>
    public int IndexOf(nint m)
    {
        if (!Owns(m))
            throw new ArgumentException($"0x{m:x} is not an mbuf of this pool", nameof(m));
        return (int)(((byte*)m - _base) / _elementSize);
    }

    /// <summary>A reset mbuf (<c>rte_pktmbuf_alloc</c>): no data, headroom 128, one segment, refcnt 1; 0 when the pool is empty.</summary>
    public nint Alloc()
    {
        if (_freeCount == 0)
            return 0;
        var m = _free[--_freeCount];
        Reset(m);
        return m;
    }

    /// <summary>
    /// An mbuf (chain) holding <paramref name="frame"/> as received on <paramref name="port"/>: <c>data_len</c> =
    /// <c>pkt_len</c> = the frame's length when it fits one segment. Throws when the pool has too few mbufs.
    /// </summary>
    public nint FromFrame(ReadOnlySpan<byte> frame, ushort port)
    {
        var segments = SegmentsFor(frame.Length);
        if (segments > _freeCount)
            throw new InvalidOperationException($"offline mbuf pool exhausted: a {frame.Length}-byte frame needs {segments} mbufs, {_freeCount} are free");
        if (segments > ushort.MaxValue)
            throw new ArgumentException($"a {frame.Length}-byte frame needs more than {ushort.MaxValue} segments", nameof(frame));
        var head = Alloc();
        var m = head;
        var rest = frame;
        while (true)
        {
            var part = Math.Min(rest.Length, DataRoom);
            if (GuardPages)
                *(ushort*)(m + MbufLayout.DataOff) = (ushort)(BufferSize - part);
            rest[..part].CopyTo(new Span<byte>(Mbuf.Data(m), part));
            *(ushort*)(m + MbufLayout.DataLen) = (ushort)part;
            *(uint*)(m + MbufLayout.PktLen) = (uint)part;
            *(ushort*)(m + MbufLayout.Port) = port;
            rest = rest[part..];
            if (rest.IsEmpty)
                break;
            var next = Alloc();
            *(nint*)(m + MbufLayout.Next) = next;
            m = next;
        }
        *(ushort*)(head + MbufLayout.NbSegs) = (ushort)segments;
        *(uint*)(head + MbufLayout.PktLen) = (uint)frame.Length;
        return head;
    }

    /// <summary>Copies a packet's bytes (every segment) into <paramref name="destination"/>; returns the bytes copied (<c>pkt_len</c>).</summary>
    public static int CopyOut(nint m, Span<byte> destination)
    {
        var total = (int)Mbuf.PktLen(m);
        if (destination.Length < total)
            throw new ArgumentException($"destination holds {destination.Length} bytes, the packet has {total}", nameof(destination));
        var written = 0;
        for (var seg = m; seg != 0 && written < total; seg = *(nint*)(seg + MbufLayout.Next))
        {
            var part = Math.Min(Mbuf.DataLen(seg), total - written);
            new ReadOnlySpan<byte>(Mbuf.Data(seg), part).CopyTo(destination[written..]);
            written += part;
        }
        return written;
    }

    /// <summary>Returns a packet (every segment of its chain) to the pool (<c>rte_pktmbuf_free</c>).</summary>
    public void Free(nint m)
    {
        while (m != 0)
        {
            if (!Owns(m))
                throw new ArgumentException($"0x{m:x} is not an mbuf of this pool", nameof(m));
            // refcnt 0 marks a free mbuf here.
            if (*(ushort*)(m + MbufLayout.Refcnt) == 0 || _freeCount == Count)
                throw new InvalidOperationException($"offline mbuf pool: 0x{m:x} freed twice");
            var next = *(nint*)(m + MbufLayout.Next);
            *(nint*)(m + MbufLayout.Next) = 0;
            *(ushort*)(m + MbufLayout.Refcnt) = 0;
            _free[_freeCount++] = m;
            m = next;
        }
    }

    private void Reset(nint m)
    {
        var p = (byte*)m;
        NativeMemory.Clear(p, MbufLayout.Size);
        var buffer = GuardPages ? p + _elementSize - Environment.SystemPageSize - BufferSize : p + MbufLayout.Size;
        *(byte**)(p + MbufLayout.BufAddr) = buffer;
        *(ulong*)(p + MbufLayout.BufAddr + 8) = (ulong)buffer; // buf_iova: the virtual address (no IOMMU here)
        *(ushort*)(p + MbufLayout.DataOff) = MbufLayout.Headroom;
        *(ushort*)(p + MbufLayout.Refcnt) = 1;
        *(ushort*)(p + MbufLayout.NbSegs) = 1;
        *(ushort*)(p + MbufLayout.Port) = 0xFFFF;
        *(ushort*)(p + MbufLayout.BufLen) = (ushort)BufferSize;
    }

    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        if (GuardPages)
            munmap(_base, (nuint)_mappedBytes);
        else
            NativeMemory.AlignedFree(_base);
        NativeMemory.Free(_free);
    }

    private const int ProtNone = 0, ProtRead = 1, ProtWrite = 2;
    private const int MapPrivate = 0x02, MapAnonymous = 0x20;

    [LibraryImport("libc", SetLastError = true)]
    private static partial void* mmap(void* address, nuint length, int protection, int flags, int fd, nint offset);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int mprotect(void* address, nuint length, int protection);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int munmap(void* address, nuint length);
}
