using System.Diagnostics;

namespace PreDnatAppliance.Pipeline.Conntrack;

/// <summary>
/// Timeouts in seconds, defaulting to Linux's sysctls (net.netfilter.nf_conntrack_*_timeout*).
/// </summary>
public sealed record ConntrackTimeouts
{
    public double TcpSynSent { get; init; } = 120;       // nf_conntrack_tcp_timeout_syn_sent
    public double TcpSynRecv { get; init; } = 60;        // ..._syn_recv
    public double TcpEstablished { get; init; } = 432000; // ..._established (5 days)
    public double TcpFinWait { get; init; } = 120;       // ..._fin_wait
    public double TcpCloseWait { get; init; } = 60;      // ..._close_wait
    public double TcpLastAck { get; init; } = 30;        // ..._last_ack
    public double TcpTimeWait { get; init; } = 120;      // ..._time_wait
    public double TcpClose { get; init; } = 10;          // ..._close
    public double TcpSynSent2 { get; init; } = 120;      // (SYN_SENT2 uses syn_sent's value)
    public double TcpUnacknowledged { get; init; } = 300; // ..._unacknowledged: ESTABLISHED not yet replied (loose pickup)
    public double UdpUnreplied { get; init; } = 30;      // nf_conntrack_udp_timeout
    public double UdpStream { get; init; } = 120;        // nf_conntrack_udp_timeout_stream
    public double Icmp { get; init; } = 30;              // nf_conntrack_icmp_timeout / icmpv6
    public double Generic { get; init; } = 600;          // nf_conntrack_generic_timeout

    public static ConntrackTimeouts Linux { get; } = new();

    internal double Seconds(TimeoutClass c) => c switch
    {
        TimeoutClass.TcpSynSent => TcpSynSent,
        TimeoutClass.TcpSynRecv => TcpSynRecv,
        TimeoutClass.TcpEstablished => TcpEstablished,
        TimeoutClass.TcpFinWait => TcpFinWait,
        TimeoutClass.TcpCloseWait => TcpCloseWait,
        TimeoutClass.TcpLastAck => TcpLastAck,
        TimeoutClass.TcpTimeWait => TcpTimeWait,
        TimeoutClass.TcpClose => TcpClose,
        TimeoutClass.TcpSynSent2 => TcpSynSent2,
        TimeoutClass.TcpUnacknowledged => TcpUnacknowledged,
        TimeoutClass.UdpUnreplied => UdpUnreplied,
        TimeoutClass.UdpStream => UdpStream,
        TimeoutClass.Icmp => Icmp,
        TimeoutClass.Generic => Generic,
        _ => 0,
    };
}

/// <summary>Which timeout an entry is under. TCP classes equal the TCP state numbers.</summary>
internal enum TimeoutClass : byte
{
    None = 0,
    TcpSynSent = 1,
    TcpSynRecv = 2,
    TcpEstablished = 3,
    TcpFinWait = 4,
    TcpCloseWait = 5,
    TcpLastAck = 6,
    TcpTimeWait = 7,
    TcpClose = 8,
    TcpSynSent2 = 9,
    TcpUnacknowledged = 10,
    UdpUnreplied = 11,
    UdpStream = 12,
    Icmp = 13,
    Generic = 14,
    Count = 16,
}

/// <summary>Sizing and behaviour of a <see cref="ConntrackTable"/>; fixed when the table is built.</summary>
public sealed record ConntrackOptions
{
    /// <summary>Most flows the table holds (nf_conntrack_max). Memory is allocated for exactly this many at start.</summary>
    public int Capacity { get; init; } = 1 << 20;

    /// <summary>Index load at full capacity (2 keys per flow over 8-slot buckets). 0.5 leaves bucket overflow
    /// astronomically unlikely with two choices per key.</summary>
    public double IndexLoadFactor { get; init; } = 0.5;

    public ConntrackTimeouts Timeouts { get; init; } = ConntrackTimeouts.Linux;

    /// <summary>Units of the <c>now</c> values passed in (default <see cref="Stopwatch.Frequency"/>, i.e. Stopwatch ticks).</summary>
    public long TicksPerSecond { get; init; } = Stopwatch.Frequency;

    /// <summary>nf_conntrack_tcp_loose: a mid-stream TCP packet (ACK, no SYN) of an unknown flow may start an entry.</summary>
    public bool TcpLoosePickup { get; init; } = true;

    /// <summary>Entries examined to find a victim when the table is full (the bounded probe window).</summary>
    public int EvictionWindow { get; init; } = 32;

    /// <summary>The incremental sweep visits the whole table once per this many seconds (spread over all workers' bursts).</summary>
    public double SweepPeriodSeconds { get; init; } = 2;

    /// <summary>Most entries one <see cref="ConntrackWorker.Sweep"/> call visits (bounds the per-burst cost).</summary>
    public int SweepMaxPerCall { get; init; } = 256;

    /// <summary>Last-seen is rewritten only when it moved by at least this much, so that both directions of a busy
    /// flow on two lcores do not bounce the entry's cache line on every packet. Timeouts are this coarse.</summary>
    public double LastSeenGranularitySeconds { get; init; } = 0.01;

    /// <summary>Seed of the keyed flow hash (0: random per table, so that flows cannot be crafted to collide).</summary>
    public ulong HashSeed { get; init; }
}
