using Npgsql;

namespace DumGum.Tests.Infrastructure;

public sealed class PostgresClusterTests
{
    static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_created_database_takes_a_table_rows_and_queries()
    {
        var cluster = await PostgresCluster.SharedAsync();
        var connectionString = await cluster.CreateDatabaseAsync(Token);
        try
        {
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync(Token);
            await Execute(connection, "CREATE TABLE notes (id int PRIMARY KEY, body text NOT NULL)");
            await Execute(connection, "INSERT INTO notes VALUES (1, 'héllo'), (2, 'world')");

            await using var select = new NpgsqlCommand("SELECT string_agg(body, ' ' ORDER BY id) FROM notes", connection);
            Assert.Equal("héllo world", await select.ExecuteScalarAsync(Token));
        }
        finally
        {
            await cluster.DropDatabaseAsync(connectionString, Token);
        }
    }

    [Fact]
    public async Task Two_created_databases_do_not_share_tables()
    {
        var cluster = await PostgresCluster.SharedAsync();
        var first = await cluster.CreateDatabaseAsync(Token);
        var second = await cluster.CreateDatabaseAsync(Token);
        try
        {
            Assert.NotEqual(new NpgsqlConnectionStringBuilder(first).Database, new NpgsqlConnectionStringBuilder(second).Database);
            await using (var connection = new NpgsqlConnection(first))
            {
                await connection.OpenAsync(Token);
                await Execute(connection, "CREATE TABLE only_in_first (id int)");
            }

            await using var other = new NpgsqlConnection(second);
            await other.OpenAsync(Token);
            await using var lookup = new NpgsqlCommand("SELECT to_regclass('only_in_first') IS NULL", other);
            Assert.Equal(true, await lookup.ExecuteScalarAsync(Token));
        }
        finally
        {
            await cluster.DropDatabaseAsync(first, Token);
            await cluster.DropDatabaseAsync(second, Token);
        }
    }

    static async Task Execute(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(Token);
    }
}
