namespace PreDnatAppliance.Cli;

/// <summary>Maps the first argument to a command; usage errors exit 2 with a message, never a stack trace.</summary>
public static class CommandDispatcher
{
    public const string Usage = """
        usage: prednat <command> [options]

          run [--config FILE] [--services FILE] [--policy-dir DIR] [--duration SECONDS] [--section:key=value ...]
                                                run the appliance on DPDK with its management endpoint
                                                (127.0.0.1:9091); without --config, the embedded demo
          check [--policy-dir DIR] [--node N]   validate a policy directory; exit 1 on any error
          policy dump [--policy-dir DIR] [--node N]
                                                print the per-endpoint programs with RuleIds and file:line
          explain --ingress IFACE [--policy-dir DIR] [--node N] [--egress IFACE] [--iface-addr IFACE=IP]
                  "tcp 203.0.113.5:40000 -> 192.0.2.10:30080"
                                                show which program, policy and rule decides at each stage
          replay --pcap FILE --ingress IFACE [--pcap FILE --ingress IFACE ...] --out-dir DIR
                 [--config FILE] [--services FILE] [--policy-dir DIR] [--burst N]
                                                run pcaps through the packet pipeline offline; writes
                                                DIR/<port>.pcap, DIR/kernel.pcap and DIR/verdicts.jsonl
          redeploy --policy-dir DIR [--management URL] [--token-file FILE] [--packages DIR] [--dry-run]
                                                check, build and self-test a policy, then swap it into the
                                                running appliance; exit 0 swapped, 1 refused, 2 usage/connection
        """;

    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        try
        {
            var rest = args.Skip(1).ToArray();
            switch (args.FirstOrDefault())
            {
                case "check":
                    return CheckCommand.Run(rest, output);
                case "policy" when rest.FirstOrDefault() == "dump":
                    return PolicyDumpCommand.Run(rest.Skip(1).ToArray(), output, error);
                case "explain":
                    return ExplainCommand.Run(rest, output, error);
                case "replay":
                    return ReplayCommand.Run(rest, output, error);
                case "redeploy":
                    return RedeployCommand.Run(rest, output, error);
                case "run":
                    return RunCommand.Run(rest, output, error);
                case "dataplane":
                    // Diagnostic: the DPDK data path alone with the forwarding stage (docs/dataplane.md).
                    return DataplaneCommand.Run(rest, output, error);
                case "dataplane-pcap":
                    // Diagnostic: writes the benchmark's traffic mix as a pcap file.
                    return PcapMixCommand.Run(rest, output);
                case null or "help" or "--help" or "-h":
                    output.WriteLine(Usage);
                    return args.Length == 0 ? 2 : 0;
                default:
                    throw new UsageException($"unknown command '{string.Join(" ", args.Take(2))}'");
            }
        }
        catch (UsageException e)
        {
            error.WriteLine($"prednat: {e.Message}");
            error.WriteLine(Usage);
            return 2;
        }
    }
}
