using Microsoft.Data.Sqlite;

namespace DumGum.Storage;

public sealed class StorageOptions
{
    /// <summary>SQLite file; relative paths are taken from the working directory.</summary>
    public string SqlitePath { get; set; } = "data/dumgum.db";
}

/// <summary>
/// The embedded SQLite database: WAL mode, <c>synchronous=FULL</c> so a committed transaction survives power loss.
/// Reads open their own pooled connections (WAL lets them run beside the writer); every write goes through
/// <see cref="WriteQueue"/>, the single writer.
/// </summary>
public sealed class Database
{
    readonly string connectionString;

    public Database(string path)
    {
        Path = System.IO.Path.GetFullPath(path);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
        connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = Path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();
        using var connection = Open();
        Execute(connection, "PRAGMA journal_mode=WAL;");
        Schema.Apply(connection);
    }

    public string Path { get; }

    public SqliteConnection Open()
    {
        var connection = new SqliteConnection(connectionString);
        connection.Open();
        Execute(connection, "PRAGMA synchronous=FULL; PRAGMA busy_timeout=30000; PRAGMA foreign_keys=ON;");
        return connection;
    }

    public static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
