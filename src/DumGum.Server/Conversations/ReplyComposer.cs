using System.Text.Json;
using System.Text.Json.Nodes;
using DumGum.Guardrails;
using DumGum.Customers;
using DumGum.Projects;
using DumGum.Replies;
using DumGum.Webhooks;

namespace DumGum.Conversations;

/// <summary>
/// Turns a run's inputs into a <see cref="ReplyContext"/>, and a generated reply into the answers we send: numbering,
/// billing, typing pauses, shared picture and poke (docs/behaviour.md, "Replies"; docs/behaviour.md, "Guardrails, stop reasons and bans"). Pure, so every rule is unit-tested.
/// </summary>
public static class ReplyComposer
{
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static readonly TimeSpan MaxTypingPause = TimeSpan.FromSeconds(20);

    public static ReplyContext Context(CustomerProfile user, CustomerProfile persona, IReadOnlyList<HistoryMessage> history,
        EnqueueRequest request, ReplyParameters parameters, Project project, DateTimeOffset now, Random random)
    {
        var mode = Engage.Resolve(parameters.Engage, history, now);
        var additional = request.Canonical["additionalLanguages"] is JsonArray a ? a.Select(x => (string)x!).ToList() : [];
        return new ReplyContext(user, persona, history, request.Language, now)
        {
            AdditionalLanguages = additional,
            Parameters = parameters,
            Mode = mode,
            IcebreakerAngle = mode == ReplyMode.Icebreaker
                ? Engage.IcebreakerAngle(parameters.IcebreakerType, user, persona, parameters.ProfileDistance, now) : null,
            SmartShareEnabled = project.Config.SmartShareEnabled && parameters.ShareablePictures.Count > 0,
            SplitReply = parameters.MultipleMessagesPerReply && random.NextDouble() < parameters.MultipleMessagesPerReplyFrequency,
            EndWithQuestion = parameters.QuestionFrequency is { } q ? random.NextDouble() < q : null,
            AiDisclosurePolicy = project.Config.AiDisclosurePolicy,
        };
    }

    /// <summary>
    /// A typing pause: FAST ≈ 0.5 s + 25 ms per character, NORMAL ≈ 1.5 s + 60 ms per character, at most 20 s;
    /// INSTANT none.
    /// </summary>
    public static TimeSpan TypingPause(string typingDelay, int characters) => typingDelay switch
    {
        "FAST" => Min(TimeSpan.FromMilliseconds(500 + 25.0 * characters)),
        "NORMAL" => Min(TimeSpan.FromMilliseconds(1500 + 60.0 * characters)),
        _ => TimeSpan.Zero,
    };

    static TimeSpan Min(TimeSpan t) => t < MaxTypingPause ? t : MaxTypingPause;

    /// <summary>
    /// The answers of one reply, in order, each with the pause before it. One part: <c>sequenceNumber</c> 0. Several:
    /// 1..n, parts 2..n point to part 1 through <c>parentAnswerId</c>; only part 1 is billed. A poke is one
    /// <c>ACTION_POKE</c> answer with no text; a shared picture rides on the first part. A picture the history already
    /// shows is never sent again.
    /// </summary>
    public static IReadOnlyList<(Answer Answer, TimeSpan Pause)> Answers(GeneratedReply reply, ReplyContext context,
        ConversationKey key, JsonObject tags, bool testMode, DateTimeOffset oldestAcceptedAt, DateTimeOffset now, GuardrailStop? stop = null)
    {
        var answers = Compose(reply, context, key, tags, testMode, oldestAcceptedAt, now);
        if (stop is null) return answers;
        // A guardrail stop rides on the last message; with answer: false it is a single answer without text (docs/behaviour.md, "Guardrails, stop reasons and bans").
        if (!stop.KeepText)
        {
            var (first, _) = answers[0];
            return [(first with { Type = "TEXT", Text = null, PictureUrl = null, SequenceNumber = 0, ParentAnswerId = null,
                ConversationStopReason = stop.Reason, ConversationStoppedUntil = stop.Until }, TimeSpan.Zero)];
        }
        var (last, pause) = answers[^1];
        return [.. answers.Take(answers.Count - 1), (last with { ConversationStopReason = stop.Reason, ConversationStoppedUntil = stop.Until }, pause)];
    }

    static List<(Answer Answer, TimeSpan Pause)> Compose(GeneratedReply reply, ReplyContext context,
        ConversationKey key, JsonObject tags, bool testMode, DateTimeOffset oldestAcceptedAt, DateTimeOffset now)
    {
        var cost = testMode ? 0m : reply.Cost;
        var responseTime = (int)Math.Max(0, (now - oldestAcceptedAt).TotalSeconds);
        var typing = context.Parameters.ReplyTypingDelay;
        var picture = reply.PictureUrl is { } url && !SharedPictures.AlreadyShared(url, context.History) ? url : null;
        if (reply.Poke)
            return [(new Answer(Ids.Answer(), key.UserProfileId, key.PersonaProfileId, "ACTION_POKE", tags, cost, responseTime, 0, now,
                null, null, null, null, null), TypingPause(typing, 0))];

        var parts = reply.Parts.Where(p => !string.IsNullOrWhiteSpace(p)).Select(p => p.Trim()).ToList();
        if (parts.Count == 0) parts.Add("");
        var answers = new List<(Answer, TimeSpan)>(parts.Count);
        string? parentId = null;
        for (var i = 0; i < parts.Count; i++)
        {
            var id = Ids.Answer();
            var text = parts[i].Length > 0 ? parts[i] : null;
            var answer = new Answer(id, key.UserProfileId, key.PersonaProfileId, "TEXT", tags,
                i == 0 ? cost : 0m, responseTime, parts.Count == 1 ? 0 : i + 1, now, text,
                i == 0 ? picture : null, null, null, parentId);
            answers.Add((answer, TypingPause(typing, text?.Length ?? 0)));
            parentId ??= id;
        }
        return answers;
    }
}
