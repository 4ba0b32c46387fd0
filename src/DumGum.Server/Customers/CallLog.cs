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
        writes.WriteAsync(Batch.Instance, new Entry(projectId, at, kind, safeUrl, status, (long)latency.TotalMilliseconds, attempt, error,
                userProfileId, personaProfileId))
            .ContinueWith(t => log.LogWarning(t.Exception, "Could not write a project log entry"), TaskContinuationOptions.OnlyOnFaulted);
    }

    sealed record Entry(string ProjectId, long At, string Kind, string Url, int? Status, long LatencyMs, int Attempt, string? Error,
        string? User, string? Persona);

    /// <summary>The log entries that share a commit: one multi-row INSERT on PostgreSQL, a prepared INSERT each on SQLite.</summary>
    sealed class Batch : BatchWrite<Entry, bool>
    {
        public static readonly Batch Instance = new();

        public override IReadOnlyList<bool> Execute(WriteQueue.Writer w, IReadOnlyList<Entry> items)
        {
            if (!w.Database.IsPostgres)
            {
                foreach (var e in items)
                    w.Command("""
                            INSERT INTO call_logs(project_id, at, kind, url, status, latency_ms, attempt, error, user_profile_id, persona_profile_id)
                            VALUES(@p, @at, @kind, @url, @status, @latency, @attempt, @error, @user, @persona)
                            """)
                        .With("@p", e.ProjectId).With("@at", e.At).With("@kind", e.Kind).With("@url", e.Url).With("@status", e.Status)
                        .With("@latency", e.LatencyMs).With("@attempt", e.Attempt).With("@error", e.Error)
                        .With("@user", e.User).With("@persona", e.Persona).ExecuteNonQuery();
            }
            else
            {
                w.Command("""
                        INSERT INTO call_logs(project_id, at, kind, url, status, latency_ms, attempt, error, user_profile_id, persona_profile_id)
                        SELECT * FROM unnest(@p, @at, @kind, @url, @status, @latency, @attempt, @error, @user, @persona)
                        """)
                    .With("@p", items.Select(e => e.ProjectId).ToArray()).With("@at", items.Select(e => e.At).ToArray())
                    .With("@kind", items.Select(e => e.Kind).ToArray()).With("@url", items.Select(e => e.Url).ToArray())
                    .With("@status", items.Select(e => (long?)e.Status).ToArray()).With("@latency", items.Select(e => e.LatencyMs).ToArray())
                    .With("@attempt", items.Select(e => (long)e.Attempt).ToArray()).With("@error", items.Select(e => e.Error).ToArray())
                    .With("@user", items.Select(e => e.User).ToArray()).With("@persona", items.Select(e => e.Persona).ToArray())
                    .ExecuteNonQuery();
            }
            return items.Select(_ => true).ToList();
        }
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
    public static string RedactQuery(string url)
    {
        ArgumentNullException.ThrowIfNull(url);
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
