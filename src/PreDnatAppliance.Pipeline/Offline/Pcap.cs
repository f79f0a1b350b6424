using System.Buffers.Binary;

namespace PreDnatAppliance.Pipeline.Offline;

/// <summary>Link-layer header types of a pcap file (the ones the appliance cares about).</summary>
public enum PcapLinkType : uint
{
    Ethernet = 1,
}

/// <summary>Time resolution of a pcap file's record timestamps (from its magic number).</summary>
public enum PcapPrecision
{
    Microseconds,
    Nanoseconds,
}

/// <summary>
/// One record of a pcap file. <see cref="Data"/> points into the reader's buffer and is valid until the next
/// read. The timestamp is kept in nanoseconds whatever the file's precision.
/// </summary>
public readonly ref struct PcapPacket
{
    public PcapPacket(ReadOnlySpan<byte> data, uint seconds, uint nanoseconds, uint originalLength)
    {
        Data = data;
        Seconds = seconds;
        Nanoseconds = nanoseconds;
        OriginalLength = originalLength;
    }

    /// <summary>The captured bytes (<c>incl_len</c> of them).</summary>
    public ReadOnlySpan<byte> Data { get; }

    public uint Seconds { get; }

    /// <summary>Fraction of the second in nanoseconds (microsecond files: a multiple of 1000).</summary>
    public uint Nanoseconds { get; }

    /// <summary>Length of the packet on the wire (<c>orig_len</c>), at least <see cref="Data"/>'s length unless the capture was odd.</summary>
    public uint OriginalLength { get; }

    /// <summary>Nanoseconds since the Unix epoch.</summary>
    public long TimestampNanoseconds => Seconds * 1_000_000_000L + Nanoseconds;
}

/// <summary>
/// Reads classic libpcap files (not pcapng): microsecond (0xa1b2c3d4) and nanosecond (0xa1b23c4d) magic, in
/// either byte order. One buffer, grown to the largest record, serves every packet: no allocation per packet.
/// Throws <see cref="InvalidDataException"/> for a bad header, an absurd record length or a file that ends in
/// the middle of a record.
/// </summary>
public sealed class PcapReader : IDisposable
{
    public const uint MagicMicroseconds = 0xA1B2C3D4;
    public const uint MagicNanoseconds = 0xA1B23C4D;

    /// <summary>Largest record accepted (libpcap's MAXIMUM_SNAPLEN is 262144; some tools write up to this).</summary>
    public const int MaxRecordLength = 1 << 20;

    private readonly Stream _stream;
    private readonly bool _leaveOpen;
    private readonly byte[] _recordHeader = new byte[16];
    private byte[] _buffer;

    public PcapReader(Stream stream, bool leaveOpen = false)
    {
        _stream = stream;
        _leaveOpen = leaveOpen;
        Span<byte> header = stackalloc byte[24];
        var read = _stream.ReadAtLeast(header, header.Length, throwOnEndOfStream: false);
        if (read < header.Length)
            throw new InvalidDataException($"not a pcap file: {read} bytes, a pcap file header has 24");
        var magic = BinaryPrimitives.ReadUInt32LittleEndian(header);
        switch (magic)
        {
            case MagicMicroseconds: Precision = PcapPrecision.Microseconds; break;
            case MagicNanoseconds: Precision = PcapPrecision.Nanoseconds; break;
            case 0xD4C3B2A1: Precision = PcapPrecision.Microseconds; BigEndian = true; break;
            case 0x4D3CB2A1: Precision = PcapPrecision.Nanoseconds; BigEndian = true; break;
            case 0x0A0D0D0A:
                throw new InvalidDataException("pcapng files are not supported; convert with: editcap -F pcap in.pcapng out.pcap");
            default:
                throw new InvalidDataException($"not a pcap file: magic number 0x{magic:x8}");
        }
        VersionMajor = U16(header[4..]);
        VersionMinor = U16(header[6..]);
        ThisZone = (int)U32(header[8..]);
        SnapLength = U32(header[16..]);
        var network = U32(header[20..]);
        // The low 16 bits are the link type; the top bits can carry FCS information (pcap spec, LinkType field).
        LinkType = (PcapLinkType)(network & 0xFFFF);
        _buffer = new byte[(int)Math.Clamp(SnapLength, 2048u, 65536u)];
    }

    public static PcapReader Open(string path) =>
        new(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan));

    public PcapPrecision Precision { get; }

    /// <summary>The file was written in big-endian byte order (fields are swapped on read).</summary>
    public bool BigEndian { get; }

    public ushort VersionMajor { get; }
    public ushort VersionMinor { get; }
    public int ThisZone { get; }
    public uint SnapLength { get; }
    public PcapLinkType LinkType { get; }

    /// <summary>Records read so far.</summary>
    public long PacketsRead { get; private set; }

    /// <summary>Reads the next record; false at the end of the file.</summary>
    public bool TryReadPacket(out PcapPacket packet)
    {
        var header = _recordHeader.AsSpan();
        var read = _stream.ReadAtLeast(header, header.Length, throwOnEndOfStream: false);
        if (read == 0)
        {
            packet = default;
            return false;
        }
        if (read < header.Length)
            throw new InvalidDataException($"pcap record {PacketsRead}: the file ends inside the record header ({read} of 16 bytes)");
        var seconds = U32(header);
        var fraction = U32(header[4..]);
        var included = U32(header[8..]);
        var original = U32(header[12..]);
        if (included > MaxRecordLength)
            throw new InvalidDataException($"pcap record {PacketsRead}: captured length {included} is larger than {MaxRecordLength}");
        if (included > _buffer.Length)
            _buffer = new byte[Math.Max((int)included, _buffer.Length * 2)];
        var data = _buffer.AsSpan(0, (int)included);
        read = _stream.ReadAtLeast(data, data.Length, throwOnEndOfStream: false);
        if (read < data.Length)
            throw new InvalidDataException($"pcap record {PacketsRead}: the file ends inside the packet ({read} of {included} bytes)");
        // A fraction of a second or more (seen in broken captures) carries into the seconds.
        var unit = Precision == PcapPrecision.Microseconds ? 1_000_000u : 1_000_000_000u;
        if (fraction >= unit)
        {
            seconds += fraction / unit;
            fraction %= unit;
        }
        var nanoseconds = Precision == PcapPrecision.Microseconds ? fraction * 1000u : fraction;
        PacketsRead++;
        packet = new PcapPacket(data, seconds, nanoseconds, original);
        return true;
    }

    private ushort U16(ReadOnlySpan<byte> b) => BigEndian ? BinaryPrimitives.ReadUInt16BigEndian(b) : BinaryPrimitives.ReadUInt16LittleEndian(b);
    private uint U32(ReadOnlySpan<byte> b) => BigEndian ? BinaryPrimitives.ReadUInt32BigEndian(b) : BinaryPrimitives.ReadUInt32LittleEndian(b);

    public void Dispose()
    {
        if (!_leaveOpen)
            _stream.Dispose();
    }
}

/// <summary>
/// Writes classic libpcap files, always little-endian (version 2.4, thiszone 0, sigfigs 0): the same packets
/// and timestamps give the same bytes on every machine. No allocation per packet.
/// </summary>
public sealed class PcapWriter : IDisposable
{
    /// <summary>tcpdump's default snapshot length.</summary>
    public const uint DefaultSnapLength = 262144;

    private readonly Stream _stream;
    private readonly bool _leaveOpen;
    private readonly byte[] _recordHeader = new byte[16];

    public PcapWriter(Stream stream, PcapPrecision precision = PcapPrecision.Microseconds, uint snapLength = DefaultSnapLength,
        PcapLinkType linkType = PcapLinkType.Ethernet, bool leaveOpen = false)
    {
        _stream = stream;
        _leaveOpen = leaveOpen;
        Precision = precision;
        SnapLength = snapLength;
        Span<byte> header = stackalloc byte[24];
        BinaryPrimitives.WriteUInt32LittleEndian(header, precision == PcapPrecision.Nanoseconds ? PcapReader.MagicNanoseconds : PcapReader.MagicMicroseconds);
        BinaryPrimitives.WriteUInt16LittleEndian(header[4..], 2);
        BinaryPrimitives.WriteUInt16LittleEndian(header[6..], 4);
        BinaryPrimitives.WriteUInt32LittleEndian(header[8..], 0);
        BinaryPrimitives.WriteUInt32LittleEndian(header[12..], 0);
        BinaryPrimitives.WriteUInt32LittleEndian(header[16..], snapLength);
        BinaryPrimitives.WriteUInt32LittleEndian(header[20..], (uint)linkType);
        _stream.Write(header);
    }

    public static PcapWriter Create(string path, PcapPrecision precision = PcapPrecision.Microseconds) =>
        new(new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, 1 << 16), precision);

    public PcapPrecision Precision { get; }
    public uint SnapLength { get; }
    public long PacketsWritten { get; private set; }

    /// <summary>
    /// Appends one record. <paramref name="nanoseconds"/> is truncated to microseconds in a microsecond file;
    /// data beyond the snapshot length is cut (the original length, by default the data's length, still says how
    /// long the packet was).
    /// </summary>
    public void WritePacket(ReadOnlySpan<byte> data, uint seconds, uint nanoseconds, uint? originalLength = null)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(nanoseconds, 1_000_000_000u);
        var included = (uint)Math.Min((long)data.Length, SnapLength);
        var header = _recordHeader.AsSpan();
        BinaryPrimitives.WriteUInt32LittleEndian(header, seconds);
        BinaryPrimitives.WriteUInt32LittleEndian(header[4..], Precision == PcapPrecision.Microseconds ? nanoseconds / 1000u : nanoseconds);
        BinaryPrimitives.WriteUInt32LittleEndian(header[8..], included);
        BinaryPrimitives.WriteUInt32LittleEndian(header[12..], originalLength ?? (uint)data.Length);
        _stream.Write(header);
        _stream.Write(data[..(int)included]);
        PacketsWritten++;
    }

    /// <summary>Appends a record as read from another file (timestamp and original length kept).</summary>
    public void WritePacket(in PcapPacket packet) =>
        WritePacket(packet.Data, packet.Seconds, packet.Nanoseconds, packet.OriginalLength);

    /// <summary>Appends a record stamped with nanoseconds since the Unix epoch.</summary>
    public void WritePacket(ReadOnlySpan<byte> data, long timestampNanoseconds) =>
        WritePacket(data, (uint)(timestampNanoseconds / 1_000_000_000L), (uint)(timestampNanoseconds % 1_000_000_000L));

    public void Flush() => _stream.Flush();

    public void Dispose()
    {
        _stream.Flush();
        if (!_leaveOpen)
            _stream.Dispose();
    }
}
