using DumGum.Customers;
using DumGum.Storage;
using DumGum.Tests.Infrastructure;
using DumGum.Replies.Vision;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace DumGum.Tests.Vision;

/// <summary>The analysis cache on each provider: per project and URL, overwritten on re-analysis, pruned once expired.</summary>
public abstract class VisionCacheTests(StorageProvider provider) : StorageSuite(provider)
{
    [Fact]
    public async Task Analyses_are_kept_per_project_until_they_expire_and_then_pruned()
    {
        using var database = OpenDatabase();
        using var writes = new WriteQueue(database, NullLogger<WriteQueue>.Instance);
        using var services = new ServiceCollection().AddHttpClient().BuildServiceProvider();
        var cache = new VisionCache(database, writes, services.GetRequiredService<IHttpClientFactory>(),
            Options.Create(new VisionOptions()), Options.Create(new OutboundOptions()));
        var now = new DateTimeOffset(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);
        var ct = TestContext.Current.CancellationToken;
        const string url = "https://cdn.example.com/a.jpg";

        await cache.StoreAsync("proj_a", url, new PictureAnalysis("A dog.", null), new CachePolicy(TimeSpan.FromHours(1), "max-age=3600"), now, ct);
        await cache.StoreAsync("proj_b", url, new PictureAnalysis("A knife.", "VIOLENT_CONTENT"), new CachePolicy(TimeSpan.FromDays(7), "default"), now, ct);
        await cache.StoreAsync("proj_c", url, new PictureAnalysis("Secret.", null), new CachePolicy(TimeSpan.Zero, "no-store"), now, ct);

        Assert.Equal(new PictureAnalysis("A dog.", null), cache.Find("proj_a", url, now.AddMinutes(59)));
        Assert.Equal(new PictureAnalysis("A knife.", "VIOLENT_CONTENT"), cache.Find("proj_b", url, now.AddMinutes(59)));
        Assert.Null(cache.Find("proj_c", url, now));                   // no-store: never kept
        Assert.Null(cache.Find("proj_a", url, now.AddHours(1)));       // expired

        // Analysed again: the row is replaced, not duplicated.
        await cache.StoreAsync("proj_a", url, new PictureAnalysis("A bigger dog.", null), new CachePolicy(TimeSpan.FromHours(1), "max-age=3600"), now.AddHours(2), ct);
        Assert.Equal("A bigger dog.", cache.Find("proj_a", url, now.AddHours(2))!.Description);

        // Retention deletes what expired, and only that.
        var retention = new Retention(writes, new FakeTimeProvider(now.AddDays(1)), Options.Create(new RetentionOptions()), NullLogger<Retention>.Instance);
        Assert.Equal(1, await retention.RunOnceAsync(ct));
        using var connection = database.Open();
        Assert.Equal(1L, connection.Sql("SELECT COUNT(*) FROM vision_analyses").ExecuteScalar().AsInt64());
        Assert.NotNull(cache.Find("proj_b", url, now.AddDays(1)));
    }
}

public sealed class VisionCacheTestsOnSqlite() : VisionCacheTests(StorageProvider.Sqlite);

public sealed class VisionCacheTestsOnPostgres() : VisionCacheTests(StorageProvider.Postgres);
