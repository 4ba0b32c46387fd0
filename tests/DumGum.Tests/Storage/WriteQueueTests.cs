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

    [Fact]
    public async Task A_batched_group_that_fails_is_retried_item_by_item_so_only_the_bad_item_fails()
    {
        using var database = OpenDatabase();
        using var writes = new WriteQueue(database, NullLogger<WriteQueue>.Instance);
        var kind = new SettingsBatch();
        await writes.WriteAsync(kind, "taken");
        // Hold the writer so that the next items are taken as one batch, and so one group.
        using var entered = new ManualResetEventSlim();
        using var gate = new ManualResetEventSlim();
        var blocker = writes.WriteAsync(_ => { entered.Set(); gate.Wait(); });
        Assert.True(entered.Wait(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken));
        var items = new[] { "g1", "g2", "taken", "g3" }.Select(k => (Key: k, Task: writes.WriteAsync(kind, k))).ToList();
        gate.Set();
        await blocker;

        foreach (var (key, task) in items)
        {
            if (key == "taken") await Assert.ThrowsAnyAsync<System.Data.Common.DbException>(() => task);
            else Assert.True(await task);
        }
        using var connection = database.Open();
        Assert.Equal(4L, connection.Sql("SELECT COUNT(*) FROM settings").ExecuteScalar().AsInt64());
    }

    [Fact]
    public async Task A_batch_runs_each_item_once_and_only_a_batch_where_an_item_failed_runs_again()
    {
        using var database = OpenDatabase();
        using var writes = new WriteQueue(database, NullLogger<WriteQueue>.Instance);
        await writes.WriteAsync(w => w.Command("INSERT INTO settings(key, value) VALUES('taken', 'x')").ExecuteNonQuery());

        async Task<int[]> Batch(params string[] keys)
        {
            // Hold the writer so that the items are taken as one batch; count how often each one runs.
            var runs = new int[keys.Length];
            using var entered = new ManualResetEventSlim();
            using var gate = new ManualResetEventSlim();
            var blocker = writes.WriteAsync(_ => { entered.Set(); gate.Wait(); });
            Assert.True(entered.Wait(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken));
            var tasks = keys.Select((key, i) => writes.WriteAsync(w =>
            {
                Interlocked.Increment(ref runs[i]);
                return w.Command("INSERT INTO settings(key, value) VALUES(@k, 'v')").With("@k", key).ExecuteNonQuery();
            })).ToList();
            gate.Set();
            await blocker;
            foreach (var (key, task) in keys.Zip(tasks))
                if (key == "taken") await Assert.ThrowsAnyAsync<System.Data.Common.DbException>(() => task);
                else Assert.Equal(1, await task);
            return runs;
        }

        // Nothing fails: one pass, no savepoints or second transactions.
        var once = await Batch("a1", "a2", "a3");
        Assert.Equal([1, 1, 1], once);
        // One fails: the pass stops there, is rolled back, and the batch runs again so that the others still commit
        // (each exactly once, as the count of rows below shows); an item after the failed one runs only in that second pass.
        var again = await Batch("b1", "taken", "b2");
        Assert.Equal([2, 2, 1], again);
        using var connection = database.Open();
        Assert.Equal(5L, connection.Sql("SELECT COUNT(*) FROM settings WHERE key <> 'taken'").ExecuteScalar().AsInt64());
    }
}

/// <summary>Writes every item of a batch with one statement each: one bad item makes the whole group throw.</summary>
sealed class SettingsBatch : BatchWrite<string, bool>
{
    public override IReadOnlyList<bool> Execute(WriteQueue.Writer writer, IReadOnlyList<string> items)
    {
        foreach (var key in items) writer.Command("INSERT INTO settings(key, value) VALUES(@k, 'v')").With("@k", key).ExecuteNonQuery();
        return items.Select(_ => true).ToList();
    }
}

public sealed class WriteQueueTestsOnSqlite() : WriteQueueTests(StorageProvider.Sqlite)
{
    [Fact]
    public async Task The_writer_keeps_its_statement_journal_in_memory()
    {
        // A batch where an item failed runs again with a savepoint per item; on disk, the statement journal of such
        // batches wrote about 30 times the data stored (BENCHMARKS.md, "Where the writer's time goes"). 2 = MEMORY.
        using var database = OpenDatabase();
        using var writes = new WriteQueue(database, NullLogger<WriteQueue>.Instance);
        Assert.Equal(2L, await writes.WriteAsync(w => w.Command("PRAGMA temp_store").ExecuteScalar().AsInt64()));
        // Only the writer's connection: readers sort in temporary files as before.
        using var reader = database.Open();
        Assert.Equal(0L, reader.Sql("PRAGMA temp_store").ExecuteScalar().AsInt64());
    }
}

public sealed class WriteQueueTestsOnPostgres() : WriteQueueTests(StorageProvider.Postgres);
