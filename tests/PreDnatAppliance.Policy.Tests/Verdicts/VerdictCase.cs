using PreDnatAppliance.Policy.Evaluation;

namespace PreDnatAppliance.Policy.Tests.Verdicts;

/// <summary>
/// One row of a Felix-style verdict table (felix/bpf/ut/pol_prog_test.go's polProgramTests): a policy set
/// as YAML, and packets with the verdict one compiled program must give each of them. A case may check
/// several programs of the same policy set; <see cref="On"/> picks the program for the checks after it.
/// </summary>
public sealed class VerdictCase
{
    private readonly List<PacketCheck> _checks = new();
    private readonly List<string> _warnings = new();
    private string? _program;
    private int _lastBatch;

    public VerdictCase(string name, string yaml)
    {
        Name = name;
        Yaml = yaml;
    }

    public string Name { get; }
    public string Yaml { get; }

    /// <summary>The node the set is compiled for.</summary>
    public string Node { get; private set; } = Y.Node;

    public IReadOnlyList<PacketCheck> Checks => _checks;

    /// <summary>Warning IDs the set must produce (load, validate and compile); any other warning fails the case.</summary>
    public IReadOnlyList<string> ExpectedWarnings => _warnings;

    /// <summary>Selects the program (by <c>EndpointProgram.Key</c>, e.g. <c>hep/node1-eth0/prednat/ingress</c>) for the next checks.</summary>
    public VerdictCase On(string programKey)
    {
        _program = programKey;
        return this;
    }

    public VerdictCase ForNode(string node)
    {
        Node = node;
        return this;
    }

    public VerdictCase Warns(params string[] ids)
    {
        _warnings.AddRange(ids);
        return this;
    }

    public VerdictCase Allow(params string[] packets) => Add(Verdict.Allow, null, packets);
    public VerdictCase Deny(params string[] packets) => Add(Verdict.Deny, null, packets);
    public VerdictCase None(params string[] packets) => Add(Verdict.NoDecision, null, packets);

    /// <param name="owner">
    /// The deciding owner as <see cref="ProgramVerdict.Owner"/> reports it ("allow-web", "prod/np",
    /// "profile p", "tier default", or the stage name for the program's end), optionally with
    /// <c>#index</c> for the deciding rule's 0-based position in its policy or profile.
    /// </param>
    public VerdictCase AllowBy(string owner, params string[] packets) => Add(Verdict.Allow, owner, packets);
    public VerdictCase DenyBy(string owner, params string[] packets) => Add(Verdict.Deny, owner, packets);
    public VerdictCase NoneBy(string owner, params string[] packets) => Add(Verdict.NoDecision, owner, packets);

    /// <summary>The packets of the previous Allow/Deny/None call must have matched this many Log rules on the way.</summary>
    public VerdictCase Logged(int count)
    {
        for (var i = _lastBatch; i < _checks.Count; i++)
            _checks[i] = _checks[i] with { Logged = count };
        return this;
    }

    private VerdictCase Add(Verdict verdict, string? owner, string[] packets)
    {
        if (_program is null)
            throw new InvalidOperationException($"case {Name}: call On(program) before adding packets");
        if (packets.Length == 0)
            throw new ArgumentException($"case {Name}: no packets given");
        _lastBatch = _checks.Count;
        foreach (var packet in packets)
            _checks.Add(new PacketCheck(_program, packet, verdict, owner, null));
        return this;
    }

    public override string ToString() => Name;
}

public sealed record PacketCheck(string Program, string Packet, Verdict Expected, string? Owner, int? Logged);

/// <summary>
/// A packet walked through every stage by <see cref="PolicyExplainer"/>: the stages it went through
/// ("untracked:pass prednat:allow host:skip", optionally with "@owner" on a stage), and whether it was accepted.
/// </summary>
public sealed class ExplainCase
{
    private readonly List<ExplainCheck> _checks = new();
    private readonly List<string> _warnings = new();
    private readonly Dictionary<string, IReadOnlyList<string>> _addresses = new(StringComparer.Ordinal);

    public ExplainCase(string name, string yaml)
    {
        Name = name;
        Yaml = yaml;
    }

    public string Name { get; }
    public string Yaml { get; }
    public string Node { get; private set; } = Y.Node;
    public IReadOnlyList<ExplainCheck> Checks => _checks;
    public IReadOnlyList<string> ExpectedWarnings => _warnings;
    public IReadOnlyDictionary<string, IReadOnlyList<string>> InterfaceAddresses => _addresses;

    public ExplainCase ForNode(string node)
    {
        Node = node;
        return this;
    }

    public ExplainCase Warns(params string[] ids)
    {
        _warnings.AddRange(ids);
        return this;
    }

    /// <summary>The interface's own addresses, as the explainer is told them (used to resolve expectedIPs HEPs).</summary>
    public ExplainCase Addresses(string iface, params string[] addresses)
    {
        _addresses[iface] = addresses;
        return this;
    }

    public ExplainCase Accept(string iface, string packet, string? trail, string? egress = null, string? hep = null, Destination? to = null) =>
        Add(new ExplainCheck(iface, packet, egress, true, trail, hep, to));

    public ExplainCase Drop(string iface, string packet, string? trail, string? egress = null, string? hep = null, Destination? to = null) =>
        Add(new ExplainCheck(iface, packet, egress, false, trail, hep, to));

    private ExplainCase Add(ExplainCheck check)
    {
        _checks.Add(check);
        return this;
    }

    public override string ToString() => Name;
}

/// <param name="Hep">The HEP expected to govern the ingress interface; "-" for none; null to not check.</param>
public sealed record ExplainCheck(string Interface, string Packet, string? Egress, bool Accepted, string? Trail, string? Hep, Destination? To);
