using System.Net.Http.Headers;

namespace DumGum.Http;

/// <summary>
/// The one retry policy of every outbound call: GETs to customer endpoints (Customers/CustomerClient), webhook
/// deliveries (Webhooks/DeliveryDispatcher) and model calls (Replies/Models/RetryingChatClient). One rule for which
/// statuses are worth another attempt, one <c>Retry-After</c> parser, one jitter formula and one deadline rule; each
/// caller only picks its limits (first delay, back-off cap, how long a <c>Retry-After</c> it honours). See
/// docs/behaviour.md, "Projects and customer endpoints" and "Events", and docs/models.md.
/// </summary>
/// <param name="BaseDelay">The nominal delay before the first retry; it doubles with every further retry.</param>
/// <param name="MaxBackoff">The cap on the nominal delay.</param>
/// <param name="MaxRetryAfter">The longest server-asked wait honoured; a longer one is cut to this.</param>
public sealed record RetryPolicy(TimeSpan BaseDelay, TimeSpan MaxBackoff, TimeSpan MaxRetryAfter)
{
    /// <summary>Timeout, too early, rate limited and server errors are worth retrying; other statuses will fail again.</summary>
    public static bool IsRetryableStatus(int statusCode) =>
        statusCode is 408 or 425 or 429 or (>= 500 and <= 599);

    /// <summary>
    /// A <c>Retry-After</c> header value as a delay from <paramref name="now"/>: delta-seconds or an HTTP-date, as
    /// RFC 9110 writes them (the runtime's own header grammar); a date in the past means zero. Null when the value is
    /// absent or unparseable (negative or fractional seconds, words).
    /// </summary>
    public static TimeSpan? ParseRetryAfter(string? value, DateTimeOffset now)
    {
        if (string.IsNullOrWhiteSpace(value) || !RetryConditionHeaderValue.TryParse(value.Trim(), out var header)) return null;
        if (header.Delta is { } delta) return delta < TimeSpan.Zero ? TimeSpan.Zero : delta;
        if (header.Date is { } date) return date - now is var wait && wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
        return null;
    }

    /// <summary><see cref="ParseRetryAfter(string?, DateTimeOffset)"/> of an HTTP response's header, however it was set.</summary>
    public static TimeSpan? RetryAfter(HttpResponseMessage response, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(response);
        return response.Headers.NonValidated.TryGetValues("Retry-After", out var values) ? ParseRetryAfter(values.ToString(), now) : null;
    }

    /// <summary>
    /// The back-off before retry number <paramref name="retry"/> (0 = first retry): <see cref="BaseDelay"/> × 2ⁿ capped at
    /// <see cref="MaxBackoff"/>, with "equal jitter": half of it fixed, half scaled by <paramref name="sample"/> (0 ≤ sample
    /// &lt; 1), so retries after a shared outage spread out instead of arriving in waves while still waiting at least half.
    /// </summary>
    public TimeSpan Backoff(int retry, double sample)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(retry);
        // Clamp the exponent first: large retry counts must not overflow (the cap is reached long before 2^30).
        var nominal = Math.Min(BaseDelay.TotalMilliseconds * Math.Pow(2, Math.Min(retry, 30)), MaxBackoff.TotalMilliseconds);
        var half = nominal / 2;
        return TimeSpan.FromMilliseconds(half + Math.Clamp(sample, 0, 1) * half);
    }

    /// <summary>
    /// The wait before retry number <paramref name="retry"/>: the back-off, or the server's <c>Retry-After</c> when that is
    /// longer (cut to <see cref="MaxRetryAfter"/>). A shorter Retry-After does not hurry a retry past the back-off.
    /// </summary>
    public TimeSpan Delay(int retry, TimeSpan? retryAfter, double sample)
    {
        var delay = Backoff(retry, sample);
        if (retryAfter is { } after && after > delay) delay = after < MaxRetryAfter ? after : MaxRetryAfter;
        return delay;
    }

    /// <summary>
    /// The deadline rule: a retry is waited for only when the wait ends before <paramref name="deadline"/>; otherwise the
    /// caller gives up now (a run fails with <c>TIMEOUT</c>, an event expires) rather than sleep into its deadline.
    /// </summary>
    public static bool WaitEndsInTime(DateTimeOffset now, TimeSpan delay, DateTimeOffset deadline) => delay < deadline - now;

    /// <summary>
    /// The whole decision after a failed attempt: the wait before retry number <paramref name="retry"/>, or null when that
    /// wait would reach <paramref name="deadline"/> (give up).
    /// </summary>
    public TimeSpan? NextWait(int retry, TimeSpan? retryAfter, DateTimeOffset now, DateTimeOffset deadline, double sample)
    {
        var delay = Delay(retry, retryAfter, sample);
        return WaitEndsInTime(now, delay, deadline) ? delay : null;
    }
}
