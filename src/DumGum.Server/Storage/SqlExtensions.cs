using System.Data.Common;

namespace DumGum.Storage;

static class SqlExtensions
{
    /// <summary>Adds a parameter (<c>@name</c>); null is sent as SQL NULL.</summary>
    public static TCommand With<TCommand>(this TCommand command, string name, object? value) where TCommand : DbCommand
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value ?? DBNull.Value;
        command.Parameters.Add(parameter);
        return command;
    }

    public static DbCommand Sql(this DbConnection connection, string sql)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        return command;
    }

    public static string? StringOrNull(this DbDataReader reader, int i) => reader.IsDBNull(i) ? null : reader.GetString(i);
    public static long? Int64OrNull(this DbDataReader reader, int i) => reader.IsDBNull(i) ? null : reader.GetInt64(i);

    /// <summary>A scalar integer whichever width the provider returns it in (PostgreSQL: int for literals, bigint for columns).</summary>
    public static long? AsInt64(this object? value) => value is null or DBNull ? null : Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture);

    public static long ToUnixMs(this DateTimeOffset t) => t.ToUnixTimeMilliseconds();
    public static DateTimeOffset FromUnixMs(this long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms);
}
