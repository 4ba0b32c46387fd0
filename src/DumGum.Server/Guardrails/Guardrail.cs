using DumGum.Projects;
using DumGum.Replies;

namespace DumGum.Guardrails;

/// <summary>
/// The guardrail step shared by conversation runs and synchronous generation (docs/behaviour.md, "Guardrails, stop reasons and bans"): the model's signals plus
/// the deterministic checks decide at most one stop reason, and the offence is recorded on the pair's ban ledger,
/// which also answers later enqueues with 409. testMode runs only the deterministic checks. Then the safety replies
/// (docs/behaviour.md, "Safety replies") decide the text: an exit that fits the stop, the self-harm care reply with a
/// helpline, or an AI disclosure under the project's <c>aiDisclosurePolicy</c>.
/// </summary>
public sealed class Guardrail(BanLedger bans, UserLanguageCheck languages, ILogger<Guardrail> log)
{
    public async Task<SafetyOutcome> ApplyAsync(Project project, ConversationKey key, ReplyContext context,
        GeneratedReply reply, bool testMode, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(project);
        ArgumentNullException.ThrowIfNull(reply);
        var settings = GuardrailSettings.From(context.Parameters) with { AiDisclosure = project.Config.AiDisclosurePolicy };
        var decision = GuardrailPolicy.Evaluate(settings, reply.Signals, context.History,
            languages.ExpectedLanguageCheck(context), deterministicOnly: testMode);
        GuardrailStop? stop = null;
        if (decision?.StopReason is { } reason)
        {
            var outcome = await bans.RecordOffenceAsync(project.Id, key.UserProfileId, key.PersonaProfileId, reason, decision.BanDurations, now);
            log.LogInformation("Project {ProjectId}: guardrail {Guardrail} stopped a conversation ({Reason}, offence {Offence})",
                project.Id, decision.Guardrail, reason, outcome.Offence);
            stop = new GuardrailStop(reason, outcome.Permanent ? null : outcome.StoppedUntil, decision.KeepAnswer);
        }
        var offline = testMode || reply.ModelId == OfflineChatClient.ModelId;
        var safety = SafetyReplies.Apply(decision, stop, reply, context, settings, offline);
        if (safety.Note is { } note)
        {
            if (note.SelfHarm)
                log.LogWarning("Project {ProjectId}: self-harm signal in a conversation; the persona answers with care (helpline {Country})",
                    project.Id, note.Helpline?.Country ?? "international");
            if (note.Replacement is { } replacement)
                log.LogInformation("Project {ProjectId}: the reply was replaced by {Replacement} ({Because})", project.Id, replacement, note.ReplacedBecause);
        }
        return safety;
    }
}
