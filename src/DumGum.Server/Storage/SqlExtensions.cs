using Microsoft.Data.Sqlite;

namespace DumGum.Storage;

static class SqlExtensions
{
    public static SqliteCommand With(this SqliteCommand command, string name, object? value)
    {
        command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        return command;
    }

    public static SqliteCommand Sql(this SqliteConnection connection, string sql)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        return command;
    }

    public static string? StringOrNull(this SqliteDataReader reader, int i) => reader.IsDBNull(i) ? null : reader.GetString(i);
    public static long? Int64OrNull(this SqliteDataReader reader, int i) => reader.IsDBNull(i) ? null : reader.GetInt64(i);

    public static long ToUnixMs(this DateTimeOffset t) => t.ToUnixTimeMilliseconds();
    public static DateTimeOffset FromUnixMs(this long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms);
}
