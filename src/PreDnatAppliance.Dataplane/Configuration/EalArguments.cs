namespace PreDnatAppliance.Dataplane.Configuration;

/// <summary>Turns validated <see cref="DataplaneOptions"/> into the argv given to <c>rte_eal_init</c>.</summary>
public static class EalArguments
{
    /// <summary>argv[0] as DPDK sees it (it shows in logs and as the process name of lcore threads).</summary>
    public const string ProgramName = "prednat";

    public static IReadOnlyList<string> Build(DataplaneOptions o)
    {
        var args = new List<string> { ProgramName };
        var lcores = new List<int> { o.MainLcore };
        lcores.AddRange(o.WorkerLcores);
        args.Add("-l");
        args.Add(string.Join(",", lcores));
        args.Add("--main-lcore");
        args.Add(o.MainLcore.ToString(System.Globalization.CultureInfo.InvariantCulture));

        var m = o.Memory;
        if (m.NoHuge)
            args.Add("--no-huge");
        if (m.MemoryMb is { } mb)
        {
            args.Add("-m");
            args.Add(mb.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        if (m.InMemory)
            args.Add("--in-memory");
        if (m.FilePrefix is { } prefix)
            args.Add("--file-prefix=" + prefix);
        if (m.HugeDir is { } hugeDir)
            args.Add("--huge-dir=" + hugeDir);
        var noPci = m.NoPci ?? o.Ports.All(p => p.Pci is null);
        if (noPci)
            args.Add("--no-pci");

        foreach (var p in o.Ports)
        {
            if (p.Pci is { } pci)
            {
                args.Add("-a");
                args.Add(CanonicalPci(pci));
            }
            else if (p.Vdev is { } vdev)
            {
                args.Add("--vdev=" + vdev);
            }
        }
        foreach (var level in o.LogLevels)
            args.Add("--log-level=" + level);
        if (!o.Telemetry)
            args.Add("--no-telemetry");
        args.AddRange(o.ExtraEalArgs);
        return args;
    }

    /// <summary><c>01:00.0</c> → <c>0000:01:00.0</c>, lower case: the name DPDK gives a PCI port.</summary>
    public static string CanonicalPci(string pci)
    {
        var s = pci.Trim().ToLowerInvariant();
        return s.Length > 0 && s.Count(c => c == ':') == 1 ? "0000:" + s : s;
    }

    /// <summary>The argv as one shell-quoted line, for the log.</summary>
    public static string Format(IReadOnlyList<string> args) => string.Join(" ", args.Select(Quote));

    private static string Quote(string a) =>
        a.Length > 0 && a.All(c => char.IsAsciiLetterOrDigit(c) || "-_=.,:/@+%".Contains(c)) ? a : "'" + a.Replace("'", "'\\''") + "'";
}
