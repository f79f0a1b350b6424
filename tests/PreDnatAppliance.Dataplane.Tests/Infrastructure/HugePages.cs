using System.Diagnostics;
using System.Globalization;

namespace PreDnatAppliance.Dataplane.Tests.Infrastructure;

/// <summary>
/// Temporarily reserves 2 MiB hugepages and mounts a private hugetlbfs for one test (root only), then
/// unmounts it and gives the pages back. Only the proc-info test needs this: a DPDK secondary process
/// can attach only to a primary that uses hugepages.
/// </summary>
public sealed class HugePages : IDisposable
{
    private const string NrHugepages = "/proc/sys/vm/nr_hugepages";
    private readonly int _added;

    public HugePages(int pages)
    {
        Assert.True(Environment.UserName == "root" || geteuid() == 0,
            "this test reserves hugepages and mounts hugetlbfs, which needs root (CI and ./prednat test run as root)");
        var before = Read();
        File.WriteAllText(NrHugepages, (before + pages).ToString(CultureInfo.InvariantCulture));
        _added = Read() - before;
        Assert.True(_added >= pages * 3 / 4, $"could reserve only {_added} of {pages} hugepages (memory fragmented?)");
        Mount = Path.Combine(Path.GetTempPath(), $"pda-huge-{Environment.ProcessId}");
        Directory.CreateDirectory(Mount);
        Run("mount", "-t", "hugetlbfs", "-o", "pagesize=2M", "nodev", Mount);
    }

    public string Mount { get; }

    private static int Read() => int.Parse(File.ReadAllText(NrHugepages).Trim(), CultureInfo.InvariantCulture);

    private static void Run(params string[] args)
    {
        var psi = new ProcessStartInfo(args[0]) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in args.Skip(1))
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        p.WaitForExit(10_000);
        Assert.True(p.ExitCode == 0, $"{string.Join(" ", args)}: {p.StandardError.ReadToEnd()}");
    }

    [System.Runtime.InteropServices.DllImport("libc")]
    private static extern uint geteuid();

    public void Dispose()
    {
        try { Run("umount", Mount); } catch (Exception) { }
        try { Directory.Delete(Mount); } catch (IOException) { }
        try { File.WriteAllText(NrHugepages, Math.Max(0, Read() - _added).ToString(CultureInfo.InvariantCulture)); } catch (IOException) { }
    }
}
