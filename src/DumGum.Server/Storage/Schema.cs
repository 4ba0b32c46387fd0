using System.Data.Common;

namespace DumGum.Storage;

/// <summary>
/// One schema for both providers. Times are Unix milliseconds (UTC) throughout; JSON columns hold the exact text we
/// received or will send. Written in SQLite's spelling; for PostgreSQL <see cref="ForPostgres"/> turns <c>{ID}</c> into an
/// identity column, INTEGER into BIGINT and BLOB into BYTEA (the only differences we need).
/// </summary>
static class Schema
{
    const string Sql = """
        CREATE TABLE IF NOT EXISTS settings(
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL);

        CREATE TABLE IF NOT EXISTS projects(
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            config TEXT NOT NULL,
            webhook_secret TEXT NOT NULL,
            previous_webhook_secret TEXT,
            previous_secret_expires_at INTEGER,
            incoming_disabled_at INTEGER,
            created_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL);

        CREATE TABLE IF NOT EXISTS access_keys(
            id TEXT PRIMARY KEY,
            project_id TEXT NOT NULL REFERENCES projects(id),
            name TEXT NOT NULL,
            key_hash BLOB NOT NULL UNIQUE,
            hint TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            last_used_at INTEGER,
            revoked_at INTEGER);

        -- One row per (project, user, persona), written once. Pending work is the conversation's rows in enqueues; a run
        -- holds the lease, and every finish is fenced by lease_token so a worker that lost its lease cannot finish.
        CREATE TABLE IF NOT EXISTS conversations(
            id {ID},
            project_id TEXT NOT NULL,
            user_profile_id TEXT NOT NULL,
            persona_profile_id TEXT NOT NULL,
            lease_owner TEXT,
            lease_until INTEGER,
            lease_token INTEGER NOT NULL DEFAULT 0,
            restarts INTEGER NOT NULL DEFAULT 0,
            UNIQUE(project_id, user_profile_id, persona_profile_id));

        -- Accepted enqueue requests until the run that serves them commits its outcome.
        CREATE TABLE IF NOT EXISTS enqueues(
            id {ID},
            conversation_id INTEGER NOT NULL,
            accepted_at INTEGER NOT NULL,
            request TEXT NOT NULL);
        CREATE INDEX IF NOT EXISTS enqueues_conversation ON enqueues(conversation_id, id);

        CREATE TABLE IF NOT EXISTS profiles(
            project_id TEXT NOT NULL,
            profile_id TEXT NOT NULL,
            version TEXT,
            expires_at INTEGER NOT NULL,
            fetched_at INTEGER NOT NULL,
            body TEXT NOT NULL,
            PRIMARY KEY(project_id, profile_id));

        -- The outbox of events to the customer, delivered in id order per conversation.
        CREATE TABLE IF NOT EXISTS deliveries(
            id {ID},
            project_id TEXT NOT NULL,
            conversation_id INTEGER NOT NULL,
            run_token INTEGER NOT NULL,
            webhook_id TEXT NOT NULL,
            event TEXT NOT NULL,
            body TEXT NOT NULL,
            not_before INTEGER NOT NULL,
            deadline_at INTEGER NOT NULL,
            on_expiry TEXT,
            pause_ms INTEGER NOT NULL DEFAULT 0,
            serves_through INTEGER NOT NULL DEFAULT 0,
            owner TEXT,
            status TEXT NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            last_error TEXT,
            created_at INTEGER NOT NULL,
            delivered_at INTEGER);
        CREATE INDEX IF NOT EXISTS deliveries_pending ON deliveries(conversation_id, id) WHERE status = 'pending';
        CREATE INDEX IF NOT EXISTS deliveries_run ON deliveries(conversation_id, run_token);

        -- Every answer with its prompt itemisation (blocks, token counts, model, usage), for the dashboard and the admin API.
        CREATE TABLE IF NOT EXISTS answers(
            id TEXT PRIMARY KEY,
            project_id TEXT NOT NULL,
            conversation_id INTEGER NOT NULL,
            created_at INTEGER NOT NULL,
            answer TEXT NOT NULL,
            itemisation TEXT);
        CREATE INDEX IF NOT EXISTS answers_created ON answers(created_at);

        -- SoulEngine style cards: one per persona version.
        CREATE TABLE IF NOT EXISTS style_cards(
            project_id TEXT NOT NULL,
            persona_profile_id TEXT NOT NULL,
            version TEXT NOT NULL,
            card TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            PRIMARY KEY(project_id, persona_profile_id, version));

        -- Vision Link: one picture analysis per project and URL, kept while the picture's Cache-Control allows.
        CREATE TABLE IF NOT EXISTS vision_analyses(
            id {ID},
            project_id TEXT NOT NULL,
            url TEXT NOT NULL,
            description TEXT NOT NULL,
            rejection TEXT,
            analysed_at INTEGER NOT NULL,
            expires_at INTEGER NOT NULL,
            UNIQUE(project_id, url));
        CREATE INDEX IF NOT EXISTS vision_analyses_expiry ON vision_analyses(expires_at);

        CREATE TABLE IF NOT EXISTS call_logs(
            id {ID},
            project_id TEXT NOT NULL,
            at INTEGER NOT NULL,
            kind TEXT NOT NULL,
            url TEXT NOT NULL,
            status INTEGER,
            latency_ms INTEGER NOT NULL,
            attempt INTEGER NOT NULL,
            error TEXT,
            user_profile_id TEXT,
            persona_profile_id TEXT);
        -- The logs page newest first by (at, id), filtered by one column or a time range: each filter has an index that
        -- serves the filter and the order at once, so a page reads only its own rows however large the project.
        DROP INDEX IF EXISTS call_logs_project;
        CREATE INDEX IF NOT EXISTS call_logs_time ON call_logs(project_id, at, id);
        CREATE INDEX IF NOT EXISTS call_logs_kind ON call_logs(project_id, kind, at, id);
        CREATE INDEX IF NOT EXISTS call_logs_user ON call_logs(project_id, user_profile_id, at, id);
        CREATE INDEX IF NOT EXISTS call_logs_persona ON call_logs(project_id, persona_profile_id, at, id);
        CREATE INDEX IF NOT EXISTS call_logs_errors ON call_logs(project_id, at, id) WHERE error IS NOT NULL OR status IS NULL OR status >= 400;

        -- Guardrail bans per conversation and reason (docs/behaviour.md, "Guardrails, stop reasons and bans").
        CREATE TABLE IF NOT EXISTS bans(
            project_id TEXT NOT NULL,
            user_profile_id TEXT NOT NULL,
            persona_profile_id TEXT NOT NULL,
            reason TEXT NOT NULL,
            offences INTEGER NOT NULL,
            last_offence_at INTEGER NOT NULL,
            stopped_until INTEGER,
            permanent INTEGER NOT NULL,
            PRIMARY KEY(project_id, user_profile_id, persona_profile_id, reason));

        -- One row per finished run of a conversation (the Response explorer), written with the run's outcome. Newest
        -- first by (created_at, id); one index per filter serves the filter and the order (see call_logs).
        CREATE TABLE IF NOT EXISTS runs(
            id {ID},
            project_id TEXT NOT NULL,
            conversation_id INTEGER NOT NULL,
            run_token INTEGER NOT NULL,
            user_profile_id TEXT NOT NULL,
            persona_profile_id TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            oldest_accepted_at INTEGER NOT NULL,
            outcome TEXT NOT NULL,
            answer_id TEXT,
            answer_ids TEXT,
            parts INTEGER NOT NULL,
            stop_reason TEXT,
            drop_reason TEXT,
            detail TEXT,
            chat_model TEXT,
            backend_model TEXT,
            test_mode INTEGER NOT NULL,
            input_tokens INTEGER NOT NULL,
            output_tokens INTEGER NOT NULL,
            cost_micros INTEGER NOT NULL,
            fetch_ms INTEGER,
            generate_ms INTEGER,
            attempts INTEGER NOT NULL,
            regeneration_reasons TEXT,
            checks TEXT);
        CREATE INDEX IF NOT EXISTS runs_time ON runs(project_id, created_at, id);
        CREATE INDEX IF NOT EXISTS runs_user ON runs(project_id, user_profile_id, created_at, id);
        CREATE INDEX IF NOT EXISTS runs_persona ON runs(project_id, persona_profile_id, created_at, id);
        CREATE INDEX IF NOT EXISTS runs_outcome ON runs(project_id, outcome, created_at, id);
        CREATE INDEX IF NOT EXISTS runs_stop ON runs(project_id, stop_reason, created_at, id) WHERE stop_reason IS NOT NULL;
        CREATE INDEX IF NOT EXISTS runs_drop ON runs(project_id, drop_reason, created_at, id) WHERE drop_reason IS NOT NULL;
        CREATE INDEX IF NOT EXISTS runs_model ON runs(project_id, chat_model, created_at, id);
        CREATE INDEX IF NOT EXISTS runs_test ON runs(project_id, test_mode, created_at, id);

        -- Usage per project and hour (the Usage page), added to as runs finish and calls are logged, so a page never
        -- scans runs. Each node adds to its own row (no lock shared between nodes); reads sum the nodes.
        CREATE TABLE IF NOT EXISTS usage_hourly(
            project_id TEXT NOT NULL,
            hour_start INTEGER NOT NULL,
            node TEXT NOT NULL,
            answers INTEGER NOT NULL DEFAULT 0,
            drops_timeout INTEGER NOT NULL DEFAULT 0,
            drops_generation_failed INTEGER NOT NULL DEFAULT 0,
            drops_customer_endpoint_failed INTEGER NOT NULL DEFAULT 0,
            drops_invalid_profile INTEGER NOT NULL DEFAULT 0,
            input_tokens INTEGER NOT NULL DEFAULT 0,
            output_tokens INTEGER NOT NULL DEFAULT 0,
            cost_micros INTEGER NOT NULL DEFAULT 0,
            customer_calls INTEGER NOT NULL DEFAULT 0,
            customer_errors INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY(project_id, hour_start, node));

        -- Time to answer (oldest accepted enqueue to answer) as a fixed histogram per project and hour: percentiles of
        -- any range come from summed bucket counts (bounds in UsageBuckets).
        CREATE TABLE IF NOT EXISTS usage_latency(
            project_id TEXT NOT NULL,
            hour_start INTEGER NOT NULL,
            node TEXT NOT NULL,
            bucket INTEGER NOT NULL,
            answers INTEGER NOT NULL,
            PRIMARY KEY(project_id, hour_start, node, bucket));

        -- The nodes sharing the database and when each was last alive: a node whose heartbeat is older than a lease
        -- is dead, and its undelivered events are adopted by the others.
        -- ASP.NET Core data-protection keys: they encrypt the dashboard's session cookies, shared by every node.
        CREATE TABLE IF NOT EXISTS dataprotection_keys(
            name TEXT PRIMARY KEY,
            xml TEXT NOT NULL);

        CREATE TABLE IF NOT EXISTS nodes(
            id TEXT PRIMARY KEY,
            started_at INTEGER NOT NULL,
            seen_at INTEGER NOT NULL);

        -- Long-term memory per (project, user, persona) (docs/memory.md): one row per fact, keyed by its uniqueIdentifier.
        -- Dates are YYYY-MM-DD text, tags a JSON array. The primary key's (project, user) prefix serves the erasure of a user.
        CREATE TABLE IF NOT EXISTS memories(
            project_id TEXT NOT NULL,
            user_profile_id TEXT NOT NULL,
            persona_profile_id TEXT NOT NULL,
            unique_identifier TEXT NOT NULL,
            target TEXT NOT NULL,
            category TEXT NOT NULL,
            description TEXT NOT NULL,
            event_start_date TEXT,
            event_end_date TEXT,
            source_text TEXT NOT NULL,
            recorded_at INTEGER NOT NULL,
            tags TEXT NOT NULL,
            slot TEXT,
            PRIMARY KEY(project_id, user_profile_id, persona_profile_id, unique_identifier));

        -- The dashboard Playground's built-in customer (docs/behaviour.md, "Playground"): the profiles an operator pasted
        -- or copied, per project; chat messages per (project, user, persona), user ids without the playground: prefix;
        -- and the events it received, whose id is the live stream's sequence number.
        CREATE TABLE IF NOT EXISTS playground_profiles(
            project_id TEXT NOT NULL,
            role TEXT NOT NULL,
            profile_id TEXT NOT NULL,
            body TEXT NOT NULL,
            source TEXT NOT NULL,
            updated_at INTEGER NOT NULL,
            PRIMARY KEY(project_id, role, profile_id));

        CREATE TABLE IF NOT EXISTS playground_messages(
            id {ID},
            project_id TEXT NOT NULL,
            user_profile_id TEXT NOT NULL,
            persona_profile_id TEXT NOT NULL,
            message_id TEXT NOT NULL,
            sender TEXT NOT NULL,
            sent_at INTEGER NOT NULL,
            text TEXT,
            picture_url TEXT,
            UNIQUE(project_id, user_profile_id, persona_profile_id, message_id));

        CREATE TABLE IF NOT EXISTS playground_events(
            id {ID},
            project_id TEXT NOT NULL,
            user_profile_id TEXT NOT NULL,
            persona_profile_id TEXT NOT NULL,
            webhook_id TEXT NOT NULL,
            event TEXT NOT NULL,
            body TEXT NOT NULL,
            signature_valid INTEGER NOT NULL,
            received_at INTEGER NOT NULL,
            UNIQUE(project_id, webhook_id));
        CREATE INDEX IF NOT EXISTS playground_events_pair ON playground_events(project_id, user_profile_id, persona_profile_id, id);
        """;

    /// <summary>
    /// PostgreSQL only: the queue tables (insert, then delete once served) are vacuumed after a fixed number of dead
    /// rows rather than a fraction of a table that is small by design; conversations leave room on each page so lease
    /// updates stay HOT (no index writes, no index bloat).
    /// </summary>
    const string PostgresTuning = """
        ALTER TABLE enqueues SET (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 5000, autovacuum_vacuum_cost_delay = 0);
        ALTER TABLE deliveries SET (fillfactor = 80, autovacuum_vacuum_scale_factor = 0.02, autovacuum_vacuum_threshold = 5000, autovacuum_vacuum_cost_delay = 0);
        ALTER TABLE conversations SET (fillfactor = 70, autovacuum_vacuum_scale_factor = 0.02, autovacuum_vacuum_cost_delay = 0);
        """;

    /// <summary>Columns added after a table first shipped: added in place when an older database lacks them.</summary>
    static readonly (string Table, string Column, string Definition)[] AddedColumns =
    [
        ("deliveries", "pause_ms", "INTEGER NOT NULL DEFAULT 0"),
        ("deliveries", "serves_through", "INTEGER NOT NULL DEFAULT 0"),
        ("deliveries", "owner", "TEXT"),
        ("conversations", "restarts", "INTEGER NOT NULL DEFAULT 0"),
        ("call_logs", "delivery_id", "INTEGER"),
        ("call_logs", "response_excerpt", "TEXT"),
        ("usage_hourly", "self_harm_runs", "INTEGER NOT NULL DEFAULT 0"),
    ];

    /// <summary>Indexes on <see cref="AddedColumns"/>: created once the columns exist.</summary>
    const string IndexesOnAddedColumns = """
        -- A run's delivery attempts (Response explorer): the incoming-content log entries of its events.
        CREATE INDEX IF NOT EXISTS call_logs_delivery ON call_logs(delivery_id) WHERE delivery_id IS NOT NULL;
        """;

    /// <summary>Any 64-bit number, the same on every node: the advisory lock that serializes schema upgrades.</summary>
    const long MigrationLock = 0x44756d47756d;

    /// <summary>
    /// Creates what is missing and upgrades older databases in place; safe to run at every start. On PostgreSQL
    /// several nodes may start at once: one transaction under an advisory lock makes the others wait, then find nothing to do.
    /// </summary>
    public static void Apply(Database database, DbConnection connection)
    {
        var dialect = database.Dialect;
        using var migration = dialect.BeginMigration(connection, MigrationLock);
        Database.Execute(connection, dialect.SchemaTypes(Sql));
        foreach (var (table, column, definition) in AddedColumns) dialect.AddColumnIfMissing(connection, table, column, definition);
        Database.Execute(connection, IndexesOnAddedColumns);
        if (dialect.TableStorageParameters) Database.Execute(connection, PostgresTuning);
        migration?.Commit();
    }
}
