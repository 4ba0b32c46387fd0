using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace DumGum.Storage;

public enum StorageProvider { Sqlite, Postgres }

/// <summary>
/// The database, on one of two providers:
/// <list type="bullet">
/// <item>SQLite (the default): one file, WAL mode, <c>synchronous=FULL</c> so a committed transaction survives power
/// loss. One node by default.</item>
/// <item>PostgreSQL (<c>Storage:Provider=Postgres</c>, <c>ConnectionStrings:Postgres</c>): several nodes by default.
/// Commits wait for the WAL flush (<c>synchronous_commit=on</c>, forced per connection whatever the server default).</item>
/// </list>
/// Every statement is plain SQL with <c>@name</c> parameters that both providers accept; every difference between
/// the two dialects is asked of <see cref="Dialect"/> (<see cref="SqlDialect"/>), and how many nodes share the
/// database is <see cref="Topology"/>, a setting of its own. Opening connections (here) is the only other place that
/// knows the provider. Reads open their own pooled connections; every write goes through <see cref="WriteQueue"/>.
/// </summary>
public sealed class Database : IDisposable
{
    readonly string? sqliteConnectionString;
    readonly NpgsqlDataSource? postgres;

    Database(SqlDialect dialect, StorageTopology? topology, string describe, string? sqlitePath, string? sqliteConnectionString, NpgsqlDataSource? postgres)
    {
        Dialect = dialect;
        Topology = topology ?? dialect.DefaultTopology;
        Describe = describe;
        SqlitePath = sqlitePath;
        this.sqliteConnectionString = sqliteConnectionString;
        this.postgres = postgres;
    }

    /// <summary>What differs between the providers' SQL.</summary>
    public SqlDialect Dialect { get; }

    /// <summary>Whether other nodes share this database (<c>Storage:Topology</c>; by default, as <see cref="SqlDialect.DefaultTopology"/>).</summary>
    public StorageTopology Topology { get; }

    /// <summary>Whether other nodes share the database: cluster notices, resyncs, heartbeats and adoption of dead nodes' work.</summary>
    public bool IsCluster => Topology == StorageTopology.Cluster;

    /// <summary>Where the data lives, for logs and errors (never a password).</summary>
    public string Describe { get; }

    /// <summary>The SQLite file (null on PostgreSQL).</summary>
    public string? SqlitePath { get; }

    /// <summary>The folder for files kept beside the data (the sample customer's key): the SQLite file's folder, else <c>data/</c>.</summary>
    public string DataDirectory => System.IO.Path.GetDirectoryName(SqlitePath ?? System.IO.Path.GetFullPath("data/x"))!;

    /// <summary>
    /// <c>Storage:Provider</c> (Sqlite | Postgres), <c>Storage:Sqlite:Path</c>, <c>ConnectionStrings:Postgres</c>;
    /// <paramref name="topology"/> is <c>Storage:Topology</c> (checked at start, <see cref="StorageOptions"/>), null for the provider's default.
    /// </summary>
    public static Database FromConfiguration(IConfiguration config, StorageTopology? topology = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        var provider = config["Storage:Provider"];
        if (string.IsNullOrEmpty(provider) || provider.Equals("Sqlite", StringComparison.OrdinalIgnoreCase))
            return Sqlite(config["Storage:Sqlite:Path"] is { Length: > 0 } p ? p : "data/dumgum.db", topology);
        if (provider.Equals("Postgres", StringComparison.OrdinalIgnoreCase) || provider.Equals("PostgreSQL", StringComparison.OrdinalIgnoreCase))
            return Postgres(config.GetConnectionString("Postgres") is { Length: > 0 } cs ? cs
                : throw new InvalidOperationException("Storage:Provider is Postgres but ConnectionStrings:Postgres is not set."), topology);
        throw new InvalidOperationException($"Storage:Provider '{provider}' is not known; use Sqlite or Postgres.");
    }

    public static Database Sqlite(string path, StorageTopology? topology = null)
    {
        var full = System.IO.Path.GetFullPath(path);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        var connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = full,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();
        var database = new Database(SqlDialect.Sqlite, topology, full, full, connectionString, null);
        using var connection = database.Open();
        Execute(connection, "PRAGMA journal_mode=WAL;");
        Schema.Apply(database, connection);
        return database;
    }

    public static Database Postgres(string connectionString, StorageTopology? topology = null)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        var given = connectionString.Replace(" ", "", StringComparison.Ordinal);
        bool Given(string key) => given.Contains(key, StringComparison.OrdinalIgnoreCase);
        // Statements repeat: let Npgsql prepare them on the server after a few uses (no per-call parse and plan),
        // unless the operator said otherwise (Max Auto Prepare=0 behind PgBouncer in transaction mode).
        if (!Given("MaxAutoPrepare")) builder.MaxAutoPrepare = 64;
        // We never change session state, so a connection going back to the pool needs no reset (7 statements each time).
        if (!Given("NoResetOnClose")) builder.NoResetOnClose = true;
        // Durable means flushed: 204 is sent only after the commit's WAL record is on disk, whatever the server default.
        builder.Options = ("-c synchronous_commit=on " + builder.Options).Trim();
        if (string.IsNullOrEmpty(builder.ApplicationName)) builder.ApplicationName = "dumgum";
        var dataSource = NpgsqlDataSource.Create(builder.ConnectionString);
        var database = new Database(SqlDialect.Postgres, topology, $"postgres://{builder.Host}:{builder.Port}/{builder.Database}", null, null, dataSource);
        using var connection = database.Open();
        Schema.Apply(database, connection);
        return database;
    }

    /// <summary>An open connection; the caller disposes it (it goes back to the pool).</summary>
    public DbConnection Open()
    {
        if (postgres is not null) return postgres.OpenConnection();
        var connection = new SqliteConnection(sqliteConnectionString);
        connection.Open();
        Execute(connection, "PRAGMA synchronous=FULL; PRAGMA busy_timeout=30000; PRAGMA foreign_keys=ON;");
        return connection;
    }

    /// <summary>
    /// Listens on <paramref name="channel"/> until <paramref name="stop"/> or the connection fails (it throws then;
    /// the caller reconnects): <paramref name="listening"/> once the LISTEN is in place, <paramref name="received"/>
    /// for each payload. Only where <see cref="SqlDialect.Notifications"/> (PostgreSQL).
    /// </summary>
    public async Task ListenAsync(string channel, Action listening, Action<string> received, CancellationToken stop)
    {
        ArgumentNullException.ThrowIfNull(listening);
        ArgumentNullException.ThrowIfNull(received);
        if (postgres is null) throw new NotSupportedException($"{Dialect.Name} has no notifications.");
        await using var connection = await postgres.OpenConnectionAsync(stop);
        connection.Notification += (_, e) => received(e.Payload);
        await using (var listen = new NpgsqlCommand("LISTEN " + channel, connection)) await listen.ExecuteNonQueryAsync(stop);
        listening();
        while (true)
        {
            // A quiet channel is checked now and then, so a dead connection is noticed and replaced.
            if (!await connection.WaitAsync(TimeSpan.FromSeconds(30), stop))
                await using (var ping = new NpgsqlCommand("SELECT 1", connection)) await ping.ExecuteScalarAsync(stop);
        }
    }

    public static void Execute(DbConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    public void Dispose() => postgres?.Dispose();
}
