using System.Diagnostics;
using System.Runtime.InteropServices;
using PreDnatAppliance.Deployment.Tests.Infrastructure;

namespace PreDnatAppliance.Deployment.Tests;

/// <summary>
/// What the runtime image runs: <c>./prednat publish</c>'s output, moved elsewhere and started with a .NET that has
/// the runtimes but no SDK, checks the published policies and runs the DPDK data path. It builds the app again
/// (minutes on the 2-core CI machine), so it runs in long mode only (PREDNAT_TEST_LONG=1).
/// </summary>
public class PublishTests
{
    private static readonly TimeSpan BuildTimeout = TimeSpan.FromMinutes(15);
    private static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(2);

    [Fact]
    public void The_published_app_runs_elsewhere_on_the_runtime_alone()
    {
        if (Environment.GetEnvironmentVariable("PREDNAT_TEST_LONG") != "1")
            return;
        var work = Directory.CreateTempSubdirectory("prednat-publish-test").FullName;
        var filePrefix = $"deploy-publish-{Environment.ProcessId}";
        try
        {
            var published = Path.Combine(work, "out");
            var publish = Run(Repository.PathOf("prednat"), new[] { "publish", "--output", published }, work, BuildTimeout,
                ("PREDNAT_ARTIFACTS", Path.Combine(work, "artifacts")));
            Assert.True(publish.Exit == 0, publish.Output);
            Assert.StartsWith("#!/bin/sh", File.ReadAllText(Path.Combine(published, "prednat")));
            Assert.True(File.Exists(Path.Combine(published, "libpda_shim.so")));
            Assert.Equal(DockerfileChecks.ScriptArray(Repository.Read("prednat"), "RUNTIME_APT_PACKAGES"),
                File.ReadAllLines(Path.Combine(published, DockerfileChecks.PublishedPackageList)));

            // Moved away from the repository, started with a dotnet whose root holds no SDK.
            var app = Path.Combine(work, "elsewhere");
            Directory.Move(published, app);
            var runtimeOnly = RuntimeOnlyDotnet(Path.Combine(work, "dotnet"));
            (string, string?)[] environment = { ("PATH", runtimeOnly + ":/usr/bin:/bin"), ("DOTNET_ROOT", runtimeOnly), ("PREDNAT_POLICY_DIR", null) };
            var sdks = Run(Path.Combine(runtimeOnly, "dotnet"), new[] { "--list-sdks" }, work, RunTimeout, environment);
            Assert.Equal("", sdks.Output.Trim());

            var check = Run(Path.Combine(app, "prednat"), new[] { "check" }, work, RunTimeout, environment);
            Assert.True(check.Exit == 0, check.Output);
            Assert.StartsWith($"{Path.Combine(app, "policies")}: ", check.Output);

            var config = Path.Combine(work, "null.json");
            File.WriteAllText(config, """
                { "mainLcore": 0, "workerLcores": [1],
                  "ports": [ { "name": "eth0", "vdev": "net_null0", "role": "none" }, { "name": "eth1", "vdev": "net_null1", "role": "none" } ],
                  "forwarding": [ { "from": "eth0", "to": "eth1" } ],
                  "memory": { "noHuge": true, "memoryMb": 512 } }
                """);
            var dataplane = Run(Path.Combine(app, "prednat"), new[] { "dataplane", "--config", config, "--duration", "1", "--file-prefix", filePrefix }, work, RunTimeout, environment);
            Assert.True(dataplane.Exit == 0, dataplane.Output);
            Assert.Contains("unaccounted 0", dataplane.Output);
            Assert.Contains("mbufs back after close", dataplane.Output);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
            foreach (var runtimeDir in Directory.Exists("/var/run/dpdk") ? Directory.GetDirectories("/var/run/dpdk", filePrefix + "*") : Array.Empty<string>())
                Directory.Delete(runtimeDir, recursive: true);
        }
    }

    /// <summary>A dotnet root with the host and the shared runtimes of the running one, and no sdk/ directory.</summary>
    private static string RuntimeOnlyDotnet(string directory)
    {
        var root = Path.GetFullPath(Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), "..", "..", ".."));
        Directory.CreateDirectory(directory);
        // A copy, not a link: the muxer finds host/ and shared/ next to its own resolved path.
        File.Copy(Path.Combine(root, "dotnet"), Path.Combine(directory, "dotnet"));
        foreach (var part in new[] { "host", "shared" })
            Directory.CreateSymbolicLink(Path.Combine(directory, part), Path.Combine(root, part));
        return directory;
    }

    private static (int Exit, string Output) Run(string file, string[] args, string workingDirectory, TimeSpan timeout, params (string Name, string? Value)[] environment)
    {
        var start = new ProcessStartInfo(file, args)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        foreach (var (name, value) in environment)
            start.Environment[name] = value;
        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            return (-1, $"{file} {string.Join(" ", args)}: no exit within {timeout}");
        }
        return (process.ExitCode, output.Result + error.Result);
    }
}
