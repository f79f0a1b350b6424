using System.Diagnostics;
using System.Text.Json;
using PreDnatAppliance.Pipeline.Runtime;
using PreDnatAppliance.Policy;
using PreDnatAppliance.Policy.Diagnostics;
using PreDnatAppliance.Policy.Programs;
using PreDnatAppliance.PolicySelfTest;

namespace PreDnatAppliance.Redeploy;

/// <summary>
/// The appliance's side of <c>prednat redeploy</c> (<c>POST /admin/policy</c>, behind the management server's bearer
/// token): loads the posted policy package into a collectible context, self-tests it again (quick budget), swaps it in
/// with <see cref="ApplianceRuntime.SwapPolicy"/> between bursts, and unloads a package's context once its policy
/// retired. A package that fails any step is refused (the running policy stays) and unloaded at once.
/// </summary>
public sealed class PolicySwapHandler : IDisposable
{
    private readonly ApplianceRuntime _runtime;
    private readonly Func<TrafficTotals> _traffic;
    private readonly TextWriter _log;
    private readonly TimeSpan _retireTimeout;
    private readonly Action<LoadedPolicyPackage, CompiledPolicySet>? _swapped;
    private readonly object _gate = new();

    /// <summary>Packages whose policy is live or not yet retired.</summary>
    private readonly List<LoadedPolicyPackage> _loaded = new();

    /// <summary>Contexts of retired policies that are unloading, and the collections run for each so far (-1: reported as held).</summary>
    private readonly List<(string ContentHash, WeakReference Context, int Collections)> _unloading = new();
    private bool _collecting;   // under the _unloading lock: a collector task is running

    /// <summary>Collections run for an unloading context before it is reported as held (something still references the policy).</summary>
    public const int CollectionsBeforeReport = 20;

    /// <summary>Time between those collections.</summary>
    public static readonly TimeSpan CollectionInterval = TimeSpan.FromMilliseconds(500);

    /// <param name="traffic">The data path's RX/TX/dropped totals (the swap window's counters).</param>
    /// <param name="swapped">Told the new policy after each swap (the management endpoint's view of the policy).</param>
    public PolicySwapHandler(ApplianceRuntime runtime, Func<TrafficTotals> traffic, TextWriter log, Action<LoadedPolicyPackage, CompiledPolicySet>? swapped = null,
        TimeSpan? retireTimeout = null)
    {
        _runtime = runtime;
        _swapped = swapped;
        _traffic = traffic;
        _log = log;
        _retireTimeout = retireTimeout ?? TimeSpan.FromSeconds(10);
        _runtime.PolicyRetired += OnRetired;
    }

    /// <summary>The HTTP form: a JSON <see cref="RedeployRequest"/> in, a status code and a <see cref="RedeployResponse"/> out.</summary>
    public async Task<(int Status, RedeployResponse Response)> HandleAsync(Stream body, CancellationToken cancellationToken = default)
    {
        RedeployRequest? request;
        try
        {
            request = await JsonSerializer.DeserializeAsync<RedeployRequest>(body, RedeployJson.Options, cancellationToken);
        }
        catch (JsonException e)
        {
            return (400, Refusal("the request is not JSON {\"package\": DIR}: " + e.Message));
        }
        if (request is null || string.IsNullOrWhiteSpace(request.Package))
            return (400, Refusal("the request names no package: {\"package\": DIR}"));
        // The swap waits for the workers' quiescence: off the request thread.
        return await Task.Run(() => Handle(request), cancellationToken);
    }

    /// <summary>Swaps in the package, or refuses it: 200 swapped, 400 not a package, 422 refused (the running policy stays).</summary>
    public (int Status, RedeployResponse Response) Handle(RedeployRequest request)
    {
        lock (_gate)
        {
            PolicyPackage package;
            try
            {
                package = PolicyPackage.Open(request.Package);
            }
            catch (Exception e) when (e is InvalidDataException or IOException or JsonException or UnauthorizedAccessException)
            {
                return (400, Refusal(e.Message));
            }

            var step = Stopwatch.StartNew();
            LoadedPolicyPackage loaded;
            try
            {
                loaded = LoadedPolicyPackage.Load(package);
            }
            catch (Exception e) when (e is InvalidDataException or IOException or BadImageFormatException or InvalidOperationException)
            {
                return (422, Refusal($"cannot load {package.AssemblyPath}: {e.Message}"));
            }
            var loadTime = step.Elapsed;

            step.Restart();
            var set = PolicyProject.Load(package.PolicyPath);
            var asBuilt = set.HasErrors ? null : PolicyProject.Compile(set);
            var forNode = set.HasErrors ? null : PolicyProject.Compile(set, _runtime.Configuration.Node.Name);
            if (asBuilt is null || forNode is null || forNode.Diagnostics.Any(d => d.Severity == DiagnosticSeverity.Error))
            {
                loaded.Unload();
                var errors = (forNode?.Diagnostics ?? set.Diagnostics.Sorted()).Where(d => d.Severity == DiagnosticSeverity.Error).Take(5);
                return (422, Refusal("the package's policy has errors:\n" + string.Join("\n", errors)));
            }
            var selfTest = SelfTest.Run(loaded.Policy, asBuilt, SelfTestBudget.Quick);
            var selfTestTime = step.Elapsed;
            if (!selfTest.Passed)
            {
                loaded.Unload();
                return (422, Refusal("self-test: " + selfTest.Summary));
            }

            lock (_loaded)
                _loaded.Add(loaded);
            var before = _traffic();
            PolicySwapReport report;
            try
            {
                report = _runtime.SwapPolicy(loaded.Policy, forNode, _retireTimeout);
            }
            catch (Exception e) when (e is PolicyMismatchException or InvalidOperationException)
            {
                lock (_loaded)
                    _loaded.Remove(loaded);
                loaded.Unload();
                return (422, Refusal(e.Message));
            }
            var after = _traffic();
            _swapped?.Invoke(loaded, forNode);
            var response = new RedeployResponse
            {
                Swapped = true,
                OldContentHash = report.Old.ContentHash,
                NewContentHash = report.New.ContentHash,
                Generation = report.Generation,
                LoadMilliseconds = loadTime.TotalMilliseconds,
                SelfTestMilliseconds = selfTestTime.TotalMilliseconds,
                BuildMilliseconds = report.BuildDuration.TotalMilliseconds,
                PublishMilliseconds = report.PublishDuration.TotalMilliseconds,
                RetireMilliseconds = report.RetireDuration.TotalMilliseconds,
                Retired = report.Retired,
                WindowReceived = after.Received - before.Received,
                WindowSent = after.Sent - before.Sent,
                WindowDropped = after.Dropped - before.Dropped,
            };
            _log.WriteLine($"prednat: policy generation {report.Generation}: {report.Old.ContentHash} -> {report.New.ContentHash} " +
                $"(model {response.BuildMilliseconds:F2} ms, publish {response.PublishMilliseconds:F3} ms, retire {response.RetireMilliseconds:F2} ms{(report.Retired ? "" : ", not yet retired")}; " +
                $"{selfTest.PacketChecks:N0} self-test checks)");
            return (200, response);
        }
    }

    /// <summary>The old policy is out of every worker's hands: its package's context can go.</summary>
    private void OnRetired(PolicySwap swap)
    {
        LoadedPolicyPackage? retired;
        lock (_loaded)
        {
            retired = _loaded.FirstOrDefault(p => ReferenceEquals(p.Policy, swap.Old.Model.Policy));
            if (retired is not null)
                _loaded.Remove(retired);
        }
        if (retired is null)
            return;
        var context = retired.Unload();
        _log.WriteLine($"prednat: policy {retired.Package.ContentHash} retired; its load context is unloading");
        lock (_unloading)
        {
            // Contexts reported as held that went since (no collector watches them any more).
            _unloading.RemoveAll(u => u.Collections < 0 && !u.Context.IsAlive);
            _unloading.Add((retired.Package.ContentHash, context, 0));
            if (!_collecting)
            {
                _collecting = true;
                _ = Task.Run(CollectUnloadedAsync);
            }
        }
    }

    /// <summary>Retired policies' contexts still loaded, those reported as held included (0 once every one has been collected).</summary>
    public int ContextsUnloading
    {
        get
        {
            lock (_unloading)
                return _unloading.Count(u => u.Context.IsAlive);
        }
    }

    /// <summary>
    /// A context, its JIT'd code and the old snapshot's tables (large-object heap) go only with gen-2 collections (an
    /// unloading context needs at least two), which an appliance that hardly allocates would otherwise not run for a long
    /// time. Background collections (not blocking ones: the workers' pauses stay as short as a gen-0 collection's), one
    /// per interval, until every unloading context is gone; one still there after <see cref="CollectionsBeforeReport"/>
    /// collections is reported once (something holds the policy) and no longer collected for.
    /// </summary>
    private async Task CollectUnloadedAsync()
    {
        while (true)
        {
            GC.Collect(2, GCCollectionMode.Forced, blocking: false);
            await Task.Delay(CollectionInterval).ConfigureAwait(false);
            lock (_unloading)
            {
                var pending = false;
                for (var i = _unloading.Count - 1; i >= 0; i--)
                {
                    var (hash, context, collections) = _unloading[i];
                    if (!context.IsAlive)
                    {
                        _unloading.RemoveAt(i);
                        if (collections >= 0)
                            _log.WriteLine($"prednat: policy {hash}: load context unloaded after {collections + 1} collection(s)");
                    }
                    else if (collections < 0)
                        continue;
                    else if (collections + 1 >= CollectionsBeforeReport)
                    {
                        _unloading[i] = (hash, context, -1);
                        _log.WriteLine($"prednat: policy {hash}: load context still loaded after {collections + 1} collections: something holds the retired policy");
                    }
                    else
                    {
                        _unloading[i] = (hash, context, collections + 1);
                        pending = true;
                    }
                }
                if (!pending)
                {
                    _collecting = false;
                    return;
                }
            }
        }
    }

    private static RedeployResponse Refusal(string reason) => new() { Swapped = false, Reason = reason };

    public void Dispose() => _runtime.PolicyRetired -= OnRetired;
}
