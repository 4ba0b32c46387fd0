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
        CREATE INDEX IF NOT EXISTS call_logs_project ON call_logs(project_id, id);

        -- Guardrail bans per conversation and reason (decisions §7).
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

        -- The nodes sharing the database and when each was last alive: a node whose heartbeat is older than a lease
        -- is dead, and its undelivered events are adopted by the others.
        CREATE TABLE IF NOT EXISTS nodes(
            id TEXT PRIMARY KEY,
            started_at INTEGER NOT NULL,
            seen_at INTEGER NOT NULL);

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
    ];

    /// <summary>Any 64-bit number, the same on every node: the advisory lock that serializes schema upgrades.</summary>
    const long MigrationLock = 0x44756d47756d;

    /// <summary>
    /// Creates what is missing and upgrades older databases in place; safe to run at every start. On PostgreSQL
    /// several nodes may start at once: one transaction under an advisory lock makes the others wait, then find nothing to do.
    /// </summary>
    public static void Apply(Database database, DbConnection connection)
    {
        if (!database.IsPostgres)
        {
            Database.Execute(connection, Sql.Replace("{ID}", "INTEGER PRIMARY KEY", StringComparison.Ordinal));
            foreach (var (table, column, definition) in AddedColumns)
            {
                using var info = connection.Sql($"SELECT COUNT(*) FROM pragma_table_info('{table}') WHERE name = '{column}'");
                if ((long)info.ExecuteScalar()! == 0) Database.Execute(connection, $"ALTER TABLE {table} ADD COLUMN {column} {definition}");
            }
            return;
        }
        using var transaction = connection.BeginTransaction();
        Database.Execute(connection, $"SELECT pg_advisory_xact_lock({MigrationLock})");
        Database.Execute(connection, ForPostgres(Sql));
        foreach (var (table, column, definition) in AddedColumns)
            Database.Execute(connection, $"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS {column} {ForPostgres(definition)}");
        Database.Execute(connection, PostgresTuning);
        transaction.Commit();
    }

    static string ForPostgres(string sql) => sql
        .Replace("{ID}", "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY", StringComparison.Ordinal)
        .Replace("INTEGER", "BIGINT", StringComparison.Ordinal)
        .Replace("BLOB", "BYTEA", StringComparison.Ordinal);
}
