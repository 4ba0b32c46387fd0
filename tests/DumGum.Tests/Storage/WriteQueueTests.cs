using DumGum.Storage;
using DumGum.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;

namespace DumGum.Tests.Storage;

public abstract class WriteQueueTests(StorageProvider provider) : StorageSuite(provider)
{
    [Fact]
    public async Task A_failing_item_fails_alone_and_every_other_item_of_its_batch_commits_exactly_once()
    {
        using var database = OpenDatabase();
        using var writes = new WriteQueue(database, NullLogger<WriteQueue>.Instance);
        // Many writers at once so items share batches; every 7th violates the primary key of settings.
        await writes.WriteAsync(w => w.Command("INSERT INTO settings(key, value) VALUES('taken', 'x')").ExecuteNonQuery());
        var tasks = Enumerable.Range(0, 200).Select(i => Task.Run(() => writes.WriteAsync(w =>
            w.Command("INSERT INTO settings(key, value) VALUES(@k, 'v')").With("@k", i % 7 == 0 ? "taken" : $"k{i}").ExecuteNonQuery()))).ToList();
        var results = await Task.WhenAll(tasks.Select(async t => { try { await t; return true; } catch (System.Data.Common.DbException) { return false; } }));

        Assert.Equal(200 - 29, results.Count(ok => ok));
        using var connection = database.Open();
        Assert.Equal(200L - 29 + 1, connection.Sql("SELECT COUNT(*) FROM settings").ExecuteScalar().AsInt64());
    }
}

public sealed class WriteQueueTestsOnSqlite() : WriteQueueTests(StorageProvider.Sqlite);

public sealed class WriteQueueTestsOnPostgres() : WriteQueueTests(StorageProvider.Postgres);
