using System.Diagnostics;
using System.Globalization;
using PreDnatAppliance.Dataplane.Configuration;
using PreDnatAppliance.Pipeline.Configuration;
using PreDnatAppliance.Policy.Programs;

namespace PreDnatAppliance.Hosting;

/// <summary>
/// Everything checked before DPDK starts, each problem naming its key: the appliance configuration, the data path
/// options, the management section, and the machine (lcores this process may run on, hugepages unless noHuge); after
/// the policy is loaded, that every host endpoint interface of this node is a configured port.
/// </summary>
public static class HostValidation
{
    public static IReadOnlyList<string> Validate(HostConfiguration configuration, MachineFacts machine)
    {
        var appliance = configuration.Appliance;
        var errors = new List<string>();
        errors.AddRange(appliance.Validate().Select(AsConfigurationKey));
        errors.AddRange(DataplaneOptionsValidator.Validate(appliance.Dataplane).Select(e => AsConfigurationKey("dataplane." + e)));
        errors.AddRange(configuration.Management.Validate());
        errors.AddRange(CheckMachine(appliance.Dataplane, machine));
        return errors.Distinct().ToList();
    }

    /// <summary>"node.addresses[0]: ..." becomes "node:addresses:0: ...", the key as the layers spell it.</summary>
    private static string AsConfigurationKey(string error)
    {
        var colon = error.IndexOf(": ", StringComparison.Ordinal);
        if (colon < 0)
            return error;
        var key = error[..colon].Replace('.', ':').Replace("[", ":", StringComparison.Ordinal).Replace("]", "", StringComparison.Ordinal);
        return key + error[colon..];
    }

    /// <summary>Lcores must be CPUs this process may use (DPDK pins each lcore to its CPU); hugepages must exist unless noHuge.</summary>
    public static IEnumerable<string> CheckMachine(DataplaneOptions options, MachineFacts machine)
    {
        var allowed = machine.AllowedCpus;
        string List() => string.Join(",", allowed);
        if (options.MainLcore is >= 0 and < DataplaneOptionsValidator.MaxLcore && !allowed.Contains(options.MainLcore))
            yield return $"dataplane:mainLcore: lcore {options.MainLcore} is out of range: this process may run on CPUs {List()}";
        for (var i = 0; i < options.WorkerLcores.Count; i++)
        {
            var l = options.WorkerLcores[i];
            if (l is >= 0 and < DataplaneOptionsValidator.MaxLcore && !allowed.Contains(l))
                yield return $"dataplane:workerLcores:{i}: lcore {l} is out of range: this process may run on CPUs {List()}";
        }
        if (!options.Memory.NoHuge)
        {
            if (machine.HugePagesTotal == 0)
                yield return "dataplane:memory:noHuge: false, but no hugepages are reserved (HugePages_Total is 0 in /proc/meminfo); " +
                    "reserve some (e.g. echo 512 > /proc/sys/vm/nr_hugepages) or set dataplane:memory:noHuge=true with dataplane:memory:memoryMb";
            else if (options.Memory.HugeDir is null && !machine.HugetlbfsMounted)
                yield return "dataplane:memory:noHuge: false, but no hugetlbfs is mounted; mount one (mount -t hugetlbfs nodev /dev/hugepages) or set dataplane:memory:hugeDir";
        }
    }

    /// <summary>Host endpoints of this node must name configured ports (a wildcard or expectedIPs-only endpoint names none).</summary>
    public static IReadOnlyList<string> CheckInterfaces(CompiledPolicySet compiled, ApplianceConfiguration appliance)
    {
        var ports = appliance.Dataplane.Ports.Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        return compiled.HostEndpoints
            .Where(h => h.Node == appliance.Node.Name && h.InterfaceName.Length > 0 && !h.IsWildcard && !ports.Contains(h.InterfaceName))
            .Select(h => $"dataplane:ports: HostEndpoint {h.Name} ({Path.GetFileName(h.SpecLocation.File)}:{h.SpecLocation.Line}) names interface " +
                $"'{h.InterfaceName}', which is no configured port (ports: {string.Join(", ", ports.Order(StringComparer.Ordinal))})")
            .ToList();
    }
}

/// <summary>What the validation needs to know about the machine (a record, so tests can describe another machine).</summary>
public sealed record MachineFacts(IReadOnlySet<int> AllowedCpus, long HugePagesTotal, bool HugetlbfsMounted)
{
    public static MachineFacts Read()
    {
        var cpus = new SortedSet<int>();
        if (OperatingSystem.IsLinux())
        {
            var mask = (long)Process.GetCurrentProcess().ProcessorAffinity;
            for (var cpu = 0; cpu < 64; cpu++)
                if ((mask >> cpu & 1) != 0)
                    cpus.Add(cpu);
        }
        long huge = 0;
        if (File.Exists("/proc/meminfo"))
            foreach (var line in File.ReadLines("/proc/meminfo"))
                if (line.StartsWith("HugePages_Total:", StringComparison.Ordinal))
                    long.TryParse(line["HugePages_Total:".Length..].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out huge);
        var mounted = File.Exists("/proc/mounts") && File.ReadLines("/proc/mounts").Any(l => l.Split(' ').ElementAtOrDefault(2) == "hugetlbfs");
        return new MachineFacts(cpus, huge, mounted);
    }
}
