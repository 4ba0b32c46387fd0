using DumGum.Customers;
using DumGum.Replies;
using DumGum.Replies.Prompt;
using DumGum.Memory;

namespace DumGum.Conversations;

/// <summary>
/// What a run reads facts from (docs/memory.md, "When memory is written"): the user's newest messages (those after
/// the persona's last message) as USER facts, and the reply's parts as PERSONA facts, in the conversation's language
/// and on the persona's local date (so "on Friday" means her Friday).
/// </summary>
public sealed class MemoryExtraction(IMemoryExtractor extractor)
{
    public IReadOnlyList<MemoryCandidate> Extract(ReplyContext context, IReadOnlyList<string> replyParts)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(replyParts);
        // The extractor's languages are ISO 639-1 codes: EN_GB and PT_BR are English and Portuguese.
        var language = context.Language.Split('_', '-')[0].ToLowerInvariant();
        var zone = ProfileRenderer.TimeZoneOf(context.Persona, context.Parameters.PersonaProfileOverrides, out _);
        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(context.Now, zone).DateTime);
        var found = new List<MemoryCandidate>();
        foreach (var text in NewestUserMessages(context.History))
            found.AddRange(extractor.Extract(text, language, MemoryTargets.User, today));
        foreach (var part in replyParts)
            if (!string.IsNullOrWhiteSpace(part)) found.AddRange(extractor.Extract(part, language, MemoryTargets.Persona, today));
        return found;
    }

    /// <summary>The user's messages since the persona last wrote, oldest first: what this run answers.</summary>
    public static IEnumerable<string> NewestUserMessages(IReadOnlyList<HistoryMessage> history)
    {
        ArgumentNullException.ThrowIfNull(history);
        var start = history.Count;
        while (start > 0 && history[start - 1].Sender == Sender.User) start--;
        for (var i = start; i < history.Count; i++)
            if (history[i].Text is { Length: > 0 } text) yield return text;
    }
}
