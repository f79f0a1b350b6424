using PreDnatAppliance.Pipeline.Conntrack;
using PreDnatAppliance.Pipeline.Flows;

namespace PreDnatAppliance.Pipeline.Tests.Conntrack;

/// <summary>Shared fixtures: a millisecond clock, addresses of a NodePort scenario, TCP flag bytes, a step runner.</summary>
internal static class CtKit
{
    public const long TicksPerSecond = 1000;
    public const long T0 = 10_000_000;

    public const byte Syn = 0x02, SynAck = 0x12, Ack = 0x10, FinAck = 0x11, Rst = 0x04, RstAck = 0x14, PshAck = 0x18;

    public static readonly uint Client = Ip(203, 0, 113, 5);
    public static readonly uint Node = Ip(192, 0, 2, 10);
    public static readonly uint Backend1 = Ip(10, 244, 1, 7);
    public static readonly uint Backend2 = Ip(10, 244, 2, 9);

    public static bool Long => Environment.GetEnvironmentVariable("PREDNAT_TEST_LONG") is { Length: > 0 } v && v != "0";

    public static uint Ip(int a, int b, int c, int d) => (uint)(a << 24 | b << 16 | c << 8 | d);

    public static long Sec(double s) => (long)(s * TicksPerSecond);

    public static ConntrackTable Table(int capacity = 1024, bool loose = true, int window = 32, ulong seed = 42) =>
        new(new ConntrackOptions
        {
            Capacity = capacity,
            TicksPerSecond = TicksPerSecond,
            TcpLoosePickup = loose,
            EvictionWindow = window,
            HashSeed = seed,
        });

    public static FlowKey Tcp(uint src, ushort sport, uint dst, ushort dport) => FlowKey.V4(src, dst, 6, sport, dport);
    public static FlowKey Udp(uint src, ushort sport, uint dst, ushort dport) => FlowKey.V4(src, dst, 17, sport, dport);

    /// <summary>The client's connection to the NodePort.</summary>
    public static FlowKey ClientFlow(ushort sport = 40000, byte proto = 6) => FlowKey.V4(Client, Node, proto, sport, 30080);

    public static NatRewrite Dnat(uint backend, ushort port = 8080, ushort service = 3) =>
        new(NatKind.Dnat, 0, backend, port, 0, 0, 0, service);

    public static NatRewrite DnatSnat(uint backend, ushort snatPort, ushort port = 8080, ushort service = 3) =>
        new(NatKind.Dnat | NatKind.Snat, 0, backend, port, 0, Node, snatPort, service);

    /// <summary>The key a reply carries: the NAT'd original reversed.</summary>
    public static FlowKey ReplyKey(FlowKey original, NatRewrite nat) => nat.Apply(original).Reversed();

    /// <summary>
    /// A connection driven step by step through one worker: "S" SYN, "A" ACK, "F" FIN+ACK, "R" RST, "SA" SYN-ACK,
    /// "N" no flags; an "r" prefix sends it the reply way. The first packet is committed when the lookup says New.
    /// </summary>
    public sealed class Conn
    {
        public Conn(ConntrackWorker worker, FlowKey original, NatRewrite nat)
        {
            Worker = worker;
            Original = original;
            Nat = nat;
            Reply = ReplyKey(original, nat);
        }

        public ConntrackWorker Worker { get; }
        public FlowKey Original { get; }
        public FlowKey Reply { get; }
        public NatRewrite Nat { get; }
        public long Now { get; set; } = T0;
        public CtResult Last { get; private set; }
        public CtCommitStatus? LastCommit { get; private set; }

        public static byte Flags(string step) => step.TrimStart('r') switch
        {
            "S" => Syn,
            "SA" => SynAck,
            "A" => Ack,
            "F" => FinAck,
            "R" => Rst,
            "RA" => RstAck,
            "N" => 0,
            _ => throw new ArgumentException(step),
        };

        public CtResult Step(string step, double advanceSeconds = 1)
        {
            Now += Sec(advanceSeconds);
            var reply = step.StartsWith('r');
            var flags = Flags(step);
            var key = reply ? Reply : Original;
            var r = Worker.Lookup(key, flags, Now);
            LastCommit = null;
            if (r.Verdict == CtVerdict.New && !reply)
            {
                LastCommit = Worker.Commit(key, Nat, flags, Now, out r);
            }
            Last = r;
            return r;
        }

        public CtResult Run(string steps)
        {
            foreach (var s in steps.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                Step(s);
            return Last;
        }

        public CtEntryView? Entry => Worker.Table.Find(Original, out _);
    }
}
