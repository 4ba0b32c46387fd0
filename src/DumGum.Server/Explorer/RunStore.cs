using System.Data.Common;
using System.Text.Json;
using System.Text.Json.Nodes;
using DumGum.Storage;
using DumGum.Webhooks;

namespace DumGum.Explorer;

/// <summary>
/// A page of runs, newest first. Every filter is optional; <see cref="Since"/> is inclusive, <see cref="Until"/>
/// exclusive; <see cref="Before"/> is the <see cref="RunPage.NextBefore"/> of the previous page; <see cref="Limit"/> 1–200.
/// </summary>
public sealed record RunQuery(string ProjectId)
{
    public const int MaxLimit = 200;

    public string? UserProfileId { get; init; }
    public string? PersonaProfileId { get; init; }
    /// <summary><c>ANSWER</c> or <c>DROP</c>.</summary>
    public string? Outcome { get; init; }
    public string? StopReason { get; init; }
    public string? DropReason { get; init; }
    /// <summary>The requested chat model (<c>replyParameters.chatModel</c>).</summary>
    public string? Model { get; init; }
    public bool? TestMode { get; init; }
    public DateTimeOffset? Since { get; init; }
    public DateTimeOffset? Until { get; init; }
    public long? Before { get; init; }
    public int Limit { get; init; } = 50;
}

/// <summary>
/// One finished run. <see cref="Cost"/> is the answer's reported cost (4 decimals, 0 for drops); <see cref="FetchMs"/>
/// the history and profiles, <see cref="GenerateMs"/> the model's work (style card and every attempt); null when the
/// run ended before that phase. <see cref="Checks"/>: the model's guardrail <c>signals</c> and the guardrail's <c>stop</c>.
/// </summary>
public sealed record RunSummary(
    long Id,
    string ProjectId,
    long ConversationId,
    long RunToken,
    string UserProfileId,
    string PersonaProfileId,
    DateTimeOffset CreatedAt,
    DateTimeOffset OldestAcceptedAt,
    string Outcome,
    string? AnswerId,
    IReadOnlyList<string> AnswerIds,
    int Parts,
    string? StopReason,
    string? DropReason,
    string? Detail,
    string? ChatModel,
    string? BackendModel,
    bool TestMode,
    long InputTokens,
    long OutputTokens,
    decimal Cost,
    long? FetchMs,
    long? GenerateMs,
    int Attempts,
    IReadOnlyList<string> RegenerationReasons,
    JsonObject? Checks)
{
    /// <summary>Oldest accepted enqueue → outcome recorded (for answers: the answer's <c>createdAt</c>).</summary>
    public long TimeToOutcomeMs => (long)(CreatedAt - OldestAcceptedAt).TotalMilliseconds;
}

public sealed record RunPage(IReadOnlyList<RunSummary> Items, long? NextBefore);

/// <summary>One answer part as stored (the <c>answer</c> object of its <c>answer.created</c>).</summary>
public sealed record RunAnswer(string Id, DateTimeOffset CreatedAt, JsonObject? Answer);

/// <summary>One POST of an event to the Incoming Content endpoint (from the project logs).</summary>
public sealed record DeliveryAttempt(long LogId, DateTimeOffset At, int Attempt, int? Status, long LatencyMs, string? Error);

/// <summary>
/// An event sent (or to be sent) for the run: <see cref="Status"/> <c>pending</c>, <c>delivered</c>, <c>failed</c>,
/// <c>expired</c> or <c>cancelled</c>; <see cref="Attempts"/> the POSTs made; <see cref="AttemptLog"/> each POST with its HTTP status.
/// </summary>
public sealed record RunEvent(long Id, string Event, string WebhookId, string Status, int Attempts, string? LastError,
    DateTimeOffset CreatedAt, DateTimeOffset? DeliveredAt, IReadOnlyList<DeliveryAttempt> AttemptLog);

/// <summary>
/// A run with its answer parts, the first part's prompt itemisation (blocks with token counts, models, usage), every
/// event of the run and its attempts, and the delivery time of the first part (its delivery − its creation; null
/// until delivered).
/// </summary>
public sealed record RunDetail(RunSummary Run, IReadOnlyList<RunAnswer> Answers, JsonNode? Itemisation,
    IReadOnlyList<RunEvent> Events, long? FirstPartDeliveryMs);

/// <summary>The Response explorer's data: the runs of a project (written by <see cref="RunRecord"/>), always scoped by project.</summary>
public sealed class RunStore(Database database)
{
    const string Columns = """
        id, project_id, conversation_id, run_token, user_profile_id, persona_profile_id, created_at, oldest_accepted_at, outcome,
        answer_id, answer_ids, parts, stop_reason, drop_reason, detail, chat_model, backend_model, test_mode, input_tokens,
        output_tokens, cost_micros, fetch_ms, generate_ms, attempts, regeneration_reasons, checks
        """;

    /// <summary>
    /// Newest first by (created_at, id). Only the filters given become SQL, so each meets the index made for it
    /// (Storage/Schema.cs) and a page costs the same in a project of any size.
    /// </summary>
    public RunPage Query(RunQuery q)
    {
        ArgumentNullException.ThrowIfNull(q);
        if (q.Limit is < 1 or > RunQuery.MaxLimit) throw new ArgumentOutOfRangeException(nameof(q), q.Limit, $"Limit must be 1 to {RunQuery.MaxLimit}");
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        var where = new List<string> { "project_id = @p" };
        command.With("@p", q.ProjectId);
        void Equal(string column, string name, object? value)
        {
            if (value is null) return;
            where.Add($"{column} = {name}");
            command.With(name, value);
        }
        Equal("user_profile_id", "@user", q.UserProfileId);
        Equal("persona_profile_id", "@persona", q.PersonaProfileId);
        Equal("outcome", "@outcome", q.Outcome);
        Equal("stop_reason", "@stop", q.StopReason);
        Equal("drop_reason", "@drop", q.DropReason);
        Equal("chat_model", "@model", q.Model);
        Equal("test_mode", "@test", q.TestMode is { } t ? (t ? 1L : 0L) : null);
        if (q.Since is { } since) { where.Add("created_at >= @since"); command.With("@since", since.ToUnixMs()); }
        if (q.Until is { } until) { where.Add("created_at < @until"); command.With("@until", until.ToUnixMs()); }
        if (q.Before is { } before) Keyset.After(connection, command, where, "runs", "created_at", q.ProjectId, before);
        command.CommandText = $"SELECT {Columns} FROM runs WHERE {string.Join(" AND ", where)} ORDER BY created_at DESC, id DESC LIMIT @limit";
        command.With("@limit", q.Limit);
        var items = new List<RunSummary>();
        using (var reader = command.ExecuteReader())
            while (reader.Read()) items.Add(Read(reader));
        return new RunPage(items, items.Count == q.Limit ? items[^1].Id : null);
    }

    /// <summary>The run with everything sent for it, or null when the project has no such run.</summary>
    public RunDetail? Find(string projectId, long runId)
    {
        using var connection = database.Open();
        RunSummary run;
        using (var command = connection.Sql($"SELECT {Columns} FROM runs WHERE id = @id AND project_id = @p").With("@id", runId).With("@p", projectId))
        using (var reader = command.ExecuteReader())
        {
            if (!reader.Read()) return null;
            run = Read(reader);
        }

        var answers = new List<RunAnswer>();
        JsonNode? itemisation = null;
        if (run.AnswerIds.Count > 0)
        {
            using var command = connection.Sql($"""
                SELECT id, created_at, answer, itemisation FROM answers
                WHERE project_id = @p AND id IN ({string.Join(", ", run.AnswerIds.Select((_, i) => $"@a{i}"))})
                """).With("@p", projectId);
            for (var i = 0; i < run.AnswerIds.Count; i++) command.With($"@a{i}", run.AnswerIds[i]);
            var byId = new Dictionary<string, RunAnswer>(StringComparer.Ordinal);
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                var id = reader.GetString(0);
                byId[id] = new RunAnswer(id, reader.GetInt64(1).FromUnixMs(), JsonNode.Parse(reader.GetString(2))?["data"]?["answer"]?.DeepClone().AsObject());
                if (id == run.AnswerId && !reader.IsDBNull(3)) itemisation = JsonNode.Parse(reader.GetString(3));
            }
            // In part order; parts removed by retention are left out.
            answers.AddRange(run.AnswerIds.Where(byId.ContainsKey).Select(id => byId[id]));
        }

        var events = new List<(long Id, string Event, string WebhookId, string Status, int Attempts, string? LastError, long CreatedAt, long? DeliveredAt)>();
        using (var command = connection.Sql("""
                   SELECT id, event, webhook_id, status, attempts, last_error, created_at, delivered_at FROM deliveries
                   WHERE conversation_id = @c AND run_token = @run AND project_id = @p ORDER BY id
                   """).With("@c", run.ConversationId).With("@run", run.RunToken).With("@p", projectId))
        using (var reader = command.ExecuteReader())
            while (reader.Read())
                events.Add((reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), (int)reader.GetInt64(4),
                    reader.StringOrNull(5), reader.GetInt64(6), reader.Int64OrNull(7)));

        var attempts = events.ToDictionary(e => e.Id, _ => new List<DeliveryAttempt>());
        if (events.Count > 0)
        {
            using var command = connection.Sql($"""
                SELECT id, at, attempt, status, latency_ms, error, delivery_id FROM call_logs
                WHERE delivery_id IN ({string.Join(", ", events.Select(e => e.Id))}) AND project_id = @p ORDER BY id
                """).With("@p", projectId);
            using var reader = command.ExecuteReader();
            while (reader.Read())
                attempts[reader.GetInt64(6)].Add(new DeliveryAttempt(reader.GetInt64(0), reader.GetInt64(1).FromUnixMs(), (int)reader.GetInt64(2),
                    reader.IsDBNull(3) ? null : (int)reader.GetInt64(3), reader.GetInt64(4), reader.StringOrNull(5)));
        }

        // The outbox counts failed POSTs (what a resumed delivery goes on from); the explorer shows every POST made.
        var sent = events.Select(e => new RunEvent(e.Id, e.Event, e.WebhookId, e.Status,
            Math.Max(e.Attempts + (e.Status == "delivered" ? 1 : 0), attempts[e.Id].Count), e.LastError, e.CreatedAt.FromUnixMs(),
            e.DeliveredAt?.FromUnixMs(), attempts[e.Id])).ToList();
        var firstPart = sent.FirstOrDefault(e => e.Event == Events.AnswerCreated);
        long? deliveryMs = firstPart?.DeliveredAt is { } at ? (long)(at - firstPart.CreatedAt).TotalMilliseconds : null;
        return new RunDetail(run, answers, itemisation, sent, deliveryMs);
    }

    /// <summary>
    /// The run that sent an answer (any of its parts), or null when the project has no such answer or its run is gone.
    /// Every part of a run is stored at the run's own <c>created_at</c>, so the answer's primary key leads to the run
    /// through the <c>runs_time</c> index, never a scan.
    /// </summary>
    public long? FindRunIdByAnswer(string projectId, string answerId)
    {
        using var connection = database.Open();
        long conversationId, createdAt;
        using (var command = connection.Sql("SELECT conversation_id, created_at FROM answers WHERE id = @id AND project_id = @p")
                   .With("@id", answerId).With("@p", projectId))
        using (var reader = command.ExecuteReader())
        {
            if (!reader.Read()) return null;
            (conversationId, createdAt) = (reader.GetInt64(0), reader.GetInt64(1));
        }
        using (var command = connection.Sql("""
                   SELECT id, answer_ids FROM runs
                   WHERE project_id = @p AND created_at = @at AND conversation_id = @c AND outcome = @outcome ORDER BY id
                   """).With("@p", projectId).With("@at", createdAt).With("@c", conversationId).With("@outcome", RunRecord.Answer))
        using (var reader = command.ExecuteReader())
            while (reader.Read())
                if (Strings(reader.StringOrNull(1)).Contains(answerId, StringComparer.Ordinal)) return reader.GetInt64(0);
        return null;
    }

    static RunSummary Read(DbDataReader r) => new(
        r.GetInt64(0), r.GetString(1), r.GetInt64(2), r.GetInt64(3), r.GetString(4), r.GetString(5), r.GetInt64(6).FromUnixMs(),
        r.GetInt64(7).FromUnixMs(), r.GetString(8), r.StringOrNull(9), Strings(r.StringOrNull(10)), (int)r.GetInt64(11),
        r.StringOrNull(12), r.StringOrNull(13), r.StringOrNull(14), r.StringOrNull(15), r.StringOrNull(16), r.GetInt64(17) != 0,
        r.GetInt64(18), r.GetInt64(19), r.GetInt64(20) / 1_000_000m, r.Int64OrNull(21), r.Int64OrNull(22), (int)r.GetInt64(23),
        Strings(r.StringOrNull(24)), r.StringOrNull(25) is { } checks ? JsonNode.Parse(checks)?.AsObject() : null);

    static string[] Strings(string? json) => json is null ? [] : JsonSerializer.Deserialize<string[]>(json) ?? [];
}
