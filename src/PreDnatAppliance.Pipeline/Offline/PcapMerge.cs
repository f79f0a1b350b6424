namespace PreDnatAppliance.Pipeline.Offline;

/// <summary>
/// Several Ethernet pcaps read as one stream, merged by timestamp (ties: the earlier input first), as the ports
/// would have received them. The frame a call returns stays valid until the next call.
/// </summary>
public sealed class PcapMerge : IDisposable
{
    private readonly List<PcapReader> _readers = new();
    private readonly byte[][] _heads;
    private readonly int[] _lengths;
    private readonly long[] _stamps;
    private readonly bool[] _live;
    private int _returned = -1;

    public PcapMerge(IReadOnlyList<string> paths)
    {
        try
        {
            foreach (var path in paths)
            {
                var reader = PcapReader.Open(path);
                _readers.Add(reader);
                if (reader.LinkType != PcapLinkType.Ethernet)
                    throw new InvalidDataException($"{path}: pcap link type {(uint)reader.LinkType} is not Ethernet (1)");
            }
        }
        catch
        {
            Dispose();
            throw;
        }
        _heads = new byte[_readers.Count][];
        _lengths = new int[_readers.Count];
        _stamps = new long[_readers.Count];
        _live = new bool[_readers.Count];
        for (var i = 0; i < _readers.Count; i++)
            _live[i] = Advance(i);
    }

    /// <summary>The earliest frame not yet returned, the index of the input it came from, and its timestamp in ns.</summary>
    public bool TryNext(out ReadOnlySpan<byte> frame, out int input, out long timestampNanoseconds)
    {
        // The previous frame's buffer is reused only now, after the caller is done with it.
        if (_returned >= 0)
            _live[_returned] = Advance(_returned);
        var pick = -1;
        for (var i = 0; i < _readers.Count; i++)
            if (_live[i] && (pick < 0 || _stamps[i] < _stamps[pick]))
                pick = i;
        _returned = pick;
        if (pick < 0)
        {
            frame = default;
            input = -1;
            timestampNanoseconds = 0;
            return false;
        }
        frame = _heads[pick].AsSpan(0, _lengths[pick]);
        input = pick;
        timestampNanoseconds = _stamps[pick];
        return true;
    }

    private bool Advance(int i)
    {
        if (!_readers[i].TryReadPacket(out var p))
            return false;
        if (_heads[i] is null || _heads[i].Length < p.Data.Length)
            _heads[i] = new byte[Math.Max(p.Data.Length, 2048)];
        p.Data.CopyTo(_heads[i]);
        _lengths[i] = p.Data.Length;
        _stamps[i] = p.TimestampNanoseconds;
        return true;
    }

    public void Dispose()
    {
        foreach (var reader in _readers)
            reader.Dispose();
    }
}
