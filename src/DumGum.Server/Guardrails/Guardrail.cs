using DumGum.Conversations;
using DumGum.Replies;

namespace DumGum.Guardrails;

/// <summary>
/// The guardrail step shared by conversation runs and synchronous generation (decisions §6): the model's signals plus
/// the deterministic checks decide at most one stop reason, and the offence is recorded on the pair's ban ledger,
/// which also answers later enqueues with 409. testMode runs only the deterministic checks.
/// </summary>
public sealed class Guardrail(BanLedger bans, UserLanguageCheck languages, ILogger<Guardrail> log)
{
    public async Task<ReplyComposer.GuardrailStop?> ApplyAsync(string projectId, ConversationKey key, ReplyContext context,
        GeneratedReply reply, bool testMode, DateTimeOffset now)
    {
        var decision = GuardrailPolicy.Evaluate(GuardrailSettings.From(context.Parameters), reply.Signals, context.History,
            languages.ExpectedLanguageCheck(context), deterministicOnly: testMode);
        if (decision is null) return null;
        if (decision.SelfHarm) log.LogWarning("Project {ProjectId}: self-harm signal in a conversation; the persona answers with care", projectId);
        if (decision.StopReason is not { } reason) return null;
        var outcome = await bans.RecordOffenceAsync(projectId, key.UserProfileId, key.PersonaProfileId, reason, decision.BanDurations, now);
        log.LogInformation("Project {ProjectId}: guardrail {Guardrail} stopped a conversation ({Reason}, offence {Offence})",
            projectId, decision.Guardrail, reason, outcome.Offence);
        return new ReplyComposer.GuardrailStop(reason, outcome.Permanent ? null : outcome.StoppedUntil, decision.KeepAnswer);
    }
}
