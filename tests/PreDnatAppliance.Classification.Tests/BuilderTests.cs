using PreDnatAppliance.ClassifierTables;

namespace PreDnatAppliance.Classification.Tests;

public sealed class BuilderTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(15)]
    [InlineData(16)]
    [InlineData(17)]
    [InlineData(272)]
    [InlineData(288)]
    [InlineData(289)]
    [InlineData(4624)]
    [InlineData(5000)]
    public void SearchTreeCountsEndsBelowTheKey(int n)
    {
        var random = new Random(n);
        var set = new SortedSet<uint>();
        while (set.Count < n) set.Add((uint)random.Next(1, int.MaxValue) * 2u);
        var ends = set.ToArray();
        var levels = SearchTreeLayout.Build(ends);
        var probes = new List<uint> { 0, 1, uint.MaxValue, uint.MaxValue - 1 };
        foreach (var e in ends) probes.AddRange(new[] { e - 1, e, e + 1 });
        foreach (var x in probes)
        {
            int at = Array.BinarySearch(ends, x);
            int expected = at >= 0 ? at : ~at;
            Assert.Equal(expected, SearchTreeLayout.Search(levels, x));
        }
    }

    [Fact]
    public void FieldMatchNormalizesAndComplements()
    {
        var m = FieldMatch.Of(new[] { new ValueRange(10, 20), new ValueRange(21, 30), new ValueRange(5, 12), new ValueRange(40, 40) });
        Assert.Equal("5-30,40", m.ToString());
        Assert.Equal("0-4,31-39,41-65535", m.Complement(FieldKind.DestinationPort).ToString());
        Assert.Equal("{}", FieldMatch.Any(FieldKind.Protocol).Complement(FieldKind.Protocol).ToString());
        Assert.Equal("0-255", FieldMatch.None.Complement(FieldKind.Protocol).ToString());
        Assert.Equal("5-12", m.Intersect(FieldMatch.Range(0, 12)).ToString());
        var top = FieldMatch.Of(new[] { new ValueRange(uint.MaxValue, uint.MaxValue), new ValueRange(0, 0) });
        Assert.True(top.Contains(uint.MaxValue) && top.Contains(0) && !top.Contains(1));
    }

    [Fact]
    public void PrefixCoversItsBlock()
    {
        var r = ValueRange.Prefix(0xC0A80155, 24);
        Assert.Equal(0xC0A80100u, r.Low);
        Assert.Equal(0xC0A801FFu, r.High);
        Assert.Equal(new ValueRange(0, uint.MaxValue), ValueRange.Prefix(12345, 0));
    }
}
