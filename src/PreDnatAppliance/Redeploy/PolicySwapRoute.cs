using PreDnatAppliance.Hosting;
using PreDnatAppliance.Management;

namespace PreDnatAppliance.Redeploy;

/// <summary>
/// <c>POST /admin/policy</c> on the management endpoint (bearer token checked by <see cref="ManagementServer"/>): the
/// <see cref="PolicySwapHandler"/> over the running appliance, its swap window measured with the data path's counters.
/// </summary>
public static class PolicySwapRoute
{
    public const string Path = "/admin/policy";

    public static AdminRoute Create(ApplianceState state, TextWriter log)
    {
        var handler = new PolicySwapHandler(state.Runtime, () => Traffic(state), log,
            (loaded, compiled) => state.PolicySwapped(compiled, loaded.Package.BuiltAt));
        state.RetiredPolicyContexts = () => handler.ContextsUnloading;
        return new AdminRoute(Path, async (request, cancellation) =>
        {
            using var body = new MemoryStream(request.Body, writable: false);
            var (status, response) = await handler.HandleAsync(body, cancellation);
            return new AdminResult(status, response);
        });
    }

    /// <summary>Zero before the data path is up (a swap then still works: the workers pick the new policy up when they start).</summary>
    private static TrafficTotals Traffic(ApplianceState state) => state.Read(dataplane =>
    {
        if (dataplane is null)
            return default;
        dataplane.Counters.ReadTotals(out var rx, out var tx, out var dropped);
        return new TrafficTotals(rx, tx, dropped);
    });
}
