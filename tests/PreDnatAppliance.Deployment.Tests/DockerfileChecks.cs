using System.Text.Json;
using System.Text.RegularExpressions;
using PreDnatAppliance.Deployment.Tests.Infrastructure;

namespace PreDnatAppliance.Deployment.Tests;

/// <summary>
/// The checks on docker/Dockerfile. Each returns its problems (empty: fine), so the tests can run them on the real
/// file and on broken copies.
/// </summary>
public static partial class DockerfileChecks
{
    public const string BuildStage = "build";
    public const string RuntimeStage = "runtime";
    public const string PublishedPackageList = "runtime-apt-packages";
    public const string LauncherName = "prednat";

    private static readonly string[] BuildTools = { "dotnet", "cmake", "make", "cc", "gcc", "msbuild", ScriptCommand.Script };

    /// <summary>Once the build stage has the repository, every RUN step is a ./prednat command the README shows, with options it shows.</summary>
    public static IReadOnlyList<string> BuildStepsAreReadmeCommands(Dockerfile docker, IReadOnlyList<ScriptCommand> readme)
    {
        var problems = new List<string>();
        var copied = false;
        var scriptCalls = 0;
        foreach (var step in docker.Stage(BuildStage).Instructions)
        {
            if (step.Keyword == "COPY" && CopySources(step).SequenceEqual(new[] { "." }))
                copied = true;
            if (step.Keyword != "RUN" || !copied)
                continue;
            foreach (var command in ShellCommands.Split(step.Arguments).Where(c => !ShellCommands.IsCondition(c)))
            {
                var shown = string.Join(" ", command);
                if (ScriptCommand.From(command) is not { } call)
                {
                    problems.Add($"Dockerfile:{step.Line}: build step '{shown}' is not a {ScriptCommand.Script} command; the image must build with the README's commands only");
                    continue;
                }
                var documented = readme.Where(r => r.Subcommand == call.Subcommand).ToList();
                if (documented.Count == 0)
                {
                    problems.Add($"Dockerfile:{step.Line}: '{ScriptCommand.Script} {call.Subcommand}' is not a command the README shows");
                    continue;
                }
                var undocumented = call.Options.Except(documented.SelectMany(d => d.Options)).ToList();
                if (undocumented.Count > 0)
                {
                    problems.Add($"Dockerfile:{step.Line}: '{shown}' uses {string.Join(", ", undocumented)}, which the README never shows with '{call.Subcommand}'");
                    continue;
                }
                scriptCalls++;
            }
        }
        if (!copied)
            problems.Add($"Dockerfile: stage '{BuildStage}' never copies the repository (COPY . .)");
        else if (scriptCalls == 0)
            problems.Add($"Dockerfile: stage '{BuildStage}' runs no {ScriptCommand.Script} command after copying the repository");
        return problems;
    }

    /// <summary>No other stage builds the app: no build tools in its RUN steps, no copy of the whole repository.</summary>
    public static IReadOnlyList<string> OnlyTheBuildStageBuilds(Dockerfile docker)
    {
        var problems = new List<string>();
        foreach (var stage in docker.Stages.Where(s => s.Name != BuildStage))
        {
            foreach (var step in stage.All("RUN"))
                foreach (var command in ShellCommands.Split(step.Arguments))
                    if (BuildTools.Contains(command[0]))
                        problems.Add($"Dockerfile:{step.Line}: stage '{stage.Name}' runs '{string.Join(" ", command)}'; only stage '{BuildStage}' builds, with the README's commands");
            foreach (var step in stage.All("COPY").Where(c => !c.Arguments.Contains("--from=", StringComparison.Ordinal) && CopySources(c).Contains(".")))
                problems.Add($"Dockerfile:{step.Line}: stage '{stage.Name}' copies the whole repository; only stage '{BuildStage}' does");
        }
        return problems;
    }

    /// <summary>
    /// The runtime stage installs the DPDK libraries from the list <c>./prednat publish</c> writes (the script's
    /// RUNTIME_APT_PACKAGES), never from a list of its own that could fall behind.
    /// </summary>
    public static IReadOnlyList<string> RuntimeInstallsThePublishedPackageList(Dockerfile docker)
    {
        var problems = new List<string>();
        var runtime = docker.Stage(RuntimeStage);
        var copied = runtime.All("COPY").Select(CopyDestination).Where(d => d.EndsWith(PublishedPackageList, StringComparison.Ordinal)).ToList();
        if (copied.Count == 0)
            problems.Add($"Dockerfile: stage '{RuntimeStage}' does not copy {PublishedPackageList} from the published output");
        var commands = runtime.All("RUN").SelectMany(r => ShellCommands.Split(r.Arguments).Select(c => (r.Line, Words: c))).ToList();
        if (!commands.Any(c => c.Words[0] == "xargs" && c.Words.Contains("apt-get") && c.Words.Contains("install") && c.Words.Any(copied.Contains)))
            problems.Add($"Dockerfile: stage '{RuntimeStage}' has no 'xargs -a {PublishedPackageList} apt-get install' step");
        foreach (var (line, words) in commands)
            foreach (var package in words.Where(w => w.StartsWith("librte-", StringComparison.Ordinal) || w is "dpdk" or "dpdk-dev" or "libdpdk-dev"))
                problems.Add($"Dockerfile:{line}: stage '{RuntimeStage}' names the DPDK package '{package}'; add it to RUNTIME_APT_PACKAGES in ./prednat instead");
        return problems;
    }

    /// <summary>The stages and what they start from are the ones docs/deployment.md's table lists, in order; the app's stages are Debian 12.</summary>
    public static IReadOnlyList<string> StagesAreAsDocumented(Dockerfile docker, string deploymentDoc)
    {
        var problems = new List<string>();
        var documented = StageRow().Matches(deploymentDoc).Select(m => $"{m.Groups["stage"].Value} FROM {m.Groups["from"].Value}").ToList();
        var actual = docker.Stages.Select(s => $"{s.Name} FROM {docker.ResolvedFrom(s)}").ToList();
        if (!documented.SequenceEqual(actual))
            problems.Add($"docs/deployment.md lists the stages [{string.Join("; ", documented)}] but the Dockerfile has [{string.Join("; ", actual)}]");
        if (docker.Stages.LastOrDefault()?.Name != RuntimeStage)
            problems.Add($"Dockerfile: the last stage (what a plain docker build produces) must be '{RuntimeStage}'");
        foreach (var name in new[] { BuildStage, RuntimeStage })
        {
            var stage = docker.Stages.FirstOrDefault(s => s.Name == name);
            if (stage is null)
                problems.Add($"Dockerfile: no stage '{name}'");
            else if (docker.BaseImage(stage) is var image && !(image.StartsWith("debian:12", StringComparison.Ordinal) || image.StartsWith("debian:bookworm", StringComparison.Ordinal)))
                problems.Add($"Dockerfile: stage '{name}' is built on {image}, not Debian 12 (the shim and P/Invoke declarations are for DPDK 22.11's librte-*23)");
        }
        return problems;
    }

    /// <summary>The runtime stage runs the published launcher with the documented arguments, as a non-root user, with a health check and the stop signal the app handles.</summary>
    public static IReadOnlyList<string> RuntimeRunsThePublishedApp(Dockerfile docker)
    {
        var problems = new List<string>();
        var runtime = docker.Stage(RuntimeStage);
        var publish = docker.Stage(BuildStage).All("RUN").SelectMany(r => ShellCommands.Split(r.Arguments))
            .FirstOrDefault(c => ScriptCommand.From(c)?.Subcommand == "publish");
        var output = publish is null ? null : publish.SkipWhile(w => w != "--output").Skip(1).FirstOrDefault();
        var appCopy = runtime.All("COPY").FirstOrDefault(c => c.Arguments.Contains($"--from={BuildStage}", StringComparison.Ordinal) && output is not null && CopySources(c).SequenceEqual(new[] { output }));
        if (appCopy is null)
        {
            problems.Add($"Dockerfile: stage '{RuntimeStage}' does not copy the directory '{ScriptCommand.Script} publish --output' wrote ({output ?? "no publish step"})");
            return problems;
        }
        var launcher = CopyDestination(appCopy).TrimEnd('/') + "/" + LauncherName;
        var expected = new[] { launcher, "run", "--config", "/etc/prednat/appliance.json", "--services", "/etc/prednat/services.yaml" };
        var entrypoint = runtime.Last("ENTRYPOINT")?.Arguments;
        if (entrypoint is null || ExecForm(entrypoint) is not { } words || !words.SequenceEqual(expected))
            problems.Add($"Dockerfile: the runtime ENTRYPOINT must be the exec form {JsonSerializer.Serialize(expected)} (signals reach the app), not {entrypoint ?? "missing"}");
        if (runtime.Last("USER")?.Arguments is not { } user || user.Split(':')[0] is "root" or "0")
            problems.Add("Dockerfile: the runtime stage must switch to a non-root USER");
        if (runtime.Last("STOPSIGNAL")?.Arguments != "SIGTERM")
            problems.Add("Dockerfile: the runtime stage needs STOPSIGNAL SIGTERM (the appliance stops cleanly on it)");
        if (!runtime.All("EXPOSE").Any(x => x.Arguments.Split(' ').Contains(ManagementEndpoint.Port.ToString())))
            problems.Add($"Dockerfile: the runtime stage must EXPOSE the management port {ManagementEndpoint.Port}");
        if (runtime.Last("HEALTHCHECK")?.Arguments is not { } health || !health.Contains($":{ManagementEndpoint.Port}{ManagementEndpoint.LivePath}", StringComparison.Ordinal))
            problems.Add($"Dockerfile: the runtime HEALTHCHECK must ask :{ManagementEndpoint.Port}{ManagementEndpoint.LivePath}");
        return problems;
    }

    /// <summary>The names in a shell array assignment of the script (e.g. RUNTIME_APT_PACKAGES=(...), over several lines).</summary>
    public static IReadOnlyList<string> ScriptArray(string script, string name)
    {
        var m = Regex.Match(script, $@"^{Regex.Escape(name)}=\((?<items>[^)]*)\)", RegexOptions.Multiline);
        Assert.True(m.Success, $"./prednat has no {name}=(...)");
        return m.Groups["items"].Value.Split((char[])[' ', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries);
    }

    /// <summary>The words of an exec-form (JSON array) instruction; null for the shell form, which Docker runs under /bin/sh -c.</summary>
    private static string[]? ExecForm(string arguments)
    {
        try
        {
            return JsonSerializer.Deserialize<string[]>(arguments);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static IReadOnlyList<string> CopyArguments(DockerInstruction copy) =>
        copy.Arguments.Split((char[])[' ', '\n'], StringSplitOptions.RemoveEmptyEntries).Where(w => !w.StartsWith("--", StringComparison.Ordinal)).ToList();

    private static IEnumerable<string> CopySources(DockerInstruction copy) => CopyArguments(copy).SkipLast(1);

    private static string CopyDestination(DockerInstruction copy) => CopyArguments(copy)[^1];

    [GeneratedRegex(@"^\|\s*`(?<stage>[^`]+)`\s*\|\s*`(?<from>[^`]+)`\s*\|", RegexOptions.Multiline)]
    private static partial Regex StageRow();
}
