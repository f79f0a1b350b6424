using PreDnatAppliance.Hosting;

namespace PreDnatAppliance.Cli;

/// <summary>
/// <c>prednat run [--config FILE] [--services FILE] [--policy-dir DIR] [--duration SECONDS] [--section:key=value ...]</c>:
/// the appliance on DPDK with the management endpoint; without <c>--config</c>, the embedded demo on virtual devices.
/// Everything is in <see cref="ApplianceHost"/>; see docs/management.md.
/// </summary>
public static class RunCommand
{
    public static int Run(string[] args, TextWriter output, TextWriter error) =>
        ApplianceHost.Run(args, output, error, new Func<ApplianceState, AdminRoute>[] { state => Redeploy.PolicySwapRoute.Create(state, output) });
}
