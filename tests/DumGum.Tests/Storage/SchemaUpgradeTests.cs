using System.Net;
using DumGum.Storage;
using DumGum.Tests.Infrastructure;
using DumGum.Webhooks;

namespace DumGum.Tests.Storage;

/// <summary>
/// A database written by an older DumGum (before the columns added since the first release existed) is upgraded in
/// place when the server starts, keeps its data, and works: its project and key still answer, runs and deliveries
/// use the new columns.
/// </summary>
public abstract class SchemaUpgradeTests(StorageProvider provider) : StorageSuite(provider)
{
    /// <summary>The columns added after the first release (the older schema is today's without them).</summary>
    static readonly (string Table, string Column)[] AddedSinceFirstRelease =
    [
        ("deliveries", "pause_ms"), ("deliveries", "serves_through"), ("deliveries", "owner"),
        ("conversations", "restarts"), ("call_logs", "delivery_id"), ("call_logs", "response_excerpt"),
        ("usage_hourly", "self_harm_runs"),
    ];

    [Fact]
    public async Task An_older_database_is_upgraded_at_start_and_keeps_working()
    {
        await using var customer = await FakeCustomer.StartAsync();
        customer.AddPair("u-old", "p-old", "hello from before the upgrade");
        var location = DumGumHost.NewDatabase(Provider);
        DumGumHost.TestProject project;
        await using (var before = StartHost(location))
            project = await before.CreateProjectAsync(customer);
        MakeOlder(location);
        Assert.All(AddedSinceFirstRelease, c => Assert.False(HasColumn(location, c.Table, c.Column), $"{c.Table}.{c.Column} was dropped"));

        await using var host = StartHost(location);

        Assert.All(AddedSinceFirstRelease, c => Assert.True(HasColumn(location, c.Table, c.Column), $"{c.Table}.{c.Column} is back"));
        using var response = await host.EnqueueAsync(project.Key, new
        {
            userProfileId = "u-old", personaProfileId = "p-old", language = "EN",
            replyParameters = new { bufferSeconds = 0 },
        });
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        var answer = (await customer.WaitForEventAsync(Events.AnswerCreated))[0];
        Assert.Equal("u-old", FakeCustomer.UserOf(answer));
        await host.WaitForLogsAsync(project.Id, "incoming_content", logs => logs.Count >= 2);
    }

    /// <summary>Turns today's schema into the first release's: the later columns (and the index on one) dropped.</summary>
    void MakeOlder(string location)
    {
        using var database = OpenDatabase(location);
        using var connection = database.Open();
        Database.Execute(connection, "DROP INDEX IF EXISTS call_logs_delivery");
        foreach (var (table, column) in AddedSinceFirstRelease)
            Database.Execute(connection, $"ALTER TABLE {table} DROP COLUMN {column}");
    }

    /// <summary>Reads the catalogue on a plain connection, so looking does not itself apply the schema.</summary>
    bool HasColumn(string location, string table, string column)
    {
        using System.Data.Common.DbConnection connection = Provider == StorageProvider.Sqlite
            ? new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={location};Mode=ReadOnly;Pooling=False")
            : new Npgsql.NpgsqlConnection(location);
        connection.Open();
        using var command = connection.Sql(Provider == StorageProvider.Sqlite
            ? "SELECT COUNT(*) FROM pragma_table_info(@t) WHERE name = @c"
            : "SELECT COUNT(*) FROM information_schema.columns WHERE table_name = @t AND column_name = @c")
            .With("@t", table).With("@c", column);
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) == 1;
    }
}

public sealed class SchemaUpgradeTestsOnSqlite() : SchemaUpgradeTests(StorageProvider.Sqlite);

public sealed class SchemaUpgradeTestsOnPostgres() : SchemaUpgradeTests(StorageProvider.Postgres);
