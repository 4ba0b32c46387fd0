using DumGum.Storage;
using DumGum.Tests.Infrastructure;
using Npgsql;

namespace DumGum.Tests.Storage;

public sealed class PostgresDatabaseTests
{
    static async Task<string> NewDatabaseAsync() =>
        await (await PostgresCluster.SharedAsync()).CreateDatabaseAsync(TestContext.Current.CancellationToken);

    [Fact]
    public async Task Commits_wait_for_the_flush_even_where_the_server_default_does_not()
    {
        var connectionString = await NewDatabaseAsync();
        var name = new NpgsqlConnectionStringBuilder(connectionString).Database;
        await using (var admin = new NpgsqlConnection(connectionString))
        {
            await admin.OpenAsync(TestContext.Current.CancellationToken);
            await using var off = new NpgsqlCommand($"ALTER DATABASE \"{name}\" SET synchronous_commit = off", admin);
            await off.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
        }

        using var database = Database.Postgres(connectionString);
        using var connection = database.Open();
        Assert.Equal("on", connection.Sql("SHOW synchronous_commit").ExecuteScalar());
    }

    [Fact]
    public async Task Nodes_starting_at_once_on_an_empty_database_apply_the_schema_once_without_errors()
    {
        var connectionString = await NewDatabaseAsync();
        var databases = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => Database.Postgres(connectionString))));
        try
        {
            using var connection = databases[0].Open();
            Assert.Equal(1L, connection.Sql("SELECT COUNT(*) FROM information_schema.tables WHERE table_name = 'enqueues'").ExecuteScalar().AsInt64());
            Assert.Equal("BY DEFAULT", connection.Sql(
                "SELECT identity_generation FROM information_schema.columns WHERE table_name = 'enqueues' AND column_name = 'id'").ExecuteScalar());
        }
        finally
        {
            foreach (var d in databases) d.Dispose();
        }
    }
}
