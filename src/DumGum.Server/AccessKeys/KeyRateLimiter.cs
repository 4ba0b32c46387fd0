using System.Collections.Concurrent;
using DumGum.Projects;

namespace DumGum.AccessKeys;

/// <summary>A token bucket per access key; the rate and burst come from the key's project.</summary>
public sealed class KeyRateLimiter(TimeProvider clock)
{
    sealed class Bucket
    {
        public double Tokens;
        public long UpdatedAt;
    }

    readonly ConcurrentDictionary<string, Bucket> buckets = new(StringComparer.Ordinal);

    /// <summary>Takes one token; when none is left, returns how long until one is.</summary>
    public bool TryAcquire(string keyId, RateLimit limit, out TimeSpan retryAfter)
    {
        var now = clock.GetTimestamp();
        var bucket = buckets.GetOrAdd(keyId, _ => new Bucket { Tokens = limit.Burst, UpdatedAt = now });
        lock (bucket)
        {
            var elapsed = clock.GetElapsedTime(bucket.UpdatedAt, now).TotalSeconds;
            bucket.Tokens = Math.Min(limit.Burst, bucket.Tokens + elapsed * limit.RequestsPerSecond);
            bucket.UpdatedAt = now;
            if (bucket.Tokens >= 1)
            {
                bucket.Tokens -= 1;
                retryAfter = TimeSpan.Zero;
                return true;
            }
            retryAfter = TimeSpan.FromSeconds((1 - bucket.Tokens) / Math.Max(limit.RequestsPerSecond, 0.001));
            return false;
        }
    }
}
