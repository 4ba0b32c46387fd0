using DumGum.Storage;
using DumGum.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;

namespace DumGum.Tests.Storage;

/// <summary>The helpers of <see cref="SqlDialect"/> do the same thing on both providers, whatever SQL each sends.</summary>
public abstract class SqlDialectTests(StorageProvider provider) : StorageSuite(provider)
{
    sealed record Row(long Id, string Event, string? Owner, long At);

    [Fact]
    public async Task Rows_written_as_a_batch_keep_each_rows_values_nulls_included()
    {
        using var database = OpenDatabase();
        using var writes = new WriteQueue(database, NullLogger<WriteQueue>.Instance);
        var dialect = database.Dialect;

        var ids = await writes.WriteAsync(w =>
        {
            var reserved = dialect.ReserveIds(w, "deliveries", 3);
            dialect.InsertRows(w, "deliveries", reserved.Select((id, i) => new Row(id, $"e{i}", i == 1 ? null : $"n{i}", 100 + i)).ToList(), Columns);
            return reserved;
        });
        Assert.Equal(ids.Order(), ids);
        Assert.Equal(3, ids.Distinct().Count());
        // Ids handed out later come after the reserved ones.
        var later = await writes.WriteAsync(w => dialect.ReserveIds(w, "deliveries", 1)[0]);
        Assert.True(later > ids[^1]);

        await writes.WriteAsync(w => dialect.ForRows(w, new[] { (Id: ids[0], Status: "delivered"), (Id: ids[2], Status: "failed") }, """
            UPDATE deliveries AS d SET status = v.status, delivered_at = CASE WHEN v.status = 'delivered' THEN d.created_at END
            FROM {rows} WHERE d.id = v.id
            """, rows => rows.Column("id", r => r.Id).Column("status", r => r.Status)));

        using var connection = database.Open();
        using var reader = connection.Sql("SELECT id, event, owner, status, delivered_at FROM deliveries ORDER BY id").ExecuteReader();
        var read = new List<string>();
        while (reader.Read())
            read.Add($"{reader.GetInt64(0) - ids[0]} {reader.GetString(1)} {reader.StringOrNull(2) ?? "-"} {reader.GetString(3)} {reader.Int64OrNull(4)?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-"}");
        Assert.Equal(["0 e0 n0 delivered 100", "1 e1 - pending -", "2 e2 n2 failed -"], read);
    }

    static void Columns(RowColumns<Row> rows) => rows
        .Column("id", r => r.Id).Column("project_id", _ => "p").Column("conversation_id", _ => 1L).Column("run_token", _ => 1L)
        .Column("webhook_id", r => "wh-" + r.Event).Column("event", r => r.Event).Column("body", _ => "{}")
        .Column("not_before", r => r.At).Column("deadline_at", r => r.At).Column("owner", r => r.Owner)
        .Column("status", _ => "pending").Column("created_at", r => r.At);

    [Fact]
    public async Task The_skip_locked_fragment_skips_rows_another_transaction_holds_where_the_database_has_row_locks()
    {
        using var database = OpenDatabase();
        using var writes = new WriteQueue(database, NullLogger<WriteQueue>.Instance);
        var ids = await writes.WriteAsync(w =>
        {
            var reserved = database.Dialect.ReserveIds(w, "deliveries", 3);
            database.Dialect.InsertRows(w, "deliveries", reserved.Select(id => new Row(id, $"e{id}", null, 1)).ToList(), Columns);
            return reserved;
        });

        // PostgreSQL: another node is busy with the first row. (SQLite has one writer at a time: nothing to skip.)
        using var other = Provider == StorageProvider.Postgres ? database.Open() : null;
        using var busy = other?.BeginTransaction();
        if (other is not null) other.Sql($"SELECT id FROM deliveries WHERE id = {ids[0]} FOR UPDATE").ExecuteNonQuery();

        var taken = await writes.WriteAsync(w => w.Command($"""
            UPDATE deliveries SET owner = 'me' WHERE id IN (SELECT id FROM deliveries WHERE status = 'pending' ORDER BY id LIMIT 10{database.Dialect.SkipLocked})
            """).ExecuteNonQuery());
        Assert.Equal(Provider == StorageProvider.Postgres ? 2 : 3, taken);
    }

    [Fact]
    public void The_topology_follows_the_provider_unless_set()
    {
        var location = DumGumHost.NewDatabase(Provider);
        using (var byDefault = OpenDatabase(location))
            Assert.Equal(Provider == StorageProvider.Postgres ? StorageTopology.Cluster : StorageTopology.SingleNode, byDefault.Topology);
        var other = Provider == StorageProvider.Postgres ? StorageTopology.SingleNode : StorageTopology.Cluster;
        using var set = Provider == StorageProvider.Sqlite ? Database.Sqlite(location, other) : Database.Postgres(location, other);
        Assert.Equal(other, set.Topology);
        Assert.Equal(other == StorageTopology.Cluster, set.IsCluster);
    }
}

public sealed class SqlDialectTestsOnSqlite() : SqlDialectTests(StorageProvider.Sqlite);

public sealed class SqlDialectTestsOnPostgres() : SqlDialectTests(StorageProvider.Postgres);
