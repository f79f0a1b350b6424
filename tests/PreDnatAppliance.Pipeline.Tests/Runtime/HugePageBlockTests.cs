using System.Globalization;
using PreDnatAppliance.Pipeline.Conntrack;
using PreDnatAppliance.Pipeline.Runtime;
using PreDnatAppliance.Pipeline.Stages;

namespace PreDnatAppliance.Pipeline.Tests.Runtime;

/// <summary>
/// The tables every packet touches are advised as transparent huge pages: the kernel's own view of the mapping
/// (/proc/self/smaps, THPeligible) says so for the conntrack entries, a worker's flow index and its forwarding slots.
/// </summary>
public unsafe class HugePageBlockTests
{
    private static bool ThpAvailable =>
        File.Exists("/sys/kernel/mm/transparent_hugepage/enabled")
        && !File.ReadAllText("/sys/kernel/mm/transparent_hugepage/enabled").Contains("[never]", StringComparison.Ordinal);

    [Fact]
    public void Large_blocks_are_huge_page_eligible_and_small_ones_are_not_rounded_up()
    {
        using var large = new HugePageBlock(512 << 10);
        using var small = new HugePageBlock(4096);
        Assert.Equal(HugePageBlock.HugePage, large.Length);
        Assert.Equal(0, (long)large.Pointer % HugePageBlock.HugePage);
        Assert.Equal(4096, small.Length);
        Assert.False(small.HugePagesAdvised);
        new Span<byte>(large.Pointer, (int)large.Length).Fill(1); // usable, every page
        if (!OperatingSystem.IsLinux() || !ThpAvailable)
            return;
        Assert.True(large.HugePagesAdvised);
        Assert.True(Eligible(large.Pointer), "the kernel does not see the block as eligible for huge pages");
    }

    [Fact]
    public void The_per_packet_tables_sit_in_huge_page_eligible_memory()
    {
        if (!OperatingSystem.IsLinux() || !ThpAvailable)
            return;
        using var table = new ConntrackTable(new ConntrackOptions { Capacity = 65536 });
        var cache = new ForwardingCache();
        Assert.True(Eligible(table.EntryPtr(0)), "conntrack entries");
        Assert.True(Eligible(cache.SlotOf(0)), "forwarding slots");
        Assert.True(Eligible(cache.Index!.Bucket(0, 0)), "flow index");
        GC.KeepAlive(cache);
    }

    /// <summary>THPeligible of the mapping that holds <paramref name="address"/>, from /proc/self/smaps.</summary>
    private static bool Eligible(void* address)
    {
        var a = (ulong)address;
        var inside = false;
        foreach (var line in File.ReadLines("/proc/self/smaps"))
        {
            var dash = line.IndexOf('-');
            var space = line.IndexOf(' ');
            if (dash > 0 && space > dash && ulong.TryParse(line.AsSpan(0, dash), NumberStyles.HexNumber, null, out var from)
                && ulong.TryParse(line.AsSpan(dash + 1, space - dash - 1), NumberStyles.HexNumber, null, out var to))
                inside = a >= from && a < to;
            else if (inside && line.StartsWith("THPeligible:", StringComparison.Ordinal))
                return line.EndsWith('1');
        }
        return false;
    }
}
