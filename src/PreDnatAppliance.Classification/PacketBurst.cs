namespace PreDnatAppliance.Classification;

/// <summary>
/// A burst of parsed IPv4 headers in structure-of-arrays form, as the parse
/// stage leaves them; only the first <see cref="Count"/> entries are used.
/// </summary>
public readonly ref struct PacketBurst
{
    public PacketBurst(
        ReadOnlySpan<uint> source, ReadOnlySpan<uint> destination, ReadOnlySpan<byte> protocol,
        ReadOnlySpan<ushort> sourcePort, ReadOnlySpan<ushort> destinationPort, int count)
    {
        if ((uint)count > (uint)source.Length || count > destination.Length || count > protocol.Length
            || count > sourcePort.Length || count > destinationPort.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(count), "count exceeds an input array");
        }
        Source = source;
        Destination = destination;
        Protocol = protocol;
        SourcePort = sourcePort;
        DestinationPort = destinationPort;
        Count = count;
    }

    public ReadOnlySpan<uint> Source { get; }
    public ReadOnlySpan<uint> Destination { get; }
    public ReadOnlySpan<byte> Protocol { get; }
    public ReadOnlySpan<ushort> SourcePort { get; }
    public ReadOnlySpan<ushort> DestinationPort { get; }
    public int Count { get; }
}
