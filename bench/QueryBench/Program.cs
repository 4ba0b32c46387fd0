using System.Data.Common;
using System.Diagnostics;
using System.Globalization;
using DumGum.Customers;
using DumGum.Explorer;
using DumGum.Storage;
using Microsoft.Extensions.Logging.Abstractions;

// Times the project-log and Response-explorer queries, one filter at a time, on a SQLite file holding 1,000,000
// call_logs rows and 1,000,000 runs of one project (plus 100,000 of each of another project, interleaved), against a
// primary-key lookup on the same connection path as the baseline. Usage: QueryBench [--db PATH] [--rows N] [--repeat K].
var path = Arg("--db") ?? Path.Combine(Path.GetTempPath(), $"dumgum-querybench-{Environment.ProcessId}.db");
var rows = int.Parse(Arg("--rows") ?? "1000000", CultureInfo.InvariantCulture);
var repeat = int.Parse(Arg("--repeat") ?? "9", CultureInfo.InvariantCulture);
var keep = args.Contains("--keep");
const string Project = "proj_bench", Other = "proj_other";
var end = new DateTimeOffset(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);
var span = TimeSpan.FromDays(30);

string? Arg(string name) => Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;

var fresh = !File.Exists(path);
using var database = Database.Sqlite(path);
if (fresh)
{
    var seed = Stopwatch.StartNew();
    Seed(database, rows);
    Console.WriteLine($"seeded {rows:N0} call_logs and {rows:N0} runs of {Project} (+{rows / 10:N0} of each of {Other}) in {seed.Elapsed.TotalSeconds:F1} s; file {new FileInfo(path).Length / 1048576} MiB");
}
else Console.WriteLine($"reusing {path}");

using var writes = new WriteQueue(database, NullLogger<WriteQueue>.Instance);
var logs = new CallLog(database, writes, TimeProvider.System, NullLogger<CallLog>.Instance);
var runs = new RunStore(database);
long middleLogId, middleRunId;
using (var c = database.Open())
{
    middleLogId = (long)c.Sql("SELECT id FROM call_logs WHERE project_id = @p ORDER BY id LIMIT 1 OFFSET @o").With("@p", Project).With("@o", rows / 2).ExecuteScalar()!;
    middleRunId = (long)c.Sql("SELECT id FROM runs WHERE project_id = @p ORDER BY id LIMIT 1 OFFSET @o").With("@p", Project).With("@o", rows / 2).ExecuteScalar()!;
}

var hourAgo = end.AddHours(-1);
var cases = new List<(string Name, Func<int> Run)>
{
    ("baseline: call_logs row by primary key", () => Baseline(database, "call_logs", middleLogId)),
    ("baseline: runs row by primary key", () => Baseline(database, "runs", middleRunId)),
};
CallLogQuery L(string? kind = null, string? status = null, string? user = null, string? persona = null, DateTimeOffset? since = null,
    DateTimeOffset? until = null, long? before = null) => new(Project, kind, status, user, persona, since, before, 100) { Until = until };
foreach (var (name, q) in new (string, CallLogQuery)[]
{
    ("logs: no filter", L()),
    ("logs: kind=incoming_content", L(kind: CallLog.Incoming)),
    ("logs: status=error (5%)", L(status: "error")),
    ("logs: status=ok", L(status: "ok")),
    ("logs: userProfileId (≈20 rows)", L(user: "u-4242")),
    ("logs: userProfileId (no rows)", L(user: "u-nobody")),
    ("logs: personaProfileId (≈2,000 rows)", L(persona: "p-42")),
    ("logs: since=last hour", L(since: hourAgo)),
    ("logs: since=40 days ago (all)", L(since: end.AddDays(-40))),
    ("logs: until=29 days ago", L(until: end.AddDays(-29))),
    ("logs: until=a year ago (no rows)", L(until: end.AddDays(-365))),
    ("logs: page in the middle (before=)", L(before: middleLogId)),
})
    cases.Add((name, () => logs.Query(q).Count));
var R = new RunQuery(Project) { Limit = 50 };
foreach (var (name, q) in new (string, RunQuery)[]
{
    ("runs: no filter", R),
    ("runs: userProfileId (≈20 rows)", R with { UserProfileId = "u-4242" }),
    ("runs: personaProfileId (≈2,000 rows)", R with { PersonaProfileId = "p-42" }),
    ("runs: outcome=DROP (5%)", R with { Outcome = "DROP" }),
    ("runs: stopReason=USER_UNDERAGE (0.2%)", R with { StopReason = "USER_UNDERAGE" }),
    ("runs: dropReason=INVALID_PROFILE (0.5%)", R with { DropReason = "INVALID_PROFILE" }),
    ("runs: model=dating-rare-1 (1%)", R with { Model = "dating-rare-1" }),
    ("runs: model=nothing (no rows)", R with { Model = "nothing" }),
    ("runs: testMode=true (1%)", R with { TestMode = true }),
    ("runs: since=last hour", R with { Since = hourAgo }),
    ("runs: until=29 days ago", R with { Until = end.AddDays(-29) }),
    ("runs: until=a year ago (no rows)", R with { Until = end.AddDays(-365) }),
    ("runs: page in the middle (before=)", R with { Before = middleRunId }),
    ("runs: limit=200", R with { Limit = 200 }),
})
    cases.Add((name, () => runs.Query(q).Items.Count));
cases.Add(("run detail (Find)", () => runs.Find(Project, middleRunId) is null ? 0 : 1));
cases.Add(("usage: 30 days by day", () => new UsageStore(database).Series(Project, end.AddDays(-30), end, UsageGranularity.Day).Points.Count));

Console.WriteLine($"{"query",-44} {"rows",5} {"median ms",10} {"max ms",8}   ({repeat} timed runs after 1 warm-up, each on a fresh pooled connection)");
var worst = 0.0;
foreach (var (name, run) in cases)
{
    var count = run();
    var times = new List<double>();
    for (var i = 0; i < repeat; i++)
    {
        var started = Stopwatch.GetTimestamp();
        run();
        times.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
    }
    times.Sort();
    if (!name.StartsWith("baseline", StringComparison.Ordinal)) worst = Math.Max(worst, times[^1]);
    Console.WriteLine($"{name,-44} {count,5} {times[times.Count / 2],10:F2} {times[^1],8:F2}");
}
Console.WriteLine($"slowest query (max over all runs): {worst:F1} ms; goal 300 ms: {(worst <= 300 ? "met" : "MISSED")}");
writes.Dispose();
if (!keep && fresh)
{
    Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
    foreach (var f in new[] { path, path + "-wal", path + "-shm" }) File.Delete(f);
}
return worst <= 300 ? 0 : 1;

static int Baseline(Database database, string table, long id)
{
    using var c = database.Open();
    using var command = c.Sql($"SELECT id FROM {table} WHERE id = @id").With("@id", id);
    return command.ExecuteScalar() is null ? 0 : 1;
}

// One transaction of prepared INSERTs (synchronous off while seeding): rows in time order, as the server writes them.
void Seed(Database db, int n)
{
    using var c = db.Open();
    Database.Execute(c, "PRAGMA synchronous=OFF");
    using var tx = c.BeginTransaction();
    var random = new Random(42);
    string[] kinds = [CallLog.Profile, CallLog.History, CallLog.Incoming];
    using (var insert = Prepare(c, tx, "INSERT INTO call_logs(project_id, at, kind, url, status, latency_ms, attempt, error, user_profile_id, persona_profile_id, delivery_id) VALUES(@p, @at, @kind, @url, @status, @latency, 1, @error, @user, @persona, @delivery)",
               "@p", "@at", "@kind", "@url", "@status", "@latency", "@error", "@user", "@persona", "@delivery"))
    {
        var total = n + n / 10;
        for (var i = 0; i < total; i++)
        {
            var p = insert.Parameters;
            var kind = kinds[random.Next(3)];
            var failed = random.NextDouble() < 0.05;
            p[0].Value = i % 11 == 10 ? Other : Project;
            p[1].Value = (end - span + span * ((double)i / total)).ToUnixTimeMilliseconds();
            p[2].Value = kind;
            p[3].Value = $"https://customer.example/{kind}?profileId=u-{i % 50000}";
            p[4].Value = failed ? (random.Next(2) == 0 ? DBNull.Value : 503) : (kind == CallLog.Incoming ? 204 : 200);
            p[5].Value = (long)random.Next(5, 400);
            p[6].Value = failed ? "HTTP 503" : DBNull.Value;
            p[7].Value = $"u-{random.Next(50000)}";
            p[8].Value = $"p-{random.Next(500)}";
            p[9].Value = kind == CallLog.Incoming ? i : DBNull.Value;
            insert.ExecuteNonQuery();
        }
    }
    string[] models = ["dating-smart-1", "dating-fast-1", "dating-rare-1"];
    string[] stops = ["USER_UNDERAGE", "AI_SUSPICION", "USER_HOSTILE", "USER_MESSAGE_REPETITION"];
    string[] drops = ["TIMEOUT", "GENERATION_FAILED", "CUSTOMER_ENDPOINT_FAILED", "INVALID_PROFILE"];
    using (var insert = Prepare(c, tx, """
               INSERT INTO runs(project_id, conversation_id, run_token, user_profile_id, persona_profile_id, created_at, oldest_accepted_at,
                   outcome, answer_id, answer_ids, parts, stop_reason, drop_reason, detail, chat_model, backend_model, test_mode,
                   input_tokens, output_tokens, cost_micros, fetch_ms, generate_ms, attempts, regeneration_reasons, checks)
               VALUES(@p, @c, @run, @user, @persona, @at, @oldest, @outcome, @answer, @answers, @parts, @stop, @drop, NULL, @model,
                   'backend-model', @test, 2300, 60, 6500, 120, 1800, 1, '[]', '{"signals":{},"stop":null}')
               """, "@p", "@c", "@run", "@user", "@persona", "@at", "@oldest", "@outcome", "@answer", "@answers", "@parts", "@stop", "@drop", "@model", "@test"))
    {
        var total = n + n / 10;
        for (var i = 0; i < total; i++)
        {
            var p = insert.Parameters;
            var at = (end - span + span * ((double)i / total)).ToUnixTimeMilliseconds();
            var roll = random.NextDouble();
            var drop = roll < 0.05 ? (roll < 0.005 ? "INVALID_PROFILE" : drops[random.Next(3)]) : null;
            p[0].Value = i % 11 == 10 ? Other : Project;
            p[1].Value = (long)random.Next(1_000_000);
            p[2].Value = (long)i;
            p[3].Value = $"u-{random.Next(50000)}";
            p[4].Value = $"p-{random.Next(500)}";
            p[5].Value = at;
            p[6].Value = at - random.Next(1000, 60000);
            p[7].Value = drop is null ? "ANSWER" : "DROP";
            p[8].Value = drop is null ? $"answer_{i:D18}" : DBNull.Value;
            p[9].Value = drop is null ? $"[\"answer_{i:D18}\"]" : DBNull.Value;
            p[10].Value = drop is null ? 1L : 0L;
            var stopRoll = random.NextDouble();
            p[11].Value = drop is null && stopRoll < 0.02 ? (stopRoll < 0.002 ? "USER_UNDERAGE" : stops[1 + random.Next(3)]) : DBNull.Value;
            p[12].Value = (object?)drop ?? DBNull.Value;
            var m = random.NextDouble();
            p[13].Value = m < 0.01 ? models[2] : m < 0.2 ? models[1] : models[0];
            p[14].Value = random.NextDouble() < 0.01 ? 1L : 0L;
            insert.ExecuteNonQuery();
        }
    }
    tx.Commit();
    Database.Execute(c, "PRAGMA wal_checkpoint(TRUNCATE)");
}

static DbCommand Prepare(DbConnection c, DbTransaction tx, string sql, params string[] names)
{
    var command = c.CreateCommand();
    command.Transaction = tx;
    command.CommandText = sql;
    foreach (var name in names) command.With(name, null);
    command.Prepare();
    return command;
}

static class SqlHelpers
{
    public static DbCommand With(this DbCommand command, string name, object? value)
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
}
