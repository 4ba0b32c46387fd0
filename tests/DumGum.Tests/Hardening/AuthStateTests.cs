using DumGum.AccessKeys;
using DumGum.Projects;
using DumGum.Storage;
using DumGum.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace DumGum.Tests.Hardening;

/// <summary>
/// docs/behaviour.md, "Bounded authentication state": well-formed unknown keys (anyone can make them) are remembered
/// only up to a limit and for a few seconds; rate-limit buckets of idle keys are pruned. Memory follows real keys.
/// </summary>
public sealed class AuthStateTests
{
    static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_flood_of_distinct_well_formed_unknown_keys_stays_within_the_negative_cache_bound()
    {
        var database = Database.Sqlite(DumGumHost.NewDatabasePath());
        using var writes = new WriteQueue(database, NullLogger<WriteQueue>.Instance);
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var keys = new AccessKeyStore(database, writes, clock);
        var projects = new ProjectStore(database, writes, clock);
        var project = await projects.CreateAsync("flood", new ProjectConfig
        {
            ProfileEndpointUrl = "http://127.0.0.1:9/p", ChatHistoryEndpointUrl = "http://127.0.0.1:9/h", IncomingContentEndpointUrl = "http://127.0.0.1:9/i",
        }, Token);
        var (_, real) = await keys.CreateAsync(project.Id, "real", Token);

        var flood = AccessKeyStore.MaxUnknownKeys * 3;
        for (var i = 0; i < flood; i++)
        {
            var key = AccessKeyFormat.NewKey();
            Assert.True(AccessKeyFormat.IsWellFormed(key));
            Assert.Null(keys.Authenticate(key));
            Assert.True(keys.UnknownKeysCached <= AccessKeyStore.MaxUnknownKeys, $"{keys.UnknownKeysCached} unknown keys cached after {i + 1}");
            if (i % 1000 == 0) clock.Advance(TimeSpan.FromMilliseconds(100));
        }
        Assert.Equal(project.Id, keys.Authenticate(real)?.ProjectId);
        Assert.Equal(1, keys.KnownKeysCached);

        // The same unknown key asked again within a few seconds is answered from the cache; later it is forgotten.
        var repeated = AccessKeyFormat.NewKey();
        Assert.Null(keys.Authenticate(repeated));
        clock.Advance(TimeSpan.FromMinutes(1));
        for (var i = 0; i < AccessKeyStore.MaxUnknownKeys; i++) keys.Authenticate(AccessKeyFormat.NewKey());
        Assert.True(keys.UnknownKeysCached <= AccessKeyStore.MaxUnknownKeys);
    }

    [Fact]
    public async Task A_revoked_key_is_refused_at_once_and_stays_refused()
    {
        var database = Database.Sqlite(DumGumHost.NewDatabasePath());
        using var writes = new WriteQueue(database, NullLogger<WriteQueue>.Instance);
        var keys = new AccessKeyStore(database, writes, TimeProvider.System);
        var projects = new ProjectStore(database, writes, TimeProvider.System);
        var project = await projects.CreateAsync("late", new ProjectConfig
        {
            ProfileEndpointUrl = "http://127.0.0.1:9/p", ChatHistoryEndpointUrl = "http://127.0.0.1:9/h", IncomingContentEndpointUrl = "http://127.0.0.1:9/i",
        }, Token);
        var (info, key) = await keys.CreateAsync(project.Id, "k", Token);
        Assert.NotNull(keys.Authenticate(key));
        Assert.True(await keys.RevokeAsync(project.Id, info.Id, Token));
        Assert.Null(keys.Authenticate(key));
        Assert.Null(keys.Authenticate(key));
    }

    [Fact]
    public void Rate_limit_buckets_of_idle_keys_are_pruned()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var limiter = new KeyRateLimiter(clock);
        var limit = new RateLimit { RequestsPerSecond = 10, Burst = 20 };
        for (var i = 0; i < 5000; i++) Assert.True(limiter.TryAcquire("key_" + i, limit, out _));
        Assert.Equal(5000, limiter.Count);

        // Still busy keys keep their bucket (and its state) across a prune.
        clock.Advance(KeyRateLimiter.PruneEvery + TimeSpan.FromSeconds(1));
        for (var i = 0; i < 20; i++) limiter.TryAcquire("busy", limit, out _);
        Assert.False(limiter.TryAcquire("busy", limit, out var retryAfter));
        Assert.True(retryAfter > TimeSpan.Zero);
        Assert.Equal(1, limiter.Count);

        clock.Advance(KeyRateLimiter.PruneEvery + TimeSpan.FromSeconds(1));
        Assert.True(limiter.TryAcquire("another", limit, out _));
        Assert.Equal(1, limiter.Count);
    }
}
