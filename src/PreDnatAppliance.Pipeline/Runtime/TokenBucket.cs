namespace PreDnatAppliance.Pipeline.Runtime;

/// <summary>
/// A token bucket on the caller's clock (per worker, no sharing): <see cref="TryTake"/> succeeds at most
/// <c>rate</c> times per second on average and <c>burst</c> times back to back. Used to rate-limit the ICMP
/// errors the appliance sends (Linux's icmp_ratelimit does the same for REJECT).
/// </summary>
public sealed class TokenBucket
{
    private readonly double _tokensPerTick;
    private readonly double _burst;
    private double _tokens;
    private long _last;
    private bool _started;

    public TokenBucket(double ratePerSecond, int burst, long ticksPerSecond)
    {
        _tokensPerTick = ratePerSecond / ticksPerSecond;
        _burst = Math.Max(1, burst);
        _tokens = ratePerSecond > 0 ? _burst : 0;
    }

    public bool TryTake(long now)
    {
        if (!_started)
        {
            _started = true;
            _last = now;
        }
        else if (now > _last)
        {
            _tokens = Math.Min(_burst, _tokens + (now - _last) * _tokensPerTick);
            _last = now;
        }
        if (_tokens < 1)
            return false;
        _tokens -= 1;
        return true;
    }
}
