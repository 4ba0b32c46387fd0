using System.Collections.Concurrent;
using DumGum.Projects;

namespace DumGum.AccessKeys;

/// <summary>
/// A token bucket per access key; the rate and burst come from the key's project. Idle buckets are pruned
/// (docs/behaviour.md, "Bounded authentication state"): a bucket that has had time to refill completely is the same as
/// a new one, so it is dropped once it has been idle that long (and at least <see cref="IdleAfter"/>), at most once a
/// <see cref="PruneEvery"/>. Memory then follows the keys in use, not every key ever used.
/// </summary>
public sealed class KeyRateLimiter(TimeProvider clock)
{
    public static readonly TimeSpan IdleAfter = TimeSpan.FromMinutes(1);
    public static readonly TimeSpan PruneEvery = TimeSpan.FromMinutes(1);

    sealed class Bucket
    {
        public double Tokens;
        public long UpdatedAt;
        public double RefillSeconds;
    }

    readonly ConcurrentDictionary<string, Bucket> buckets = new(StringComparer.Ordinal);
    long lastPrune = clock.GetTimestamp();
    int pruning;

    /// <summary>How many buckets are held now.</summary>
    public int Count => buckets.Count;

    /// <summary>Takes one token; when none is left, returns how long until one is.</summary>
    public bool TryAcquire(string keyId, RateLimit limit, out TimeSpan retryAfter)
    {
        ArgumentNullException.ThrowIfNull(limit);
        var now = clock.GetTimestamp();
        PruneIfDue(now);
        var bucket = buckets.GetOrAdd(keyId, _ => new Bucket { Tokens = limit.Burst, UpdatedAt = now });
        lock (bucket)
        {
            var elapsed = clock.GetElapsedTime(bucket.UpdatedAt, now).TotalSeconds;
            bucket.Tokens = Math.Min(limit.Burst, bucket.Tokens + elapsed * limit.RequestsPerSecond);
            bucket.UpdatedAt = now;
            bucket.RefillSeconds = (limit.Burst - bucket.Tokens + 1) / Math.Max(limit.RequestsPerSecond, 0.001);
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

    void PruneIfDue(long now)
    {
        if (clock.GetElapsedTime(Interlocked.Read(ref lastPrune), now) < PruneEvery) return;
        if (Interlocked.Exchange(ref pruning, 1) == 1) return;
        try
        {
            Interlocked.Exchange(ref lastPrune, now);
            foreach (var (key, bucket) in buckets)
            {
                lock (bucket)
                {
                    var idle = clock.GetElapsedTime(bucket.UpdatedAt, now).TotalSeconds;
                    if (idle < IdleAfter.TotalSeconds || idle < bucket.RefillSeconds) continue;
                }
                // A request that takes this bucket right now gets a full new one instead, which it would have had anyway.
                buckets.TryRemove(new KeyValuePair<string, Bucket>(key, bucket));
            }
        }
        finally
        {
            Volatile.Write(ref pruning, 0);
        }
    }
}
