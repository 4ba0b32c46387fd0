using System.Net.Http.Headers;

namespace DumGum.Customers;

/// <summary>
/// Retry timing for calls to customer endpoints: exponential backoff with "equal jitter" so that retries after a
/// shared outage spread out instead of arriving in waves, while still waiting at least half the nominal delay.
/// </summary>
public static class RetryBackoff
{
    static readonly TimeSpan BaseDelay = TimeSpan.FromSeconds(0.5);
    static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Delay before retry number <paramref name="attempt"/> (0 = first retry): nominal 0.5 s × 2^attempt capped at
    /// 10 s, of which half is fixed and half uniformly random.
    /// </summary>
    public static TimeSpan Delay(int attempt, Random random)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(attempt);
        ArgumentNullException.ThrowIfNull(random);
        // Clamp the exponent first: 2^5 × 0.5 s already exceeds the cap, and large attempts must not overflow.
        var nominal = Math.Min(BaseDelay.TotalSeconds * Math.Pow(2, Math.Min(attempt, 30)), MaxDelay.TotalSeconds);
        var half = nominal / 2;
        // Jitter is about spreading load, not secrecy, so a plain Random is right here.
#pragma warning disable CA5394
        var jitter = random.NextDouble() * half;
#pragma warning restore CA5394
        return TimeSpan.FromSeconds(half + jitter);
    }

    /// <summary>Timeout, too early, rate limited and server errors are worth retrying; other 4xx will fail again.</summary>
    public static bool IsRetryable(int statusCode) =>
        statusCode is 408 or 425 or 429 or (>= 500 and <= 599);

    /// <summary>
    /// The server's Retry-After as a delay from <paramref name="now"/>, in either delta-seconds or HTTP-date form;
    /// a date in the past means "now" (zero). Null when the header is absent or unparseable.
    /// </summary>
    public static TimeSpan? RetryAfter(HttpResponseMessage response, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(response);
        RetryConditionHeaderValue? header = response.Headers.RetryAfter;
        if (header?.Delta is { } delta) return delta < TimeSpan.Zero ? TimeSpan.Zero : delta;
        if (header?.Date is { } date)
        {
            var wait = date - now;
            return wait < TimeSpan.Zero ? TimeSpan.Zero : wait;
        }
        return null;
    }
}
