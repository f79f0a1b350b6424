using PreDnatAppliance.Classification;

namespace PreDnatAppliance.Pipeline.Stages;

/// <summary>
/// Runs policy programs over the packets of a burst that need them, one classifier call per distinct program: the
/// rows of the packets that share a program are gathered into a scratch <see cref="HeaderBatch"/>, classified together
/// and the verdicts scattered back. When every packet of the burst needs the same program, the burst's own batch is
/// classified directly (no copy). Per worker; allocated once.
/// </summary>
public sealed class ProgramRunner
{
    private const int Capacity = HeaderBatch.Capacity;

    private readonly HeaderBatch _scratch = new();
    private readonly PolicyVerdict[] _verdicts = new PolicyVerdict[Capacity];
    private readonly uint[] _rules = new uint[Capacity];
    private readonly int[] _rowOf = new int[Capacity];
    private readonly bool[] _done = new bool[Capacity];

    /// <summary>Per packet: the program to run (index into the programs array), or -1 for none. Set by the caller, reset by <see cref="Run"/>.</summary>
    public readonly int[] ProgramOf = new int[Capacity];

    /// <summary>Per packet, after <see cref="Run"/>: the verdict and rule index (NoDecision / NoRule where no program ran).</summary>
    public readonly PolicyVerdict[] Verdict = new PolicyVerdict[Capacity];
    public readonly uint[] Rule = new uint[Capacity];

    /// <summary>Per packet, after <see cref="Run"/>: whether a program ran for it.</summary>
    public readonly bool[] Ran = new bool[Capacity];

    public ProgramRunner() => Array.Fill(ProgramOf, -1);

    /// <summary>Classifier calls made so far (tests check the one-call-per-program rule).</summary>
    public long Calls { get; private set; }

    public void Clear(int count) => Array.Fill(ProgramOf, -1, 0, count);

    /// <summary>Classifies packets <c>0..count-1</c> of <paramref name="batch"/> with their programs; returns whether any ran.</summary>
    public bool Run(HeaderBatch batch, int count, IPolicyClassifier[] programs)
    {
        var any = false;
        var first = -1;
        var uniform = true;
        for (var i = 0; i < count; i++)
        {
            Verdict[i] = PolicyVerdict.NoDecision;
            Rule[i] = PolicyRules.NoRule;
            _done[i] = ProgramOf[i] < 0;
            Ran[i] = ProgramOf[i] >= 0;
            if (ProgramOf[i] >= 0)
            {
                any = true;
                if (first < 0)
                    first = ProgramOf[i];
                else if (ProgramOf[i] != first)
                    uniform = false;
            }
            else
                uniform = false;
        }
        if (!any)
            return false;

        if (uniform && batch.Count == count)
        {
            // The common case: one program for the whole burst (pre-DNAT on one port, ...). No copy.
            programs[first].Classify(batch, _verdicts.AsSpan(0, count), _rules.AsSpan(0, count));
            Calls++;
            Array.Copy(_verdicts, Verdict, count);
            Array.Copy(_rules, Rule, count);
            Clear(count);
            return true;
        }

        for (var start = 0; start < count; start++)
        {
            if (_done[start])
                continue;
            var program = ProgramOf[start];
            var m = 0;
            for (var i = start; i < count; i++)
            {
                if (_done[i] || ProgramOf[i] != program)
                    continue;
                Copy(batch, i, m);
                _rowOf[m++] = i;
                _done[i] = true;
            }
            _scratch.Count = m;
            programs[program].Classify(_scratch, _verdicts.AsSpan(0, m), _rules.AsSpan(0, m));
            Calls++;
            for (var k = 0; k < m; k++)
            {
                Verdict[_rowOf[k]] = _verdicts[k];
                Rule[_rowOf[k]] = _rules[k];
            }
        }
        Clear(count);
        return true;
    }

    private void Copy(HeaderBatch from, int i, int to)
    {
        var s = _scratch;
        s.IpVersion[to] = from.IpVersion[i];
        s.SrcV4[to] = from.SrcV4[i];
        s.DstV4[to] = from.DstV4[i];
        s.SrcV6High[to] = from.SrcV6High[i];
        s.SrcV6Low[to] = from.SrcV6Low[i];
        s.DstV6High[to] = from.DstV6High[i];
        s.DstV6Low[to] = from.DstV6Low[i];
        s.Protocol[to] = from.Protocol[i];
        s.SrcPort[to] = from.SrcPort[i];
        s.DstPort[to] = from.DstPort[i];
        s.IcmpType[to] = from.IcmpType[i];
        s.IcmpCode[to] = from.IcmpCode[i];
    }
}
