using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using PreDnatAppliance.Policy;
using PreDnatAppliance.Policy.Diagnostics;
using PreDnatAppliance.PolicySelfTest;
using PreDnatAppliance.Redeploy;

namespace PreDnatAppliance.Cli;

/// <summary>
/// <c>prednat redeploy --policy-dir DIR</c>: check, build a policy package, self-test it against the reference
/// evaluator, then hand it to the running appliance (<c>POST /admin/policy</c>), which swaps it in between bursts.
/// Exit 0: swapped (or a dry run passed); 1: refused (check, build, self-test or the appliance); 2: usage or connection.
/// </summary>
public static class RedeployCommand
{
    public const string DefaultManagement = "http://127.0.0.1:9091";
    public const string TokenVariable = "PREDNAT_MANAGEMENT_TOKEN";

    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        var dryRun = args.Contains("--dry-run");
        var line = CommandLine.Parse(args.Where(a => a != "--dry-run"), new[] { "policy-dir", "management", "token-file", "packages" });
        var directory = line.Get("policy-dir") ?? throw new UsageException("redeploy needs --policy-dir DIR");
        if (!Directory.Exists(directory))
            throw new UsageException($"policy directory {directory} does not exist");
        var management = line.Get("management") ?? DefaultManagement;
        if (!Uri.TryCreate(management, UriKind.Absolute, out var baseUri) || baseUri.Scheme is not ("http" or "https"))
            throw new UsageException($"--management {management}: expected an http(s) URL");
        var token = dryRun ? null : ReadToken(line.Get("token-file"));
        var total = Stopwatch.StartNew();

        // 1. check: every diagnostic, as prednat check prints them.
        var step = Stopwatch.StartNew();
        var (compiled, diagnostics) = PolicyLoading.Compile(directory, node: null);
        PolicyLoading.Print(diagnostics, error);
        if (compiled is null)
            return Refused(error, $"check: {diagnostics.Count(d => d.Severity == DiagnosticSeverity.Error)} error(s) in {directory}");
        output.WriteLine($"check     ok: {compiled.Programs.Count} programs, {compiled.Rules.Count} rules ({Ms(step)})");

        // 2. build the package (reused when the same policy was built before).
        step.Restart();
        PolicyPackage package;
        try
        {
            package = PolicyPackageBuilder.Build(directory, line.Get("packages"));
        }
        catch (InvalidOperationException e)
        {
            return Refused(error, "build: " + e.Message);
        }
        output.WriteLine($"build     ok: {package.Directory} {package.ContentHash} ({Ms(step)})");

        // 3. self-test the generated classifiers against the reference evaluator.
        step.Restart();
        var loaded = LoadedPolicyPackage.Load(package);
        var report = SelfTest.Run(loaded.Policy, compiled, SelfTestBudget.Redeploy);
        loaded.Unload();
        if (!report.Passed)
            return Refused(error, "self-test: " + report.Summary);
        output.WriteLine($"self-test ok: {report.Summary} ({Ms(step)})");

        if (dryRun)
        {
            output.WriteLine($"dry run: not posted to {management}; total {Ms(total)}");
            return 0;
        }

        // 4. hand the package to the appliance.
        step.Restart();
        using var client = new HttpClient { BaseAddress = baseUri, Timeout = TimeSpan.FromMinutes(2) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        HttpResponseMessage response;
        string body;
        try
        {
            response = client.PostAsJsonAsync("/admin/policy", new RedeployRequest(package.Directory), RedeployJson.Options).GetAwaiter().GetResult();
            body = response.Content.ReadAsStringAsync().GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            error.WriteLine($"prednat: redeploy: cannot reach the appliance at {management}: {e.Message}");
            return 2;
        }
        var answer = TryParse(body);
        output.WriteLine($"swap      {(int)response.StatusCode} {response.ReasonPhrase} ({Ms(step)}; total {Ms(total)})");
        output.WriteLine(body);
        if (response.IsSuccessStatusCode && answer is { Swapped: true })
            return 0;
        error.WriteLine($"prednat: redeploy refused by the appliance: {answer?.Reason ?? body}; the running policy stays");
        return 1;
    }

    private static string ReadToken(string? tokenFile)
    {
        var token = tokenFile is not null
            ? File.Exists(tokenFile) ? File.ReadAllText(tokenFile).Trim() : throw new UsageException($"--token-file {tokenFile} does not exist")
            : Environment.GetEnvironmentVariable(TokenVariable)?.Trim();
        return string.IsNullOrEmpty(token)
            ? throw new UsageException($"the management token is needed: --token-file FILE or {TokenVariable} (or --dry-run)")
            : token;
    }

    private static RedeployResponse? TryParse(string body)
    {
        try
        {
            return JsonSerializer.Deserialize<RedeployResponse>(body, RedeployJson.Options);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static int Refused(TextWriter error, string why)
    {
        error.WriteLine($"prednat: redeploy refused at {why}");
        error.WriteLine("prednat: nothing was posted; the running policy stays");
        return 1;
    }

    private static string Ms(Stopwatch stopwatch) => $"{stopwatch.Elapsed.TotalMilliseconds:F0} ms";
}
