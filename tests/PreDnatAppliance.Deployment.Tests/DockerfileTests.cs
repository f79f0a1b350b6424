using System.Diagnostics;
using PreDnatAppliance.Deployment.Tests.Infrastructure;

namespace PreDnatAppliance.Deployment.Tests;

/// <summary>docker/Dockerfile builds with the README's commands, from the documented stages, into the documented runtime image.</summary>
public class DockerfileTests
{
    private static readonly string Text = Repository.Read("docker/Dockerfile");
    private static readonly Dockerfile Docker = Dockerfile.Parse(Text);
    private static readonly IReadOnlyList<ScriptCommand> Readme = ScriptCommand.InCodeBlocks(Repository.Read("README.md"));
    private static readonly string DeploymentDoc = Repository.Read("docs/deployment.md");

    [Fact]
    public void The_readme_shows_the_commands_the_image_builds_with()
    {
        Assert.Contains(Readme, c => c.Subcommand == "publish" && c.Options.Contains("--output"));
        Assert.Contains(Readme, c => c.Subcommand == "test");
    }

    [Fact]
    public void Build_steps_are_readme_commands() => Assert.Empty(DockerfileChecks.BuildStepsAreReadmeCommands(Docker, Readme));

    [Theory]
    [InlineData("RUN ./prednat publish --output /out/prednat", "RUN dotnet publish src/PreDnatAppliance -o /out/prednat", "is not a ./prednat command")]
    [InlineData("RUN ./prednat publish --output /out/prednat", "RUN ./prednat publish --output /out/prednat --self-contained", "--self-contained")]
    [InlineData("./prednat test;", "./prednat bench;", "'./prednat bench' is not a command the README shows")]
    public void Build_steps_that_drift_from_the_readme_are_reported(string from, string to, string expected)
    {
        var broken = Dockerfile.Parse(Repository.Break(Text, from, to));
        Assert.Contains(DockerfileChecks.BuildStepsAreReadmeCommands(broken, Readme), p => p.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void A_readme_without_the_publish_command_fails_the_image()
    {
        var readme = ScriptCommand.InCodeBlocks(Repository.Break(Repository.Read("README.md"), "./prednat publish", "./prednat check"));
        Assert.Contains(DockerfileChecks.BuildStepsAreReadmeCommands(Docker, readme), p => p.Contains("'./prednat publish' is not a command the README shows", StringComparison.Ordinal));
    }

    [Fact]
    public void Only_the_build_stage_builds() => Assert.Empty(DockerfileChecks.OnlyTheBuildStageBuilds(Docker));

    [Fact]
    public void A_second_stage_building_the_app_is_reported()
    {
        var broken = Dockerfile.Parse(Repository.Break(Text, "USER prednat", "COPY . /src\nRUN dotnet build /src/PreDnatAppliance.sln\nUSER prednat"));
        var problems = DockerfileChecks.OnlyTheBuildStageBuilds(broken);
        Assert.Contains(problems, p => p.Contains("runs 'dotnet build", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("copies the whole repository", StringComparison.Ordinal));
    }

    [Fact]
    public void The_runtime_installs_dpdk_from_the_published_package_list() =>
        Assert.Empty(DockerfileChecks.RuntimeInstallsThePublishedPackageList(Docker));

    [Fact]
    public void A_runtime_with_its_own_dpdk_package_list_is_reported()
    {
        var broken = Dockerfile.Parse(Repository.Break(Text, "xargs -a /tmp/runtime-apt-packages apt-get install -y --no-install-recommends curl",
            "apt-get install -y --no-install-recommends curl librte-eal23 librte-ethdev23"));
        var problems = DockerfileChecks.RuntimeInstallsThePublishedPackageList(broken);
        Assert.Contains(problems, p => p.Contains("no 'xargs -a runtime-apt-packages apt-get install' step", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("names the DPDK package 'librte-eal23'", StringComparison.Ordinal));
    }

    [Fact]
    public void The_runtime_packages_of_the_script_are_debian_packages_installed_here()
    {
        // ./prednat test installs dpdk and libdpdk-dev, which pull in every librte-*23 package: a misspelt or
        // renamed package in RUNTIME_APT_PACKAGES is missing here and would fail the image's apt-get install.
        var packages = DockerfileChecks.ScriptArray(Repository.Read("prednat"), "RUNTIME_APT_PACKAGES");
        Assert.Contains("librte-net-memif23", packages);
        Assert.Equal(Array.Empty<string>(), packages.Where(p => !IsInstalled(p)).ToArray());
        Assert.False(IsInstalled("librte-net-nonexistent23"));
    }

    [Fact]
    public void Stages_and_base_images_are_as_documented() => Assert.Empty(DockerfileChecks.StagesAreAsDocumented(Docker, DeploymentDoc));

    [Theory]
    [InlineData("ARG DEBIAN_IMAGE=debian:12-slim", "ARG DEBIAN_IMAGE=debian:13-slim", "not Debian 12")]
    [InlineData("FROM ${DEBIAN_IMAGE} AS bird", "FROM ${DEBIAN_IMAGE} AS routing", "docs/deployment.md lists the stages")]
    public void Stages_that_differ_from_the_documentation_are_reported(string from, string to, string expected)
    {
        var broken = Dockerfile.Parse(Repository.Break(Text, from, to));
        Assert.Contains(DockerfileChecks.StagesAreAsDocumented(broken, DeploymentDoc), p => p.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void The_runtime_runs_the_published_launcher() => Assert.Empty(DockerfileChecks.RuntimeRunsThePublishedApp(Docker));

    [Theory]
    [InlineData("STOPSIGNAL SIGTERM", "STOPSIGNAL SIGKILL", "STOPSIGNAL SIGTERM")]
    [InlineData("USER prednat", "USER root", "non-root USER")]
    [InlineData("/healthz/live || exit 1", "/healthz/ready || exit 1", "HEALTHCHECK")]
    [InlineData("EXPOSE 9091", "EXPOSE 8080", "EXPOSE")]
    [InlineData(", \"--services\", \"/etc/prednat/services.yaml\"]", "]", "ENTRYPOINT")]
    [InlineData("ENTRYPOINT [\"/opt/prednat/prednat\", \"run\"", "ENTRYPOINT [/opt/prednat/prednat, \"run\"", "ENTRYPOINT")]
    [InlineData("COPY --from=build /out/prednat /opt/prednat", "COPY --from=build /out/other /opt/prednat", "does not copy the directory")]
    public void A_runtime_stage_that_breaks_the_contract_is_reported(string from, string to, string expected)
    {
        var broken = Dockerfile.Parse(Repository.Break(Text, from, to));
        Assert.Contains(DockerfileChecks.RuntimeRunsThePublishedApp(broken), p => p.Contains(expected, StringComparison.Ordinal));
    }

    private static bool IsInstalled(string package)
    {
        using var dpkg = Process.Start(new ProcessStartInfo("dpkg-query", new[] { "-W", "-f=${Status}", package })
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var status = dpkg.StandardOutput.ReadToEnd();
        dpkg.StandardError.ReadToEnd();
        dpkg.WaitForExit();
        return dpkg.ExitCode == 0 && status == "install ok installed";
    }
}
