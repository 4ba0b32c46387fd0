using DumGum.Storage;

namespace DumGum.Customers;

/// <summary>One call to a customer endpoint; <see cref="ResponseExcerpt"/> is kept for failed calls only (docs/behaviour.md, "Project logs").</summary>
public sealed record CallLogEntry(long Id, string ProjectId, DateTimeOffset At, string Kind, string Url, int? Status,
    long LatencyMs, int Attempt, string? Error, string? UserProfileId, string? PersonaProfileId, string? ResponseExcerpt = null);

/// <summary>
/// A page of the project logs, newest first. <see cref="Status"/> is <c>ok</c>, <c>error</c> or an HTTP status code;
/// <see cref="Since"/> is inclusive, <see cref="Until"/> exclusive; <see cref="Before"/> is the <c>nextBefore</c> of the
/// previous page.
/// </summary>
public sealed record CallLogQuery(string ProjectId, string? Kind, string? Status, string? UserProfileId,
    string? PersonaProfileId, DateTimeOffset? Since, long? Before, int Limit)
{
    public DateTimeOffset? Until { get; init; }
}

/// <summary>
/// The project logs: every call to a customer endpoint (and every problem found in what it returned). Entries made
/// inside a run (<see cref="BeginRun"/>) are committed in the same transaction as the run's outcome, so a crash can
/// never keep an outcome without the calls that led to it (docs/behaviour.md, "What a crash can lose"); others are
/// written through the single writer without waiting: a log line must never slow a delivery down.
/// </summary>
public sealed class CallLog(Database database, WriteQueue writes, TimeProvider clock, ILogger<CallLog> log)
{
    public const string Profile = "profile", History = "chat_history", Incoming = "incoming_content", MemoryWebhook = "memory_webhook";

    /// <summary>
    /// Logs one call (or, with <paramref name="call"/> false, a problem found without a call: those do not count as
    /// customer calls in the usage). <paramref name="deliveryId"/> ties an Incoming Content POST to its event.
    /// </summary>
    public void Record(string projectId, string kind, string url, int? status, TimeSpan latency, int attempt, string? error,
        string? userProfileId, string? personaProfileId, long? deliveryId = null, bool call = true, string? excerpt = null)
    {
        var at = clock.GetUtcNow().ToUnixMs();
        var safeUrl = RedactQuery(url);
        var entry = new Entry(projectId, at, kind, safeUrl, status, (long)latency.TotalMilliseconds, attempt, error,
            userProfileId, personaProfileId, deliveryId, call, excerpt is null ? null : Excerpt(excerpt));
        if (CurrentRun.Value is { } run && run.TryAdd(entry)) return;
        writes.WriteAsync(Batch.Instance, entry)
            .ContinueWith(t => log.LogWarning(t.Exception, "Could not write a project log entry"), TaskContinuationOptions.OnlyOnFaulted);
    }

    WriteQueue Writes => writes;
    ILogger Log => log;

    static readonly AsyncLocal<RunLog?> CurrentRun = new();

    /// <summary><paramref name="work"/>, inserting the current run's held entries in the same transaction (as is, outside a run).</summary>
    public static Func<WriteQueue.Writer, T> CurrentRunWrites<T>(Func<WriteQueue.Writer, T> work, out Action written)
    {
        if (CurrentRun.Value is { } run) return run.WriteWith(work, out written);
        written = () => { };
        return work;
    }

    /// <summary>
    /// From here on (in this async flow) entries belong to a run: they are held until the run's outcome is written
    /// (<see cref="RunLog.WriteWith"/>), and whatever was not written with it goes out when the scope is disposed.
    /// </summary>
    public RunLog BeginRun()
    {
        var run = new RunLog(this);
        CurrentRun.Value = run;
        return run;
    }

    /// <summary>The entries of one run, committed with its outcome.</summary>
    public sealed class RunLog(CallLog owner) : IAsyncDisposable
    {
        readonly List<Entry> entries = [];
        int written;
        bool closed;

        internal bool TryAdd(Entry entry)
        {
            lock (entries)
            {
                if (closed) return false;
                entries.Add(entry);
                return true;
            }
        }

        /// <summary>
        /// Wraps a work item of the run so that it also inserts the entries held so far, in its transaction. Safe to run
        /// again (a retried batch): the entries count as written only once the caller saw the commit (<see cref="Written"/>).
        /// </summary>
        public Func<WriteQueue.Writer, T> WriteWith<T>(Func<WriteQueue.Writer, T> work, out Action written)
        {
            List<Entry> pending;
            lock (entries) pending = entries.Skip(this.written).ToList();
            var count = this.written + pending.Count;
            written = () => { lock (entries) this.written = Math.Max(this.written, count); };
            return w =>
            {
                if (pending.Count > 0) Batch.Instance.Execute(w, pending);
                return work(w);
            };
        }

        public async ValueTask DisposeAsync()
        {
            List<Entry> rest;
            lock (entries)
            {
                closed = true;
                rest = entries.Skip(written).ToList();
            }
            if (rest.Count == 0) return;
            // The run ended without writing an outcome (lease lost, restart, shutdown): its calls still happened.
            try { await owner.Writes.WriteAsync(w => Batch.Instance.Execute(w, rest)); }
            catch (Exception ex) when (ex is StorageUnavailableException or System.Data.Common.DbException)
            {
                owner.Log.LogWarning(ex, "Could not write {Count} project log entries of a run", rest.Count);
            }
        }
    }

    internal sealed record Entry(string ProjectId, long At, string Kind, string Url, int? Status, long LatencyMs, int Attempt, string? Error,
        string? User, string? Persona, long? DeliveryId, bool Call, string? ResponseExcerpt)
    {
        /// <summary>The rule of the logs' <c>status=error</c> filter: an error, no status at all, or 4xx/5xx.</summary>
        public bool Failed => Error is not null || Status is null || Status >= 400;
    }

    /// <summary>
    /// The log entries that share a commit (<see cref="SqlDialect.InsertRows{T}"/>: one multi-row INSERT on PostgreSQL, a
    /// prepared INSERT each on SQLite); and the usage counters of customer calls, one upsert per project and hour.
    /// </summary>
    sealed class Batch : BatchWrite<Entry, bool>
    {
        public static readonly Batch Instance = new();

        public override IReadOnlyList<bool> Execute(WriteQueue.Writer w, IReadOnlyList<Entry> items)
        {
            w.Database.Dialect.InsertRows(w, "call_logs", items, rows => rows
                .Column("project_id", e => e.ProjectId).Column("at", e => e.At).Column("kind", e => e.Kind).Column("url", e => e.Url)
                .Column("status", e => (long?)e.Status).Column("latency_ms", e => e.LatencyMs).Column("attempt", e => (long)e.Attempt)
                .Column("error", e => e.Error).Column("user_profile_id", e => e.User).Column("persona_profile_id", e => e.Persona)
                .Column("delivery_id", e => e.DeliveryId).Column("response_excerpt", e => e.ResponseExcerpt));
            foreach (var hour in items.Where(e => e.Call).GroupBy(e => (e.ProjectId, Hour: HourlyCounters.HourOf(e.At))))
                AddCalls(w, hour.Key.ProjectId, hour.Key.Hour, hour.Count(), hour.Count(e => e.Failed));
            return items.Select(_ => true).ToList();
        }

        /// <summary>The customer calls and failed ones of the Usage page (Explorer/UsageStore.cs reads them).</summary>
        static void AddCalls(WriteQueue.Writer w, string projectId, long hourStart, long calls, long errors) =>
            w.Command("""
                    INSERT INTO usage_hourly(project_id, hour_start, node, customer_calls, customer_errors) VALUES(@p, @h, @n, @calls, @errors)
                    ON CONFLICT(project_id, hour_start, node) DO UPDATE SET
                        customer_calls = usage_hourly.customer_calls + excluded.customer_calls,
                        customer_errors = usage_hourly.customer_errors + excluded.customer_errors
                    """)
                .With("@p", projectId).With("@h", hourStart).With("@n", HourlyCounters.Node(w)).With("@calls", calls).With("@errors", errors)
                .ExecuteNonQuery();
    }

    /// <summary>
    /// A page of the logs, newest first by (at, id). Only the filters given become SQL, so each filter meets the index
    /// made for it (Storage/Schema.cs) and a page costs the same in a project of any size.
    /// </summary>
    public IReadOnlyList<CallLogEntry> Query(CallLogQuery q)
    {
        ArgumentNullException.ThrowIfNull(q);
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        var where = new List<string> { "project_id = @p" };
        command.With("@p", q.ProjectId);
        if (q.Kind is not null) { where.Add("kind = @kind"); command.With("@kind", q.Kind); }
        // The two classes are spelled exactly as the partial index call_logs_errors, so the planner can match them.
        if (q.Status == "error") where.Add("(error IS NOT NULL OR status IS NULL OR status >= 400)");
        else if (q.Status == "ok") where.Add("error IS NULL AND status < 400");
        else if (q.Status is not null) { where.Add("status = @status"); command.With("@status", long.Parse(q.Status, System.Globalization.CultureInfo.InvariantCulture)); }
        if (q.UserProfileId is not null) { where.Add("user_profile_id = @user"); command.With("@user", q.UserProfileId); }
        if (q.PersonaProfileId is not null) { where.Add("persona_profile_id = @persona"); command.With("@persona", q.PersonaProfileId); }
        if (q.Since is { } since) { where.Add("at >= @since"); command.With("@since", since.ToUnixMs()); }
        if (q.Until is { } until) { where.Add("at < @until"); command.With("@until", until.ToUnixMs()); }
        if (q.Before is { } before) Keyset.After(connection, command, where, "call_logs", "at", q.ProjectId, before);
        command.CommandText = $"""
            SELECT id, project_id, at, kind, url, status, latency_ms, attempt, error, user_profile_id, persona_profile_id, response_excerpt
            FROM call_logs WHERE {string.Join(" AND ", where)}
            ORDER BY at DESC, id DESC LIMIT @limit
            """;
        command.With("@limit", q.Limit);
        using var reader = command.ExecuteReader();
        var list = new List<CallLogEntry>();
        while (reader.Read())
            list.Add(new CallLogEntry(reader.GetInt64(0), reader.GetString(1), reader.GetInt64(2).FromUnixMs(), reader.GetString(3),
                reader.GetString(4), reader.IsDBNull(5) ? null : (int)reader.GetInt64(5), reader.GetInt64(6), (int)reader.GetInt64(7),
                reader.StringOrNull(8), reader.StringOrNull(9), reader.StringOrNull(10), reader.StringOrNull(11)));
        return list;
    }

    /// <summary>How much of a failed call's response the logs keep: enough to see what went wrong, not a copy of customer data.</summary>
    public const int ExcerptLength = 500;

    /// <summary>The start of a response body as text, cut at <see cref="ExcerptLength"/> characters, control characters shown as spaces.</summary>
    public static string Excerpt(string body)
    {
        var text = body.Length > ExcerptLength ? body[..ExcerptLength] + "…" : body;
        return string.Create(text.Length, text, (span, t) =>
        {
            for (var i = 0; i < t.Length; i++) span[i] = char.IsControl(t[i]) && t[i] is not '\n' ? ' ' : t[i];
        });
    }

    /// <summary>
    /// One entry by id, scoped to the project. (Ids do not follow <c>at</c>: a run's entries are inserted with its outcome,
    /// after entries of other work that happened meanwhile, so an entry is not found by paging from its id.)
    /// </summary>
    public CallLogEntry? Find(string projectId, long id)
    {
        using var connection = database.Open();
        using var command = connection.Sql("SELECT at FROM call_logs WHERE id = @id AND project_id = @p").With("@id", id).With("@p", projectId);
        if (command.ExecuteScalar() is not { } at) return null;
        var page = Query(new CallLogQuery(projectId, null, null, null, null, ((long)at).FromUnixMs(), null, 1000) { Until = ((long)at + 1).FromUnixMs() });
        return page.FirstOrDefault(e => e.Id == id);
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
