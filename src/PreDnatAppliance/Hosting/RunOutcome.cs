namespace PreDnatAppliance.Hosting;

/// <summary>The exit code the run ends with: 0 unless a part failed (start, a worker loop, mbufs not returned).</summary>
public sealed class RunOutcome
{
    private int _exitCode;

    public int ExitCode => Volatile.Read(ref _exitCode);

    /// <summary>Records a failure; the first one's code wins.</summary>
    public void Fail(int exitCode) => Interlocked.CompareExchange(ref _exitCode, exitCode, 0);
}
