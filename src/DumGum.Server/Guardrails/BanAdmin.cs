using System.Buffers.Text;
using System.Text;
using System.Text.Json;
using DumGum.Storage;

namespace DumGum.Guardrails;

/// <summary>One ban row as the operator sees it.</summary>
/// <param name="BanId">Stable, URL-safe id of the row (<see cref="BanAdmin.BanId"/>).</param>
/// <param name="Offences">Offences of this reason counted on the conversation (the position on the ban ladder).</param>
/// <param name="StoppedUntil">End of a progressive ban; null when permanent.</param>
public sealed record BanEntry(string BanId, string UserProfileId, string PersonaProfileId, string Reason, int Offences,
    DateTimeOffset LastOffenceAt, bool Permanent, DateTimeOffset? StoppedUntil);

/// <summary>A page of bans; <paramref name="NextAfter"/> is the cursor of the next page, null on the last.</summary>
public sealed record BanPage(IReadOnlyList<BanEntry> Items, string? NextAfter);

/// <summary>
/// What the operator does with bans (admin API and dashboard alike): list a project's active bans, newest offence
/// first, and lift one. The bans table is keyed by (project, user, persona, reason); a ban's id is that key without the
/// project (which is in the URL) as base64url of the UTF-8 JSON array <c>["user","persona","REASON"]</c>, so it needs
/// no extra column and decodes to the row without a look-up (docs/behaviour.md, "Guardrails, stop reasons and bans").
/// </summary>
public sealed class BanAdmin(Database database, BanLedger ledger, TimeProvider clock)
{
    public const int MaxLimit = 1000;

    /// <summary>The id of the ban row (user, persona, reason) of a project.</summary>
    public static string BanId(string userProfileId, string personaProfileId, string reason) =>
        Encode([userProfileId, personaProfileId, reason]);

    /// <summary>Reads a <see cref="BanId"/>; false for anything that is not one.</summary>
    public static bool TryParseBanId(string? banId, out (string User, string Persona, string Reason) key)
    {
        key = default;
        if (Decode(banId) is not [JsonElement { ValueKind: JsonValueKind.String } u, JsonElement { ValueKind: JsonValueKind.String } p,
                JsonElement { ValueKind: JsonValueKind.String } r]) return false;
        key = (u.GetString()!, p.GetString()!, r.GetString()!);
        return key.User.Length > 0 && key.Persona.Length > 0 && key.Reason.Length > 0;
    }

    /// <summary>True when <paramref name="after"/> is a cursor this class handed out (<see cref="BanPage.NextAfter"/>).</summary>
    public static bool IsValidCursor(string after) => TryParseCursor(after, out _);

    /// <summary>
    /// The project's bans in force now (permanent, or progressive and not yet over), newest offence first, at most
    /// <paramref name="limit"/> (1–<see cref="MaxLimit"/>) after the cursor <paramref name="after"/>, optionally only one
    /// user's or one persona's. Throws <see cref="ArgumentException"/> for a bad limit or cursor (check with
    /// <see cref="IsValidCursor"/>).
    /// </summary>
    public BanPage ListActive(string projectId, int limit = 100, string? after = null, string? userProfileId = null,
        string? personaProfileId = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(projectId);
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(limit, MaxLimit);
        Cursor? cursor = null;
        if (after is not null && !TryParseCursor(after, out cursor))
            throw new ArgumentException("is not a cursor of this list (use the nextAfter of the previous page)", nameof(after));
        using var connection = database.Open();
        // Keyset paging on (last_offence_at DESC, user, persona, reason): the ORDER BY and the comparisons use the same
        // collation on either provider, so pages never overlap or skip.
        using var command = connection.Sql("""
            SELECT user_profile_id, persona_profile_id, reason, offences, last_offence_at, stopped_until, permanent FROM bans
            WHERE project_id = @p AND (permanent <> 0 OR stopped_until > @now)
              AND (CAST(@user AS TEXT) IS NULL OR user_profile_id = @user)
              AND (CAST(@persona AS TEXT) IS NULL OR persona_profile_id = @persona)
              AND (CAST(@at AS BIGINT) IS NULL OR last_offence_at < @at
                   OR (last_offence_at = @at AND (user_profile_id > @cu
                       OR (user_profile_id = @cu AND (persona_profile_id > @cs
                           OR (persona_profile_id = @cs AND reason > @cr))))))
            ORDER BY last_offence_at DESC, user_profile_id, persona_profile_id, reason
            LIMIT @limit
            """)
            .With("@p", projectId).With("@now", clock.GetUtcNow().ToUnixMs())
            .With("@user", userProfileId).With("@persona", personaProfileId)
            .With("@at", cursor?.At).With("@cu", cursor?.User).With("@cs", cursor?.Persona).With("@cr", cursor?.Reason)
            .With("@limit", limit + 1);
        using var reader = command.ExecuteReader();
        var items = new List<BanEntry>(Math.Min(limit + 1, 128));
        while (reader.Read())
        {
            var permanent = reader.GetInt64(6) != 0;
            items.Add(new BanEntry(BanId(reader.GetString(0), reader.GetString(1), reader.GetString(2)), reader.GetString(0),
                reader.GetString(1), reader.GetString(2), (int)reader.GetInt64(3), reader.GetInt64(4).FromUnixMs(), permanent,
                permanent ? null : reader.Int64OrNull(5)?.FromUnixMs()));
        }
        if (items.Count <= limit) return new BanPage(items, null);
        items.RemoveAt(limit);
        var last = items[^1];
        return new BanPage(items, Encode([last.LastOffenceAt.ToUnixMs(), last.UserProfileId, last.PersonaProfileId, last.Reason]));
    }

    /// <summary>
    /// Lifts the ban <paramref name="banId"/> of the project at once (every node), resetting that reason's offence
    /// counter. False when the id is malformed or names no ban row.
    /// </summary>
    public Task<bool> LiftAsync(string projectId, string banId)
    {
        ArgumentException.ThrowIfNullOrEmpty(projectId);
        return TryParseBanId(banId, out var key)
            ? ledger.LiftAsync(projectId, key.User, key.Persona, key.Reason)
            : Task.FromResult(false);
    }

    sealed record Cursor(long At, string User, string Persona, string Reason);

    static bool TryParseCursor(string? after, out Cursor? cursor)
    {
        cursor = null;
        if (Decode(after) is not [JsonElement { ValueKind: JsonValueKind.Number } at, JsonElement { ValueKind: JsonValueKind.String } u,
                JsonElement { ValueKind: JsonValueKind.String } p, JsonElement { ValueKind: JsonValueKind.String } r]
            || !at.TryGetInt64(out var ms)) return false;
        cursor = new Cursor(ms, u.GetString()!, p.GetString()!, r.GetString()!);
        return true;
    }

    static string Encode(object[] parts) => Base64Url.EncodeToString(JsonSerializer.SerializeToUtf8Bytes(parts));

    static JsonElement[]? Decode(string? text)
    {
        if (string.IsNullOrEmpty(text) || text.Length > 4096 || !Base64Url.IsValid(text)) return null;
        try
        {
            var bytes = Base64Url.DecodeFromChars(text);
            // An id or cursor is client input too: the same reading rule as any JSON body (docs/behaviour.md, "Malformed JSON").
            if (Http.StrictJson.Check(bytes) is not null) return null;
            using var document = JsonDocument.Parse(bytes);
            return document.RootElement.ValueKind == JsonValueKind.Array
                ? document.RootElement.EnumerateArray().Select(e => e.Clone()).ToArray()
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
