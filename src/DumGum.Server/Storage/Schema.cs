using Microsoft.Data.Sqlite;

namespace DumGum.Storage;

/// <summary>Times are Unix milliseconds (UTC) throughout; JSON columns hold the exact text we received or will send.</summary>
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
            id INTEGER PRIMARY KEY,
            project_id TEXT NOT NULL,
            user_profile_id TEXT NOT NULL,
            persona_profile_id TEXT NOT NULL,
            lease_owner TEXT,
            lease_until INTEGER,
            lease_token INTEGER NOT NULL DEFAULT 0,
            UNIQUE(project_id, user_profile_id, persona_profile_id));

        -- Accepted enqueue requests until the run that serves them commits its outcome.
        CREATE TABLE IF NOT EXISTS enqueues(
            id INTEGER PRIMARY KEY,
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
            id INTEGER PRIMARY KEY,
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

        -- SoulEngine style cards: one per persona version.
        CREATE TABLE IF NOT EXISTS style_cards(
            project_id TEXT NOT NULL,
            persona_profile_id TEXT NOT NULL,
            version TEXT NOT NULL,
            card TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            PRIMARY KEY(project_id, persona_profile_id, version));

        CREATE TABLE IF NOT EXISTS call_logs(
            id INTEGER PRIMARY KEY,
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
        """;

    /// <summary>Columns added after a table first shipped: added in place when an older database lacks them.</summary>
    static readonly (string Table, string Column, string Definition)[] AddedColumns =
    [
        ("deliveries", "pause_ms", "INTEGER NOT NULL DEFAULT 0"),
        ("deliveries", "serves_through", "INTEGER NOT NULL DEFAULT 0"),
    ];

    /// <summary>Creates what is missing and upgrades older databases in place; safe to run at every start.</summary>
    public static void Apply(SqliteConnection connection)
    {
        Database.Execute(connection, Sql);
        foreach (var (table, column, definition) in AddedColumns)
        {
            using var info = connection.Sql($"SELECT COUNT(*) FROM pragma_table_info('{table}') WHERE name = '{column}'");
            if ((long)info.ExecuteScalar()! == 0) Database.Execute(connection, $"ALTER TABLE {table} ADD COLUMN {column} {definition}");
        }
    }
}
