using System.Globalization;
using PreDnatAppliance.Policy.Net;

namespace PreDnatAppliance.Policy.Evaluation;

/// <summary>
/// The header fields policy can see. Ports are meaningful for TCP, UDP, SCTP and UDPLite; ICMP type and code
/// for ICMP and ICMPv6.
/// </summary>
public readonly struct PacketTuple
{
    public PacketTuple(IpAddress source, IpAddress destination, byte protocol, ushort sourcePort = 0, ushort destinationPort = 0, byte icmpType = 0, byte icmpCode = 0)
    {
        if (source.Version != destination.Version)
            throw new ArgumentException("source and destination must be of one IP version");
        Source = source;
        Destination = destination;
        Protocol = protocol;
        SourcePort = sourcePort;
        DestinationPort = destinationPort;
        IcmpType = icmpType;
        IcmpCode = icmpCode;
    }

    public IpAddress Source { get; }
    public IpAddress Destination { get; }
    public byte Protocol { get; }
    public ushort SourcePort { get; }
    public ushort DestinationPort { get; }
    public byte IcmpType { get; }
    public byte IcmpCode { get; }

    public byte IpVersion => Source.Version;
    public bool HasPorts => Protocol is IpProtocol.Tcp or IpProtocol.Udp or IpProtocol.Sctp or IpProtocol.UdpLite;
    public bool IsIcmp => (Protocol == IpProtocol.Icmp && IpVersion == 4) || (Protocol == IpProtocol.IcmpV6 && IpVersion == 6);

    public PacketTuple WithDestination(IpAddress destination, ushort port) =>
        new(Source, destination, Protocol, SourcePort, port, IcmpType, IcmpCode);

    /// <summary>
    /// Parses the CLI form: <c>tcp 203.0.113.5:40000 -> 192.0.2.10:30080</c>, <c>udp [2001:db8::1]:53 -> [2001:db8::2]:53</c>,
    /// <c>icmp 198.51.100.1 -> 192.0.2.10 type 8 code 0</c>, or a protocol number.
    /// </summary>
    public static bool TryParse(string text, out PacketTuple packet, out string? error)
    {
        packet = default;
        error = null;
        var parts = text.Split(new[] { ' ', '\t' }, StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length < 4 || parts[2] != "->")
        {
            error = "expected \"PROTO SRC[:PORT] -> DST[:PORT] [type T [code C]]\"";
            return false;
        }
        if (!IpProtocol.TryParse(parts[0], out var protocol))
        {
            error = $"unknown protocol '{parts[0]}'";
            return false;
        }
        var wantsPorts = protocol is IpProtocol.Tcp or IpProtocol.Udp or IpProtocol.Sctp or IpProtocol.UdpLite;
        if (!TryParseEndpoint(parts[1], wantsPorts, out var src, out var sport, out error) ||
            !TryParseEndpoint(parts[3], wantsPorts, out var dst, out var dport, out error))
            return false;
        if (src.Version != dst.Version)
        {
            error = "source and destination are of different IP versions";
            return false;
        }
        byte type = 0, code = 0;
        for (var i = 4; i < parts.Length; i += 2)
        {
            if (i + 1 >= parts.Length || !byte.TryParse(parts[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var value))
            {
                error = $"expected a number after '{parts[i]}'";
                return false;
            }
            switch (parts[i])
            {
                case "type": type = value; break;
                case "code": code = value; break;
                default:
                    error = $"unexpected '{parts[i]}'";
                    return false;
            }
        }
        packet = new PacketTuple(src, dst, protocol, sport, dport, type, code);
        return true;
    }

    private static bool TryParseEndpoint(string text, bool wantsPort, out IpAddress address, out ushort port, out string? error)
    {
        address = default;
        port = 0;
        error = null;
        string host = text;
        string? portText = null;
        if (text.StartsWith("[", StringComparison.Ordinal))
        {
            var close = text.IndexOf(']');
            if (close < 0) { error = $"missing ']' in '{text}'"; return false; }
            host = text.Substring(1, close - 1);
            if (close + 1 < text.Length)
            {
                if (text[close + 1] != ':') { error = $"unexpected text after ']' in '{text}'"; return false; }
                portText = text.Substring(close + 2);
            }
        }
        else if (text.Count(c => c == ':') == 1)
        {
            var colon = text.IndexOf(':');
            host = text.Substring(0, colon);
            portText = text.Substring(colon + 1);
        }
        if (!IpAddress.TryParse(host, out address))
        {
            error = $"'{host}' is not an IP address";
            return false;
        }
        if (portText is not null)
        {
            if (!wantsPort) { error = $"'{text}': this protocol has no ports"; return false; }
            if (!ushort.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out port))
            {
                error = $"'{portText}' is not a port";
                return false;
            }
        }
        else if (wantsPort)
        {
            error = $"'{text}' needs a port";
            return false;
        }
        return true;
    }

    public override string ToString()
    {
        var hasPorts = HasPorts;
        string Endpoint(IpAddress ip, ushort port) => !hasPorts ? ip.ToString() : ip.IsV4 ? $"{ip}:{port}" : $"[{ip}]:{port}";
        var text = $"{IpProtocol.Name(Protocol).ToLowerInvariant()} {Endpoint(Source, SourcePort)} -> {Endpoint(Destination, DestinationPort)}";
        return IsIcmp ? $"{text} type {IcmpType} code {IcmpCode}" : text;
    }
}
