using PreDnatAppliance.Dataplane.Interop;
using PreDnatAppliance.Pipeline.Offline;

namespace PreDnatAppliance.Pipeline.Tests.Offline;

public unsafe class OfflineMbufPoolTests
{
    [Fact]
    public void A_frame_is_an_mbuf_as_dpdk_lays_it_out()
    {
        using var pool = new OfflineMbufPool(8);
        var frame = Enumerable.Range(0, 1514).Select(i => (byte)i).ToArray();
        var m = pool.FromFrame(frame, port: 5);

        var bufAddr = *(byte**)(m + MbufLayout.BufAddr);
        Assert.Equal((nint)(m + MbufLayout.Size), (nint)bufAddr); // buffer right after the 128-byte header
        Assert.Equal(MbufLayout.Headroom, *(ushort*)(m + MbufLayout.DataOff));
        Assert.Equal(OfflineMbufPool.DefaultBufferSize, *(ushort*)(m + MbufLayout.BufLen));
        Assert.Equal(1, *(ushort*)(m + MbufLayout.Refcnt));
        Assert.Equal(1, Mbuf.NbSegs(m));
        Assert.Equal(1514u, Mbuf.PktLen(m));
        Assert.Equal(1514, Mbuf.DataLen(m));
        Assert.Equal(5, Mbuf.Port(m));
        Assert.Equal(0, *(nint*)(m + MbufLayout.Next));
        Assert.Equal(0, *(nint*)(m + MbufLayout.Pool));
        Assert.Equal((nint)(bufAddr + 128), (nint)Mbuf.Data(m));
        Assert.Equal(frame, Mbuf.FirstSegment(m).ToArray());
        Assert.Equal(0, (long)m % 64);
        Assert.Equal(1, pool.InUse);
        pool.Free(m);
        Assert.Equal(8, pool.Available);
    }

    [Fact]
    public void Long_frames_become_segment_chains_and_copy_back_whole()
    {
        using var pool = new OfflineMbufPool(8);
        var frame = Enumerable.Range(0, 5000).Select(i => (byte)(i * 7)).ToArray();
        var m = pool.FromFrame(frame, port: 0);
        Assert.Equal(3, Mbuf.NbSegs(m));
        Assert.Equal(5000u, Mbuf.PktLen(m));
        Assert.Equal(2048, Mbuf.DataLen(m));
        var second = *(nint*)(m + MbufLayout.Next);
        var third = *(nint*)(second + MbufLayout.Next);
        Assert.Equal((2048, 904), ((int)Mbuf.DataLen(second), (int)Mbuf.DataLen(third)));
        Assert.Equal(0, *(nint*)(third + MbufLayout.Next));
        Assert.Equal(3, pool.InUse);

        var copy = new byte[5000];
        Assert.Equal(5000, OfflineMbufPool.CopyOut(m, copy));
        Assert.Equal(frame, copy);
        pool.Free(m);
        Assert.Equal(0, pool.InUse);
    }

    [Fact]
    public void Zero_length_frames_and_exhaustion_and_double_free()
    {
        using var pool = new OfflineMbufPool(2);
        var empty = pool.FromFrame(ReadOnlySpan<byte>.Empty, 1);
        Assert.Equal((0u, 0, 1), (Mbuf.PktLen(empty), (int)Mbuf.DataLen(empty), (int)Mbuf.NbSegs(empty)));
        Assert.Throws<InvalidOperationException>(() => pool.FromFrame(new byte[3000], 0));
        Assert.Equal(1, pool.Available); // nothing taken by the failed attempt
        pool.Free(empty);
        Assert.Throws<InvalidOperationException>(() => pool.Free(empty));
        Assert.Throws<ArgumentException>(() => pool.Free(12345));
        Assert.NotEqual(0, pool.Alloc());
        Assert.NotEqual(0, pool.Alloc());
        Assert.Equal(0, pool.Alloc()); // empty
    }

    [Fact]
    public void Reused_mbufs_are_reset()
    {
        using var pool = new OfflineMbufPool(1);
        var m = pool.FromFrame(new byte[2000], 9);
        *(ulong*)(m + MbufLayout.OlFlags) = ulong.MaxValue;
        pool.Free(m);
        var again = pool.FromFrame(new byte[] { 1, 2, 3 }, 2);
        Assert.Equal(m, again);
        Assert.Equal(0UL, *(ulong*)(again + MbufLayout.OlFlags));
        Assert.Equal((3u, 2), (Mbuf.PktLen(again), (int)Mbuf.Port(again)));
    }
}
