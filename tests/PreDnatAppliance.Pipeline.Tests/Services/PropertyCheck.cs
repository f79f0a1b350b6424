using System.Globalization;
using FsCheck;
using FsCheck.Fluent;
using Microsoft.FSharp.Core;
using Xunit.Abstractions;

namespace PreDnatAppliance.Pipeline.Tests.Services;

/// <summary>
/// Runs an FsCheck property from a plain [Fact] with a fixed seed per property (reproducible CI runs).
/// PREDNAT_PROPERTY_SEED=N replays with seed N; PREDNAT_TEST_LONG=1 runs ten times as many cases.
/// </summary>
internal static class PropertyCheck
{
    public static bool LongMode => Environment.GetEnvironmentVariable("PREDNAT_TEST_LONG") is { Length: > 0 } v && v != "0";

    public static void Run<T>(ITestOutputHelper output, string name, Arbitrary<T> arbitrary, Action<T> body, int cases)
    {
        var seed = Seed(name);
        var config = Config.QuickThrowOnFailure
            .WithMaxTest(LongMode ? cases * 10 : cases)
            .WithQuietOnSuccess(true)
            .WithReplay(FSharpOption<Replay>.Some(new Replay(new Rnd(seed), FSharpOption<int>.None)));
        var count = 0;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            Check.One(config, Prop.ForAll(arbitrary, (T value) =>
            {
                count++;
                body(value);
            }));
        }
        catch (Exception e)
        {
            throw new Xunit.Sdk.XunitException($"property '{name}' falsified (seed {seed}; replay with PREDNAT_PROPERTY_SEED={seed}):\n{e.Message}");
        }
        output.WriteLine($"property '{name}': seed {seed}, {count} cases, {clock.ElapsedMilliseconds} ms");
        Assert.True(count > 0);
    }

    private static ulong Seed(string name)
    {
        if (Environment.GetEnvironmentVariable("PREDNAT_PROPERTY_SEED") is { Length: > 0 } text)
            return ulong.Parse(text, NumberStyles.None, CultureInfo.InvariantCulture);
        var hash = 14695981039346656037UL;
        foreach (var c in name)
            hash = (hash ^ c) * 1099511628211UL;
        return hash;
    }
}
