using DumGum.Storage;
using DumGum.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace DumGum.Tests.Storage;

public abstract class RetentionTests(StorageProvider provider) : StorageSuite(provider)
{
    [Fact]
    public async Task Aged_events_logs_and_answers_go_while_pending_events_and_recent_rows_stay()
    {
        using var database = OpenDatabase();
        using var writes = new WriteQueue(database, NullLogger<WriteQueue>.Instance);
        var now = new DateTimeOffset(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);
        var old = (now - TimeSpan.FromDays(40)).ToUnixMs();
        var recent = (now - TimeSpan.FromDays(1)).ToUnixMs();
        await writes.WriteAsync(w =>
        {
            foreach (var (status, at) in new[] { ("delivered", old), ("pending", old), ("cancelled", old), ("delivered", recent) })
                w.Command("""
                        INSERT INTO deliveries(project_id, conversation_id, run_token, webhook_id, event, body, not_before, deadline_at, status, created_at)
                        VALUES('proj_r', 1, 1, @wid, 'answer.created', '{}', @at, @at, @status, @at)
                        """).With("@wid", Guid.NewGuid().ToString("N")).With("@at", at).With("@status", status).ExecuteNonQuery();
            foreach (var at in new[] { old, old, recent })
                w.Command("INSERT INTO call_logs(project_id, at, kind, url, latency_ms, attempt) VALUES('proj_r', @at, 'profile', 'http://x', 1, 1)")
                    .With("@at", at).ExecuteNonQuery();
            foreach (var at in new[] { old, recent })
                w.Command("INSERT INTO answers(id, project_id, conversation_id, created_at, answer) VALUES(@id, 'proj_r', 1, @at, '{}')")
                    .With("@id", Guid.NewGuid().ToString("N")).With("@at", at).ExecuteNonQuery();
        });
        var retention = new Retention(writes, new FakeTimeProvider(now), Options.Create(new RetentionOptions()), NullLogger<Retention>.Instance);

        Assert.Equal(2 + 2 + 1, await retention.RunOnceAsync(TestContext.Current.CancellationToken));

        using var connection = database.Open();
        long Count(string sql) => connection.Sql(sql).ExecuteScalar().AsInt64()!.Value;
        Assert.Equal(1L, Count("SELECT COUNT(*) FROM deliveries WHERE status = 'pending'"));
        Assert.Equal(2L, Count("SELECT COUNT(*) FROM deliveries"));
        Assert.Equal(1L, Count("SELECT COUNT(*) FROM call_logs"));
        Assert.Equal(1L, Count("SELECT COUNT(*) FROM answers"));
        Assert.Equal(0, await retention.RunOnceAsync(TestContext.Current.CancellationToken));
    }
}

public sealed class RetentionTestsOnSqlite() : RetentionTests(StorageProvider.Sqlite);

public sealed class RetentionTestsOnPostgres() : RetentionTests(StorageProvider.Postgres);
