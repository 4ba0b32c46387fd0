using System.Data.Common;
using System.Globalization;
using System.Text.Json;
using DumGum.Storage;

namespace DumGum.Memory;

/// <summary>
/// What one merge did: the memories created or changed, the ones removed (with why), and every memory the pair holds
/// afterwards. Empty when nothing changed: then no event is sent.
/// </summary>
public sealed record MemoryChange(IReadOnlyList<MemoryItem> Added, IReadOnlyList<DeletedMemory> Deleted, IReadOnlyList<MemoryItem> State)
{
    public bool IsEmpty => Added.Count == 0 && Deleted.Count == 0;
}

/// <summary>
/// The memories table (docs/memory.md, "Storage and merging"). Reads go straight to the database; writes happen inside
/// the caller's write (a run's finish, an admin edit), so a merge reads and writes the pair's rows in one transaction.
/// </summary>
public sealed class MemoryStore(Database database)
{
    const string Columns = """
        unique_identifier, target, category, description, event_start_date, event_end_date, source_text, recorded_at, tags, slot
        """;

    /// <summary>Every memory of the pair, newest first.</summary>
    public IReadOnlyList<MemoryItem> List(ConversationKey key)
    {
        using var connection = database.Open();
        using var command = connection.Sql($"""
                SELECT {Columns} FROM memories WHERE project_id = @p AND user_profile_id = @u AND persona_profile_id = @s
                ORDER BY recorded_at DESC, unique_identifier
                """)
            .With("@p", key.ProjectId).With("@u", key.UserProfileId).With("@s", key.PersonaProfileId);
        return Read(command);
    }

    /// <summary>The pair's memories inside a write (the state a merge starts from), newest first.</summary>
    public static IReadOnlyList<MemoryItem> Load(WriteQueue.Writer w, ConversationKey key)
    {
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(key);
        using var command = w.Command($"""
                SELECT {Columns} FROM memories WHERE project_id = @p AND user_profile_id = @u AND persona_profile_id = @s
                ORDER BY recorded_at DESC, unique_identifier
                """)
            .With("@p", key.ProjectId).With("@u", key.UserProfileId).With("@s", key.PersonaProfileId);
        return Read(command);
    }

    /// <summary>Merges <paramref name="candidates"/> into the pair's stored memories and writes what changed.</summary>
    public static MemoryChange MergeAndSave(WriteQueue.Writer w, ConversationKey key, IEnumerable<MemoryCandidate> candidates, DateTimeOffset now)
    {
        var change = MemoryMerge.Merge(Load(w, key), candidates, now);
        Save(w, key, change);
        return change;
    }

    /// <summary>Writes a merge's result: upserts what was added or changed, deletes what was removed.</summary>
    public static void Save(WriteQueue.Writer w, ConversationKey key, MemoryChange change)
    {
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(change);
        foreach (var d in change.Deleted) Delete(w, key, d.UniqueIdentifier);
        foreach (var m in change.Added)
            w.Command("""
                    INSERT INTO memories(project_id, user_profile_id, persona_profile_id, unique_identifier, target, category, description,
                                         event_start_date, event_end_date, source_text, recorded_at, tags, slot)
                    VALUES(@p, @u, @s, @id, @target, @category, @description, @start, @end, @source, @at, @tags, @slot)
                    ON CONFLICT(project_id, user_profile_id, persona_profile_id, unique_identifier) DO UPDATE SET
                        target = excluded.target, category = excluded.category, description = excluded.description,
                        event_start_date = excluded.event_start_date, event_end_date = excluded.event_end_date,
                        source_text = excluded.source_text, recorded_at = excluded.recorded_at, tags = excluded.tags, slot = excluded.slot
                    """)
                .With("@p", key.ProjectId).With("@u", key.UserProfileId).With("@s", key.PersonaProfileId)
                .With("@id", m.UniqueIdentifier).With("@target", m.Target).With("@category", m.Category).With("@description", m.Description)
                .With("@start", FormatDate(m.EventStartDate)).With("@end", FormatDate(m.EventEndDate)).With("@source", m.SourceText)
                .With("@at", m.Timestamp.ToUnixMs()).With("@tags", JsonSerializer.Serialize(m.Tags)).With("@slot", m.Slot)
                .ExecuteNonQuery();
    }

    /// <summary>Removes one memory; false when the pair has no memory with that key.</summary>
    public static bool Delete(WriteQueue.Writer w, ConversationKey key, string uniqueIdentifier) =>
        w.Command("""
                DELETE FROM memories WHERE project_id = @p AND user_profile_id = @u AND persona_profile_id = @s AND unique_identifier = @id
                """)
            .With("@p", key.ProjectId).With("@u", key.UserProfileId).With("@s", key.PersonaProfileId).With("@id", uniqueIdentifier)
            .ExecuteNonQuery() > 0;

    public static string? FormatDate(DateOnly? date) => date?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    static DateOnly? ParseDate(string? text) =>
        text is null ? null : DateOnly.ParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture);

    static List<MemoryItem> Read(DbCommand command)
    {
        using var reader = command.ExecuteReader();
        var list = new List<MemoryItem>();
        while (reader.Read())
            list.Add(new MemoryItem
            {
                UniqueIdentifier = reader.GetString(0), Target = reader.GetString(1), Category = reader.GetString(2),
                Description = reader.GetString(3), EventStartDate = ParseDate(reader.StringOrNull(4)),
                EventEndDate = ParseDate(reader.StringOrNull(5)), SourceText = reader.GetString(6), Timestamp = reader.GetInt64(7).FromUnixMs(),
                Tags = JsonSerializer.Deserialize<string[]>(reader.GetString(8)) ?? [], Slot = reader.StringOrNull(9),
            });
        return list;
    }
}

/// <summary>
/// The merge rule (docs/memory.md, "Storage and merging"): a fact with a stored key updates it in place (timestamp
/// renewed) unless it says exactly the same; a fact whose slot is held by a memory with another key contradicts it and
/// replaces it, the deletion's reason written from the new fact; anything else is added.
/// </summary>
public static class MemoryMerge
{
    public const int MaxTags = 10;

    public static MemoryChange Merge(IReadOnlyList<MemoryItem> stored, IEnumerable<MemoryCandidate> candidates, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(stored);
        ArgumentNullException.ThrowIfNull(candidates);
        var state = stored.ToDictionary(m => m.UniqueIdentifier, StringComparer.Ordinal);
        var added = new Dictionary<string, MemoryItem>(StringComparer.Ordinal);
        var deleted = new Dictionary<string, DeletedMemory>(StringComparer.Ordinal);
        foreach (var c in candidates)
        {
            var item = ToItem(c, now);
            if (state.TryGetValue(item.UniqueIdentifier, out var existing) && SameFact(existing, item)) continue;
            // Contradicted: the holder of the same slot, or the memory the fact says it replaces.
            var contradictedBy = state.Values.Where(m => m.UniqueIdentifier != item.UniqueIdentifier
                                                         && ((item.Slot is { } slot && m.Slot == slot) || m.UniqueIdentifier == c.Replaces)).ToList();
            foreach (var contradicted in contradictedBy)
            {
                state.Remove(contradicted.UniqueIdentifier);
                // Added and contradicted in the same update: it never reached the receiver, so it is simply not added.
                if (!added.Remove(contradicted.UniqueIdentifier))
                    deleted[contradicted.UniqueIdentifier] = new DeletedMemory(contradicted.UniqueIdentifier, Reason(item));
            }
            state[item.UniqueIdentifier] = item;
            added[item.UniqueIdentifier] = item;
            deleted.Remove(item.UniqueIdentifier);
        }
        var all = state.Values.OrderByDescending(m => m.Timestamp).ThenBy(m => m.UniqueIdentifier, StringComparer.Ordinal).ToList();
        return new MemoryChange([.. added.Values], [.. deleted.Values], all);
    }

    /// <summary>A candidate as the stored Memory: tags trimmed to the documented 10, dates kept only for EVENT.</summary>
    public static MemoryItem ToItem(MemoryCandidate c, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(c);
        var isEvent = c.Category == MemoryCategories.Event;
        return new MemoryItem(c, now)
        {
            EventStartDate = isEvent ? c.EventStartDate : null,
            EventEndDate = isEvent ? c.EventEndDate : null,
            Tags = [.. c.Tags.Distinct(StringComparer.Ordinal).Take(MaxTags)],
        };
    }

    /// <summary>Restating a known fact is not a change (no write, no event): only what the receiver would see counts.</summary>
    public static bool SameFact(MemoryItem a, MemoryItem b) =>
        a.Target == b.Target && a.Category == b.Category && a.Description == b.Description && a.EventStartDate == b.EventStartDate
        && a.EventEndDate == b.EventEndDate && a.Tags.SequenceEqual(b.Tags, StringComparer.Ordinal);

    /// <summary>"User said they live in Valencia": who said it, and the new fact's description turned into a clause.</summary>
    public static string Reason(MemoryItem replacement)
    {
        ArgumentNullException.ThrowIfNull(replacement);
        var who = replacement.Target == MemoryTargets.Persona ? "Persona" : "User";
        var description = replacement.Description.Trim();
        var space = description.IndexOf(' ', StringComparison.Ordinal);
        var verb = space < 0 ? description : description[..space];
        var rest = space < 0 ? "" : description[space..];
        return $"{who} said they {Plural(verb)}{rest}";
    }

    /// <summary>The descriptions are third-person ("Lives in Madrid"); with "they" the verb takes its plain form.</summary>
    static string Plural(string verb)
    {
        var v = verb.ToLowerInvariant();
        return v switch
        {
            "is" => "are",
            "has" => "have",
            "does" => "do",
            "was" => "were",
            _ when v.EndsWith("ies", StringComparison.Ordinal) && v.Length > 4 => v[..^3] + "y",
            _ when v.EndsWith("sses", StringComparison.Ordinal) || v.EndsWith("shes", StringComparison.Ordinal)
                   || v.EndsWith("ches", StringComparison.Ordinal) || v.EndsWith("xes", StringComparison.Ordinal) => v[..^2],
            _ when v.EndsWith('s') && !v.EndsWith("ss", StringComparison.Ordinal) => v[..^1],
            _ => v,
        };
    }
}
