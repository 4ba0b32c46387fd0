using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace DumGum.Storage;

public enum StorageProvider { Sqlite, Postgres }

/// <summary>
/// The database, on one of two providers:
/// <list type="bullet">
/// <item>SQLite (the default): one file, WAL mode, <c>synchronous=FULL</c> so a committed transaction survives power
/// loss. One node only.</item>
/// <item>PostgreSQL (<c>Storage:Provider=Postgres</c>, <c>ConnectionStrings:Postgres</c>): several nodes share it.
/// Commits wait for the WAL flush (<c>synchronous_commit=on</c>, forced per connection whatever the server default).</item>
/// </list>
/// Every statement is plain SQL with <c>@name</c> parameters that both providers accept; where the dialects differ
/// the difference is spelled out here or in <see cref="Schema"/>. Reads open their own pooled connections; every
/// write goes through <see cref="WriteQueue"/>.
/// </summary>
public sealed class Database : IDisposable
{
    readonly string? sqliteConnectionString;
    readonly NpgsqlDataSource? postgres;

    Database(StorageProvider provider, string describe, string? sqlitePath, string? sqliteConnectionString, NpgsqlDataSource? postgres)
    {
        Provider = provider;
        Describe = describe;
        SqlitePath = sqlitePath;
        this.sqliteConnectionString = sqliteConnectionString;
        this.postgres = postgres;
    }

    public StorageProvider Provider { get; }
    public bool IsPostgres => Provider == StorageProvider.Postgres;

    /// <summary>Where the data lives, for logs and errors (never a password).</summary>
    public string Describe { get; }

    /// <summary>The SQLite file (null on PostgreSQL).</summary>
    public string? SqlitePath { get; }

    /// <summary>The folder for files kept beside the data (the sample customer's key): the SQLite file's folder, else <c>data/</c>.</summary>
    public string DataDirectory => System.IO.Path.GetDirectoryName(SqlitePath ?? System.IO.Path.GetFullPath("data/x"))!;

    /// <summary><c>Storage:Provider</c> (Sqlite | Postgres), <c>Storage:Sqlite:Path</c>, <c>ConnectionStrings:Postgres</c>.</summary>
    public static Database FromConfiguration(IConfiguration config)
    {
        var provider = config["Storage:Provider"];
        if (string.IsNullOrEmpty(provider) || provider.Equals("Sqlite", StringComparison.OrdinalIgnoreCase))
            return Sqlite(config["Storage:Sqlite:Path"] is { Length: > 0 } p ? p : "data/dumgum.db");
        if (provider.Equals("Postgres", StringComparison.OrdinalIgnoreCase) || provider.Equals("PostgreSQL", StringComparison.OrdinalIgnoreCase))
            return Postgres(config.GetConnectionString("Postgres") is { Length: > 0 } cs ? cs
                : throw new InvalidOperationException("Storage:Provider is Postgres but ConnectionStrings:Postgres is not set."));
        throw new InvalidOperationException($"Storage:Provider '{provider}' is not known; use Sqlite or Postgres.");
    }

    public static Database Sqlite(string path)
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
        var database = new Database(StorageProvider.Sqlite, full, full, connectionString, null);
        using var connection = database.Open();
        Execute(connection, "PRAGMA journal_mode=WAL;");
        Schema.Apply(database, connection);
        return database;
    }

    public static Database Postgres(string connectionString)
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
        var database = new Database(StorageProvider.Postgres, $"postgres://{builder.Host}:{builder.Port}/{builder.Database}", null, null, dataSource);
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

    /// <summary>Opens the connection that LISTENs for other nodes' notifications (PostgreSQL only).</summary>
    internal NpgsqlDataSource? PostgresDataSource => postgres;

    /// <summary>The smaller of two integer expressions: <c>MIN(a, b)</c> in SQLite, <c>LEAST(a, b)</c> in PostgreSQL.</summary>

    public static void Execute(DbConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    public void Dispose() => postgres?.Dispose();
}
