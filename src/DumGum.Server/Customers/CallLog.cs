using DumGum.Storage;

namespace DumGum.Customers;

public sealed record CallLogEntry(long Id, string ProjectId, DateTimeOffset At, string Kind, string Url, int? Status,
    long LatencyMs, int Attempt, string? Error, string? UserProfileId, string? PersonaProfileId);

public sealed record CallLogQuery(string ProjectId, string? Kind, string? Status, string? UserProfileId,
    string? PersonaProfileId, DateTimeOffset? Since, long? Before, int Limit);

/// <summary>
/// The project logs: every call to a customer endpoint (and every problem found in what it returned). Entries are
/// written through the single writer without waiting: a log line must never slow a run down.
/// </summary>
public sealed class CallLog(Database database, WriteQueue writes, TimeProvider clock, ILogger<CallLog> log)
{
    public const string Profile = "profile", History = "chat_history", Incoming = "incoming_content";

    public void Record(string projectId, string kind, string url, int? status, TimeSpan latency, int attempt, string? error,
        string? userProfileId, string? personaProfileId)
    {
        var at = clock.GetUtcNow().ToUnixMs();
        var safeUrl = RedactQuery(url);
        writes.WriteAsync(w => w.Command("""
                INSERT INTO call_logs(project_id, at, kind, url, status, latency_ms, attempt, error, user_profile_id, persona_profile_id)
                VALUES(@p, @at, @kind, @url, @status, @latency, @attempt, @error, @user, @persona)
                """)
            .With("@p", projectId).With("@at", at).With("@kind", kind).With("@url", safeUrl).With("@status", status)
            .With("@latency", (long)latency.TotalMilliseconds).With("@attempt", attempt).With("@error", error)
            .With("@user", userProfileId).With("@persona", personaProfileId).ExecuteNonQuery())
            .ContinueWith(t => log.LogWarning(t.Exception, "Could not write a project log entry"), TaskContinuationOptions.OnlyOnFaulted);
    }

    public IReadOnlyList<CallLogEntry> Query(CallLogQuery q)
    {
        using var connection = database.Open();
        using var command = connection.Sql("""
            SELECT id, project_id, at, kind, url, status, latency_ms, attempt, error, user_profile_id, persona_profile_id
            FROM call_logs
            WHERE project_id = @p
              AND (CAST(@kind AS TEXT) IS NULL OR kind = @kind)
              AND (CAST(@status AS TEXT) IS NULL OR (@status = 'error' AND (error IS NOT NULL OR status IS NULL OR status >= 400))
                                   OR (@status = 'ok' AND error IS NULL AND status < 400)
                                   OR CAST(status AS TEXT) = @status)
              AND (CAST(@user AS TEXT) IS NULL OR user_profile_id = @user)
              AND (CAST(@persona AS TEXT) IS NULL OR persona_profile_id = @persona)
              AND (CAST(@since AS BIGINT) IS NULL OR at >= @since)
              AND (CAST(@before AS BIGINT) IS NULL OR id < @before)
            ORDER BY id DESC LIMIT @limit
            """)
            .With("@p", q.ProjectId).With("@kind", q.Kind).With("@status", q.Status).With("@user", q.UserProfileId)
            .With("@persona", q.PersonaProfileId).With("@since", q.Since?.ToUnixMs()).With("@before", q.Before)
            .With("@limit", q.Limit);
        using var reader = command.ExecuteReader();
        var list = new List<CallLogEntry>();
        while (reader.Read())
            list.Add(new CallLogEntry(reader.GetInt64(0), reader.GetString(1), reader.GetInt64(2).FromUnixMs(), reader.GetString(3),
                reader.GetString(4), reader.IsDBNull(5) ? null : (int)reader.GetInt64(5), reader.GetInt64(6), (int)reader.GetInt64(7),
                reader.StringOrNull(8), reader.StringOrNull(9), reader.StringOrNull(10)));
        return list;
    }

    /// <summary>Query values that look like secrets (token, key, secret, signature, password) are not stored.</summary>
    static string RedactQuery(string url)
    {
        var q = url.IndexOf('?', StringComparison.Ordinal);
        if (q < 0) return url;
        var parts = url[(q + 1)..].Split('&');
        for (var i = 0; i < parts.Length; i++)
        {
            var name = parts[i].Split('=')[0].ToLowerInvariant();
            if (name.Contains("token", StringComparison.Ordinal) || name.Contains("key", StringComparison.Ordinal)
                || name.Contains("secret", StringComparison.Ordinal) || name.Contains("sig", StringComparison.Ordinal)
                || name.Contains("pass", StringComparison.Ordinal) || name.Contains("auth", StringComparison.Ordinal))
                parts[i] = name + "=REDACTED";
        }
        return url[..(q + 1)] + string.Join('&', parts);
    }
}
