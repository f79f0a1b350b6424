using System.Globalization;
using System.Text;
using System.Text.Json;
using PreDnatAppliance.Classification;
using PreDnatAppliance.Dataplane.Stages;
using PreDnatAppliance.Pipeline.Flows;
using PreDnatAppliance.Pipeline.Runtime;
using PreDnatAppliance.Pipeline.Services;
using PreDnatAppliance.Pipeline.Stages;

namespace PreDnatAppliance.Pipeline.Offline;

/// <summary>A pcap file received on a port (by name).</summary>
public sealed record ReplayInput(string PcapPath, string Ingress);

/// <summary>What a replay wrote.</summary>
public sealed class ReplayResult
{
    public long Packets { get; internal set; }
    public SortedDictionary<string, long> Results { get; } = new(StringComparer.Ordinal);
    public SortedDictionary<string, long> Reasons { get; } = new(StringComparer.Ordinal);
    public SortedDictionary<string, long> PcapPackets { get; } = new(StringComparer.Ordinal);

    public override string ToString() =>
        $"{Packets} packets: " + string.Join(", ", Results.Select(r => $"{r.Value} {r.Key}"))
        + (Reasons.Count > 0 ? "; reasons: " + string.Join(", ", Reasons.Select(r => $"{r.Key} {r.Value}")) : "")
        + (PcapPackets.Count > 0 ? "; wrote " + string.Join(", ", PcapPackets.Select(p => $"{p.Key} ({p.Value})")) : "");
}

/// <summary>
/// Offline replay (<c>prednat replay</c>, and the end-to-end tests' contract): runs pcap files through one worker's
/// stages, built by the same <see cref="ApplianceRuntime"/> as the DPDK data path, with the <see cref="OfflineRunner"/>,
/// and writes <c>DIR/&lt;egress-port&gt;.pcap</c> for every port that sent something, <c>DIR/kernel.pcap</c> for
/// what went to the kernel port, and <c>DIR/verdicts.jsonl</c> (one line per input packet, in input order).
/// Deterministic: the burst clock is the pcap time (the latest timestamp pushed; a burst spans at most
/// <see cref="BurstWindowNanoseconds"/>), output timestamps are the input ones, and the runtime must be built with a
/// fixed conntrack hash seed.
/// </summary>
public sealed class ReplayEngine : IDisposable
{
    public const string KernelFile = "kernel";

    /// <summary>
    /// A burst holds packets received within this much pcap time of its first one (and at most the burst size, all
    /// from one port): a poll loop never batches packets that arrived far apart, and the burst clock (the latest
    /// timestamp pushed) stays within this of every packet's own time.
    /// </summary>
    public const long BurstWindowNanoseconds = 100_000;
    public const string VerdictsFile = "verdicts.jsonl";

    private readonly ApplianceRuntime _runtime;
    private readonly WorkerContext _worker;
    private readonly OfflineRunner _runner;
    private readonly ReplayClock _clock = new();
    private readonly byte[] _frame = new byte[1 << 16];

    public ReplayEngine(ApplianceRuntime runtime, int burstSize = OfflineRunner.DefaultBurstSize)
    {
        if (!runtime.Options.Trace)
            throw new ArgumentException("replay needs a runtime built with RuntimeOptions.Trace", nameof(runtime));
        _runtime = runtime;
        var ports = runtime.Ports.Select(p => new OfflinePort(p.Name, p.Role)).ToList();
        _worker = runtime.CreateWorker(OfflineRunner.CreateContext(ports), _clock);
        _runner = new OfflineRunner(_worker.Stages, burstSize);
    }

    public WorkerContext Worker => _worker;

    public ReplayResult Run(IReadOnlyList<ReplayInput> inputs, string outDirectory)
    {
        Directory.CreateDirectory(outDirectory);
        foreach (var name in _runtime.Ports.Select(p => p.Name).Append(KernelFile))
            File.Delete(Path.Combine(outDirectory, name + ".pcap"));

        var result = new ReplayResult();
        var writers = new Dictionary<string, PcapWriter>(StringComparer.Ordinal);
        using var verdicts = new FileStream(Path.Combine(outDirectory, VerdictsFile), FileMode.Create, FileAccess.Write);
        var line = new ArrayBufferWriterStream();
        var ingressNames = new List<string>();
        try
        {
            _runner.OnPacket = (in OfflinePacketResult r) =>
            {
                var entry = Describe(in r);
                WriteLine(line, r.Index, _runtime.Ports[_worker.PortIndexOfId[r.RxPort]].Name, entry);
                verdicts.Write(line.Span);
                result.Packets++;
                result.Results[entry.Result] = result.Results.GetValueOrDefault(entry.Result) + 1;
                if (entry.Reason is { } reason)
                    result.Reasons[reason] = result.Reasons.GetValueOrDefault(reason) + 1;
                if (entry.File is { } file)
                {
                    if (!writers.TryGetValue(file, out var w))
                        writers[file] = w = PcapWriter.Create(Path.Combine(outDirectory, file + ".pcap"), PcapPrecision.Nanoseconds);
                    var length = OfflineMbufPool.CopyOut(r.Mbuf, _frame);
                    w.WritePacket(_frame.AsSpan(0, length), r.Tag);
                    result.PcapPackets[file + ".pcap"] = result.PcapPackets.GetValueOrDefault(file + ".pcap") + 1;
                }
            };
            RunInputs(inputs);
        }
        finally
        {
            _runner.OnPacket = null;
            foreach (var w in writers.Values)
                w.Dispose();
        }
        return result;
    }

    /// <summary>Reads the inputs merged by timestamp (ties: the earlier input first), as the ports would have received them.</summary>
    private void RunInputs(IReadOnlyList<ReplayInput> inputs)
    {
        var ports = new ushort[inputs.Count];
        for (var i = 0; i < inputs.Count; i++)
        {
            if (!_runtime.PortIndexByName.TryGetValue(inputs[i].Ingress, out var index))
                throw new ArgumentException($"--ingress {inputs[i].Ingress}: no port of the configuration has that name ({string.Join(", ", _runtime.PortIndexByName.Keys)})");
            ports[i] = _worker.PortId[index];
        }
        using var merge = new PcapMerge(inputs.Select(i => i.PcapPath).ToList());
        var pendingPort = -1;
        var burstStart = 0L;
        while (merge.TryNext(out var frame, out var input, out var stamp))
        {
            var port = ports[input];
            if (_runner.Pending > 0 && (_runner.Pending == _runner.BurstSize || port != pendingPort
                                        || stamp - burstStart > BurstWindowNanoseconds))
                _runner.Flush();
            if (_runner.Pending == 0)
                burstStart = stamp;
            _runner.Push(frame, port, stamp);
            pendingPort = port;
            _clock.Advance(stamp);
        }
        _runner.Flush();
    }

    private readonly record struct Entry(string Result, string? Egress, string? Reason, string? File, int Origin);

    private Entry Describe(in OfflinePacketResult r)
    {
        var trace = _worker.Trace!;
        var origin = trace.OriginOf(r.Mbuf);
        if (!r.Kept)
            return new Entry("dropped", null, DropReasons.Name(r.Reason), null, origin);
        var portIndex = r.Egress < _worker.PortIndexOfId.Length ? _worker.PortIndexOfId[r.Egress] : (short)-1;
        var port = portIndex >= 0 ? _runtime.Ports[portIndex].Name : null;
        var toKernel = portIndex >= 0 && portIndex == _runtime.KernelPort;
        var file = toKernel ? KernelFile : port;
        var outcome = origin >= 0 ? trace.Outcome[origin] : PacketOutcome.None;
        return outcome switch
        {
            PacketOutcome.Punted => new Entry("punted", KernelFile, null, file, origin),
            PacketOutcome.Rejected => new Entry("rejected", port, "service-no-endpoints", file, origin),
            PacketOutcome.ArpReply => new Entry("forwarded", toKernel ? KernelFile : port, "arp-reply", file, origin),
            PacketOutcome.ArpRequest => new Entry("dropped", port, DropReasons.Name(DropReason.NeighbourUnresolved), file, origin),
            _ => new Entry("forwarded", toKernel ? KernelFile : port, null, file, origin),
        };
    }

    private void WriteLine(ArrayBufferWriterStream line, long index, string ingress, in Entry e)
    {
        line.Reset();
        using (var json = new Utf8JsonWriter(line, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteNumber("index", index);
            json.WriteString("ingress", ingress);
            json.WriteString("result", e.Result);
            WriteNullable(json, "egress", e.Egress);
            WriteNullable(json, "reason", e.Reason);
            json.WriteStartArray("stages");
            var trace = _worker.Trace!;
            var steps = e.Origin >= 0 ? trace.Steps(e.Origin) : default;
            if (steps.IsEmpty && !e.Result.Equals("forwarded", StringComparison.Ordinal))
            {
                // Dropped before the parse stage recorded anything: the parse stage dropped it.
                WriteStep(json, "parse", "drop", null, null, null);
            }
            foreach (var step in steps)
                WriteStep(json, step);
            json.WriteEndArray();
            if (e.Origin >= 0 && trace.NatApplied[e.Origin] && e.Result is "forwarded" or "punted")
            {
                var f = trace.NatResult[e.Origin];
                json.WriteStartObject("nat");
                json.WriteString("dst", Endpoint(f.IpVersion, f.DstHigh, f.DstLow, f.DestinationPort, f.Protocol));
                json.WriteString("src", Endpoint(f.IpVersion, f.SrcHigh, f.SrcLow, f.SourcePort, f.Protocol));
                json.WriteEndObject();
            }
            else
                json.WriteNull("nat");
            json.WriteEndObject();
        }
        line.WriteByte((byte)'\n');
    }

    private void WriteStep(Utf8JsonWriter json, TraceStep step)
    {
        var stage = PacketTrace.Name(step.Stage);
        var verdict = PacketTrace.Name(step.Verdict);
        if (step.Stage == TraceStage.Dnat)
        {
            var ports = _runtime.Services.Current.Ports;
            if (step.Rule < (uint)ports.Count)
            {
                var p = ports[(int)step.Rule];
                var location = p.Port.Location;
                WriteStep(json, stage, verdict, p.Id, null, location.Line > 0 ? $"{location.File}:{location.Line}" : null);
                return;
            }
            WriteStep(json, stage, verdict, null, null, null);
            return;
        }
        var rules = _runtime.CurrentPolicy.Model.Rules;
        if (step.Rule != PolicyRules.NoRule && step.Rule < (uint)rules.Length)
        {
            var rule = rules[step.Rule];
            WriteStep(json, stage, verdict, rule.Owner, rule.RuleId, rule.Source);
        }
        else
            WriteStep(json, stage, verdict, null, null, null);
    }

    private static void WriteStep(Utf8JsonWriter json, string stage, string verdict, string? policy, string? ruleId, string? source)
    {
        json.WriteStartObject();
        json.WriteString("stage", stage);
        json.WriteString("verdict", verdict);
        WriteNullable(json, "policy", policy);
        WriteNullable(json, "ruleId", ruleId);
        WriteNullable(json, "source", source);
        json.WriteEndObject();
    }

    private static void WriteNullable(Utf8JsonWriter json, string name, string? value)
    {
        if (value is null)
            json.WriteNull(name);
        else
            json.WriteString(name, value);
    }

    internal static string Endpoint(byte version, ulong high, ulong low, ushort port, byte protocol)
    {
        var address = new ServiceAddress(version, high, low);
        return protocol is 6 or 17 or 132 ? address.WithPort(port) : address.ToString();
    }

    public void Dispose() => _runner.Dispose();

    /// <summary>The burst clock of a replay: the latest pcap timestamp pushed (nanoseconds).</summary>
    private sealed class ReplayClock : IPipelineClock
    {
        private long _now;
        public void Advance(long timestamp) => _now = Math.Max(_now, timestamp);
        public long Now() => _now;
    }

    /// <summary>A reusable in-memory stream for one JSON line.</summary>
    private sealed class ArrayBufferWriterStream : MemoryStream
    {
        public void Reset() => SetLength(0);
        public ReadOnlySpan<byte> Span => GetBuffer().AsSpan(0, (int)Length);
    }
}
