using PreDnatAppliance.Dataplane.Interop;

namespace PreDnatAppliance.Dataplane.Tests;

/// <summary>The C# offsets (MbufLayout) against what the shim was compiled with (no EAL needed).</summary>
public unsafe class MbufLayoutTests
{
    [Fact]
    public void Shim_abi_version_matches()
    {
        Assert.Equal(Shim.AbiVersion, Shim.pda_shim_abi_version());
    }

    [Fact]
    public void Csharp_offsets_match_the_compiled_rte_mbuf()
    {
        PdaMbufLayout l;
        Shim.pda_mbuf_layout(&l);
        Assert.Equal((uint)MbufLayout.Size, l.Size);
        Assert.Equal((uint)MbufLayout.BufAddr, l.BufAddr);
        Assert.Equal((uint)MbufLayout.DataOff, l.DataOff);
        Assert.Equal((uint)MbufLayout.Refcnt, l.Refcnt);
        Assert.Equal((uint)MbufLayout.NbSegs, l.NbSegs);
        Assert.Equal((uint)MbufLayout.Port, l.Port);
        Assert.Equal((uint)MbufLayout.OlFlags, l.OlFlags);
        Assert.Equal((uint)MbufLayout.PacketType, l.PacketType);
        Assert.Equal((uint)MbufLayout.PktLen, l.PktLen);
        Assert.Equal((uint)MbufLayout.DataLen, l.DataLen);
        Assert.Equal((uint)MbufLayout.VlanTci, l.VlanTci);
        Assert.Equal((uint)MbufLayout.Hash, l.Hash);
        Assert.Equal((uint)MbufLayout.BufLen, l.BufLen);
        Assert.Equal((uint)MbufLayout.Pool, l.Pool);
        Assert.Equal((uint)MbufLayout.Next, l.Next);
        Assert.Equal((uint)MbufLayout.Headroom, l.Headroom);
        Assert.Equal((uint)MbufLayout.CacheLineSize, l.CacheLineSize);
    }

    [Fact]
    public void Accessors_read_the_same_fields_as_the_shim()
    {
        // A fake mbuf in plain memory: the accessors only read fields, they never call DPDK.
        var m = stackalloc byte[MbufLayout.Size + 256];
        new Span<byte>(m, MbufLayout.Size + 256).Clear();
        var data = m + MbufLayout.Size;
        *(byte**)(m + MbufLayout.BufAddr) = data;
        *(ushort*)(m + MbufLayout.DataOff) = 16;
        *(uint*)(m + MbufLayout.PktLen) = 100;
        *(ushort*)(m + MbufLayout.DataLen) = 100;
        *(ushort*)(m + MbufLayout.NbSegs) = 1;
        *(ushort*)(m + MbufLayout.Port) = 3;
        *(ushort*)(m + MbufLayout.BufLen) = 256;

        Assert.True(Shim.pda_mbuf_data((nint)m) == data + 16);
        Assert.True(Mbuf.Data((nint)m) == data + 16);
        Assert.Equal(Shim.pda_mbuf_pkt_len((nint)m), Mbuf.PktLen((nint)m));
        Assert.Equal(Shim.pda_mbuf_data_len((nint)m), Mbuf.DataLen((nint)m));
        Assert.Equal(3, Mbuf.Port((nint)m));

        Assert.Equal(0, Shim.pda_mbuf_set_len((nint)m, 60));
        Assert.Equal(60u, Mbuf.PktLen((nint)m));
        Assert.Equal(60, Mbuf.DataLen((nint)m));
        Assert.NotEqual(0, Shim.pda_mbuf_set_len((nint)m, 250)); // past the tailroom
    }
}
