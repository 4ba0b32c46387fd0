using System.Text.Json;
using System.Text.Json.Nodes;
using DumGum.Guardrails;
using DumGum.Replies;
using DumGum.Replies.Models;
using DumGum.Storage;
using DumGum.Webhooks;

namespace DumGum.Explorer;

/// <summary>
/// What the Response explorer keeps of one run, gathered while it runs (timings, why it failed) and written as one
/// <c>runs</c> row plus the usage counters inside the write transaction that records the run's outcome, so a run is
/// in the explorer and the usage exactly when its answer or drop is.
/// </summary>
public sealed class RunRecord(string projectId, long conversationId, long runToken, ConversationKey key,
    DateTimeOffset oldestAcceptedAt, bool testMode, string? chatModel, TimeProvider clock)
{
    public const string Answer = "ANSWER", Drop = "DROP";

    /// <summary>camelCase, as the itemisation it sits beside is written.</summary>
    static readonly JsonSerializerOptions WebJson = new(JsonSerializerDefaults.Web);

    long? fetchStarted, generateStarted;
    long? fetchMs, generateMs;
    Exception? failure;

    /// <summary>History and both profiles are being fetched.</summary>
    public void Fetching() => fetchStarted = clock.GetTimestamp();

    public void Fetched() => fetchMs = Elapsed(ref fetchStarted);

    /// <summary>The model is at work: the style card when one is written, then every attempt at the reply.</summary>
    public void Generating() => generateStarted = clock.GetTimestamp();

    public void Generated() => generateMs = Elapsed(ref generateStarted);

    /// <summary>Why the run is being dropped (its message becomes the run's <c>detail</c>).</summary>
    public void Failed(Exception exception) => failure = exception;

    long? Elapsed(ref long? started)
    {
        if (started is not { } s) return null;
        started = null;
        return (long)clock.GetElapsedTime(s).TotalMilliseconds;
    }

    /// <summary>The answered run: its parts (as sent), the reply behind them, and the guardrail's stop if any.</summary>
    public void WriteAnswer(WriteQueue.Writer w, DateTimeOffset now, GeneratedReply reply, GuardrailStop? stop,
        IReadOnlyList<Webhooks.Answer> answers)
    {
        ArgumentNullException.ThrowIfNull(reply);
        ArgumentNullException.ThrowIfNull(answers);
        var items = reply.Itemisation;
        // The cost exactly as the answer reports it (4 decimals), kept in millionths so sums stay exact integers.
        var costMicros = (long)(Math.Round(answers.Count > 0 ? answers[0].Cost : 0m, 4) * 1_000_000m);
        var checks = new JsonObject
        {
            ["signals"] = JsonSerializer.SerializeToNode(reply.Signals),
            ["stop"] = stop is null ? null : new JsonObject
            {
                ["reason"] = stop.Reason,
                ["until"] = stop.Until is { } until ? Events.FormatInstant(until) : null,
                ["keepText"] = stop.KeepText,
            },
            // What the safety step did (docs/behaviour.md, "Safety replies"): the self-harm flag, helpline, replaced reply.
            ["safety"] = items.Safety is null ? null : JsonSerializer.SerializeToNode(items.Safety, WebJson),
        };
        Insert(w, now, Answer, answers.Count > 0 ? answers[0].Id : null, JsonSerializer.Serialize(answers.Select(a => a.Id)), answers.Count,
            stop?.Reason, null, null, items.ChatModel, items.BackendModel, items.InputTokens, items.OutputTokens, costMicros,
            items.Attempts, items.RegenerationReasons, checks.ToJsonString());
        UsageStore.AddRun(w, projectId, now.ToUnixMs(), null, items.InputTokens, items.OutputTokens, costMicros,
            Math.Max(0L, (long)(now - oldestAcceptedAt).TotalMilliseconds), selfHarm: items.Safety?.SelfHarm == true);
    }

    /// <summary>The dropped run; a phase still open when it failed is timed until now.</summary>
    public void WriteDrop(WriteQueue.Writer w, DateTimeOffset now, string reason)
    {
        fetchMs ??= Elapsed(ref fetchStarted);
        generateMs ??= Elapsed(ref generateStarted);
        var failed = failure as GenerationFailedException;
        Insert(w, now, Drop, null, null, 0, null, reason, failure?.Message, chatModel, null, 0, 0, 0,
            failed?.Attempts ?? 0, failed?.Reasons ?? [], null);
        UsageStore.AddRun(w, projectId, now.ToUnixMs(), reason, 0, 0, 0, null);
    }

    void Insert(WriteQueue.Writer w, DateTimeOffset now, string outcome, string? answerId, string? answerIds, int parts,
        string? stopReason, string? dropReason, string? detail, string? model, string? backendModel, long inputTokens,
        long outputTokens, long costMicros, int attempts, IReadOnlyList<string> reasons, string? checks) =>
        w.Command("""
                INSERT INTO runs(project_id, conversation_id, run_token, user_profile_id, persona_profile_id, created_at, oldest_accepted_at,
                    outcome, answer_id, answer_ids, parts, stop_reason, drop_reason, detail, chat_model, backend_model, test_mode,
                    input_tokens, output_tokens, cost_micros, fetch_ms, generate_ms, attempts, regeneration_reasons, checks)
                VALUES(@p, @c, @run, @user, @persona, @at, @oldest, @outcome, @answer, @answers, @parts, @stop, @drop, @detail,
                    @model, @backend, @test, @in, @out, @cost, @fetch, @generate, @attempts, @reasons, @checks)
                """)
            .With("@p", projectId).With("@c", conversationId).With("@run", runToken).With("@user", key.UserProfileId)
            .With("@persona", key.PersonaProfileId).With("@at", now.ToUnixMs()).With("@oldest", oldestAcceptedAt.ToUnixMs())
            .With("@outcome", outcome).With("@answer", answerId).With("@answers", answerIds).With("@parts", (long)parts)
            .With("@stop", stopReason).With("@drop", dropReason).With("@detail", detail).With("@model", model)
            .With("@backend", backendModel).With("@test", testMode ? 1L : 0L).With("@in", inputTokens).With("@out", outputTokens)
            .With("@cost", costMicros).With("@fetch", fetchMs).With("@generate", generateMs).With("@attempts", (long)attempts)
            .With("@reasons", JsonSerializer.Serialize(reasons)).With("@checks", checks).ExecuteNonQuery();
}
