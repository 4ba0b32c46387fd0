using System.Data.Common;

namespace DumGum.Storage;

/// <summary>
/// Keyset paging for pages ordered newest first by (time, id): the cursor a caller sees is just the id of the last
/// row of the previous page (its <c>nextBefore</c>); its time is read back by primary key.
/// </summary>
static class Keyset
{
    public static void After(DbConnection connection, DbCommand command, List<string> where, string table, string timeColumn,
        string projectId, long before)
    {
        using var lookup = connection.Sql($"SELECT {timeColumn} FROM {table} WHERE id = @id AND project_id = @p")
            .With("@id", before).With("@p", projectId);
        if (lookup.ExecuteScalar().AsInt64() is { } at)
        {
            // The first term is a plain range, so the index on (…, time, id) serves it; the second settles ties.
            where.Add($"{timeColumn} <= @beforeAt AND ({timeColumn} < @beforeAt OR id < @before)");
            command.With("@beforeAt", at).With("@before", before);
        }
        else
        {
            // The row is gone (retention deletes the oldest first): what is left before it is the older ids.
            where.Add("id < @before");
            command.With("@before", before);
        }
    }
}
