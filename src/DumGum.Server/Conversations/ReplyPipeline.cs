using DumGum.Customers;
using DumGum.Guardrails;
using DumGum.Memory;
using DumGum.Projects;
using DumGum.Replies;
using DumGum.Replies.Vision;
using DumGum.Webhooks;
using Microsoft.Extensions.AI;

namespace DumGum.Conversations;

/// <summary>What one reply is written from, whoever asks for it (a conversation run or <c>/generate</c>).</summary>
/// <param name="Request">The enqueue (or the synchronous request's settings): language, tags, <c>testMode</c>.</param>
/// <param name="Parameters">The reply parameters, already merged with the project's defaults.</param>
/// <param name="At">The moment the context is written for (Engage, the persona's clock).</param>
/// <param name="OldestAcceptedAt">The oldest request the reply serves, for the answers' <c>responseTime</c>.</param>
public sealed record ReplyInputs(Project Project, ConversationKey Key, CustomerProfile User, CustomerProfile Persona,
    IReadOnlyList<HistoryMessage> History, EnqueueRequest Request, ReplyParameters Parameters, DateTimeOffset At,
    DateTimeOffset OldestAcceptedAt)
{
    /// <summary>The pair's long-term memory, when the project keeps one (docs/memory.md).</summary>
    public IReadOnlyList<MemoryItem> Memories { get; init; } = [];
}

/// <summary>
/// A written, guarded and composed reply. <see cref="Context"/> is the one the reply was written from (Vision Link's
/// descriptions in, rejected pictures out); <see cref="Reply"/> carries the analysed photos in its cost and the
/// guardrail's safety reply; <see cref="Vision"/> holds the <c>chat.image.rejected</c> events a run sends.
/// </summary>
public sealed record ComposedReply(ReplyContext Context, GeneratedReply Reply, GuardrailStop? Stop,
    IReadOnlyList<(Answer Answer, TimeSpan Pause)> Answers, VisionRun Vision, DateTimeOffset At);

/// <summary>
/// The steps of one reply, the same for a conversation run and for <c>/generate</c> (docs/behaviour.md, "Replies";
/// docs/behaviour.md, "Synchronous endpoints"): the context, SoulEngine's style card, Vision Link (pictures described,
/// shared ones moderated and billed), the reply itself, the guardrails (stop reason, ban, safety reply), and the answers.
/// What is about a run (lease, events, recording the outcome) or about an HTTP request stays with the caller.
/// </summary>
public sealed class ReplyPipeline(
    SoulEngine soul,
    VisionLink vision,
    ReplyWriter writer,
    Guardrail guardrail,
    IChatClient model,
    TimeProvider clock)
{
    /// <summary>
    /// Writes and composes the reply. <paramref name="written"/> is called once the reply is written, before the
    /// guardrails: <paramref name="cancellationToken"/> governs only the work up to there (the model calls), so a
    /// caller can stop treating the reply as cancellable from then on. <paramref name="guarded"/>, when given, sees the
    /// guarded reply before the answers are composed and may amend it (the runner's memory extraction adds its cost and
    /// itemisation there, so they are on the answer).
    /// </summary>
    public async Task<ComposedReply> RunAsync(ReplyInputs inputs, Action? written, CancellationToken cancellationToken,
        Func<ReplyContext, GeneratedReply, Task<GeneratedReply>>? guarded = null)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        var (project, key, request, parameters) = (inputs.Project, inputs.Key, inputs.Request, inputs.Parameters);
        var testMode = request.TestMode;
        var context = ReplyComposer.Context(inputs.User, inputs.Persona, inputs.History, request, parameters, project, inputs.At,
            Random.Shared) with { Memories = inputs.Memories };
        // SoulEngine (docs/behaviour.md, "Replies", SoulEngine): the style card is cached per persona version.
        if (parameters.GeneratePersonality)
            context = context with
            {
                StyleCard = await soul.CardAsync(project.Id, inputs.Persona,
                    offline: testMode || model.GetService<OfflineChatClient>() is not null, cancellationToken),
            };
        // Vision Link: pictures described (and shared ones moderated) before the reply is written.
        var seen = await vision.PrepareAsync(project, key, context, testMode, cancellationToken);
        context = seen.Context;
        var reply = seen.Bill(await writer.WriteAsync(context, project.Id, testMode, cancellationToken));
        written?.Invoke();

        var now = clock.GetUtcNow();
        var safety = await guardrail.ApplyAsync(project, key, context, reply, testMode, now);
        reply = safety.Reply;
        if (guarded is not null)
        {
            reply = await guarded(context, reply);
            now = clock.GetUtcNow();
        }
        var answers = ReplyComposer.Answers(reply, context, key, request.Tags, testMode, inputs.OldestAcceptedAt, now, safety.Stop);
        return new ComposedReply(context, reply, safety.Stop, answers, seen, now);
    }
}
