using DumGum.Http;

namespace DumGum.Customers;

/// <summary>
/// The limits of the shared <see cref="RetryPolicy"/> for calls to customer endpoints (Profile, Chat History, Incoming
/// Content, the memory webhook): 0.5 s × 2ⁿ, at most 10 s, and any <c>Retry-After</c> the customer asks for, since the run's
/// (or the event's) deadline already bounds the wait (docs/behaviour.md, "Projects and customer endpoints").
/// </summary>
public static class RetryBackoff
{
    public static readonly RetryPolicy Policy = new(TimeSpan.FromSeconds(0.5), TimeSpan.FromSeconds(10), TimeSpan.MaxValue);

    /// <summary>The back-off before retry number <paramref name="attempt"/> (0 = first retry), jittered by <paramref name="random"/>.</summary>
    public static TimeSpan Delay(int attempt, Random random)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(attempt);
        ArgumentNullException.ThrowIfNull(random);
        // Jitter is about spreading load, not secrecy, so a plain Random is right here.
#pragma warning disable CA5394
        return Policy.Backoff(attempt, random.NextDouble());
#pragma warning restore CA5394
    }

    /// <inheritdoc cref="RetryPolicy.IsRetryableStatus"/>
    public static bool IsRetryable(int statusCode) => RetryPolicy.IsRetryableStatus(statusCode);

    /// <inheritdoc cref="RetryPolicy.RetryAfter"/>
    public static TimeSpan? RetryAfter(HttpResponseMessage response, DateTimeOffset now) => RetryPolicy.RetryAfter(response, now);

    /// <summary>
    /// The decision after failed attempt number <paramref name="failedAttempts"/> (1 = the first): the wait before the next
    /// attempt, or null when it would reach <paramref name="deadline"/>. Customer calls and webhook deliveries both use it.
    /// </summary>
    public static TimeSpan? NextWait(int failedAttempts, TimeSpan? retryAfter, DateTimeOffset now, DateTimeOffset deadline)
    {
#pragma warning disable CA5394
        return Policy.NextWait(failedAttempts - 1, retryAfter, now, deadline, Random.Shared.NextDouble());
#pragma warning restore CA5394
    }
}
