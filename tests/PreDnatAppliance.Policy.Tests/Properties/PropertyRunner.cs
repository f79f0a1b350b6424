using System.Globalization;
using FsCheck;
using FsCheck.Fluent;
using Microsoft.FSharp.Core;
using Xunit.Abstractions;

namespace PreDnatAppliance.Policy.Tests.Properties;

/// <summary>
/// Runs an FsCheck property from a plain xunit [Fact] with a fixed seed per property, so that CI runs are
/// reproducible. PREDNAT_PROPERTY_SEED=N replays every property with seed N; PREDNAT_TEST_LONG=1 runs ten
/// times as many cases. A failure names the property, the seed and how to replay it.
/// </summary>
public sealed class PropertyRunner
{
    public const string SeedVariable = "PREDNAT_PROPERTY_SEED";
    public const string LongVariable = "PREDNAT_TEST_LONG";

    private readonly ITestOutputHelper _output;
    private long _checks;
    private long _cases;
    private long _vacuous;

    public PropertyRunner(ITestOutputHelper output) => _output = output;

    /// <summary>How many cases a property configured with <paramref name="cases"/> runs in this mode.</summary>
    public static int CasesRun(int cases) => LongMode ? cases * 10 : cases;

    public static bool LongMode => Environment.GetEnvironmentVariable(LongVariable) is { Length: > 0 } v && v != "0";

    /// <summary>Counts one packet (or other elementary) comparison, so that each property can prove it did real work.</summary>
    public void Checked(long count = 1) => Interlocked.Add(ref _checks, count);

    /// <summary>Counts a case whose transformation did not apply (e.g. no independent pair of rules to swap).</summary>
    public void Vacuous() => Interlocked.Increment(ref _vacuous);

    public static ulong SeedFor(string name)
    {
        if (Environment.GetEnvironmentVariable(SeedVariable) is { Length: > 0 } text)
            return ulong.Parse(text, NumberStyles.None, CultureInfo.InvariantCulture);
        // FNV-1a of the property name: stable across runs and machines, different per property.
        var hash = 14695981039346656037UL;
        foreach (var c in name)
            hash = (hash ^ c) * 1099511628211UL;
        return hash;
    }

    /// <param name="cases">Cases in normal mode; long mode runs ten times as many.</param>
    /// <param name="minChecks">The property fails if it compared fewer packets than this (a vacuous generator).</param>
    public void Check<T>(string name, Arbitrary<T> arbitrary, Action<T> body, int cases, long minChecks)
    {
        var seed = SeedFor(name);
        var maxTest = CasesRun(cases);
        var config = Config.QuickThrowOnFailure
            .WithMaxTest(maxTest)
            .WithQuietOnSuccess(true)
            .WithReplay(FSharpOption<Replay>.Some(new Replay(new Rnd(seed), FSharpOption<int>.None)));
        _checks = 0;
        _cases = 0;
        _vacuous = 0;
        var started = DateTime.UtcNow;
        try
        {
            FsCheck.Check.One(config, Prop.ForAll(arbitrary, (T value) =>
            {
                Interlocked.Increment(ref _cases);
                body(value);
            }));
        }
        catch (Exception e)
        {
            throw new Xunit.Sdk.XunitException(
                $"property '{name}' falsified (seed {seed}; replay with {SeedVariable}={seed}):\n{e.Message}");
        }
        var elapsed = DateTime.UtcNow - started;
        _output.WriteLine($"property '{name}': seed {seed}, {_cases} cases ({_vacuous} vacuous), {_checks} checks, {elapsed.TotalMilliseconds:0} ms");
        Assert.True(_checks >= minChecks, $"property '{name}' made only {_checks} checks (expected at least {minChecks}): the generator rarely produces applicable cases");
    }
}
