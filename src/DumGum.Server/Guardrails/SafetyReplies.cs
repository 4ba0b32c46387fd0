using DumGum.Customers;
using DumGum.Replies;

namespace DumGum.Guardrails;

/// <summary>The reply after the safety step, the stop to put on it, and what was done.</summary>
public sealed record SafetyOutcome(GeneratedReply Reply, GuardrailStop? Stop, SafetyNote? Note);

/// <summary>
/// The safety replies (docs/behaviour.md, "Safety replies"). Pure: given the guardrail decision, the stop recorded and the
/// written reply, it decides the text that is sent.
/// <list type="bullet">
/// <item>Self-harm: the care reply with the helpline of the user's country replaces whatever was written (answer: true),
/// or no text (answer: false); it wins over a stop's exit, and a stop with <c>answer: false</c> still carries it.</item>
/// <item>A stop with <c>answer: true</c>: an exit message of its reason. Offline it is always ours; a model's reply is
/// kept only when it fits the stop (<see cref="ExitProblem"/>).</item>
/// <item>A sincere "are you a bot?" under an honest <c>aiDisclosurePolicy</c>: a model's reply is kept only when it says
/// it is an AI without denying it (<see cref="SafetyMessages.DisclosesAi"/>), else (and offline always) our disclosure.</item>
/// <item>A disclosure due on a text that is not itself a disclosure (the first message, an exit, a care reply) gets a
/// short disclosure line before it.</item>
/// </list>
/// Messages come from <see cref="SafetyMessages"/> in the conversation's language (English when it has none), chosen
/// by <see cref="Seed"/> so the same conversation and turn always get the same variant.
/// </summary>
public static class SafetyReplies
{
    public const string Exit = "EXIT", SelfHarmCare = "SELF_HARM_CARE", AiDisclosureReply = "AI_DISCLOSURE", NoText = "NO_TEXT";
    public const string SincereQuestion = "SINCERE_QUESTION", FirstMessage = "FIRST_MESSAGE";

    /// <summary>An exit longer than this is not short: it carries on talking.</summary>
    public const int MaxExitLength = 300;

    /// <summary>Shared word runs of this length between the user's turn and an exit mean the exit echoes the topic.</summary>
    public const int EchoWords = 3;

    static readonly char[] QuestionMarks = ['?', '¿', '？', '؟'];

    public static SafetyOutcome Apply(GuardrailDecision? decision, GuardrailStop? stop, GeneratedReply reply,
        ReplyContext context, GuardrailSettings settings, bool offline)
    {
        ArgumentNullException.ThrowIfNull(reply);
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(settings);
        if (decision is null) return new SafetyOutcome(reply, stop, null);

        var own = SafetyMessages.For(context.Language);
        var messages = own ?? SafetyMessages.English;
        var seed = Seed(context);
        var user = context.User.DisplayName.Trim();
        IReadOnlyList<string> parts = reply.Parts;
        var poke = reply.Poke;
        var picture = reply.PictureUrl;
        string? replacement = null, because = null;
        Helpline? helpline = null;
        var disclosed = false;
        var sendsText = true;

        if (decision.SelfHarm)
        {
            helpline = Helplines.For(context.User.CountryCode, context.Language);
            poke = false;
            picture = null;
            if (settings.SelfHarmAnswer)
            {
                parts = [SafetyMessages.Fill(SafetyMessages.Pick(messages.SelfHarm, seed, 11), user, helpline.Text)];
                (replacement, because) = (SelfHarmCare, "self-harm");
                // A person at risk is never left without an answer: the care reply rides on any stop.
                if (stop is { KeepText: false }) stop = stop with { KeepText = true };
            }
            else
            {
                parts = [];
                (replacement, because, sendsText) = (NoText, "self-harm with answer: false", false);
                if (stop is not null) stop = stop with { KeepText = false };
            }
        }
        else if (stop is { KeepText: true })
        {
            picture = null;
            var problem = offline ? "written by the offline engine" : ExitProblem(parts, poke, stop.Reason, context, own);
            if (problem is not null)
            {
                parts = [SafetyMessages.Fill(SafetyMessages.Pick(messages.Exit[stop.Reason], seed, 12), user)];
                poke = false;
                (replacement, because) = (Exit, problem);
            }
        }
        else if (stop is not null)
        {
            sendsText = false;
        }
        else if (decision.DiscloseAi)
        {
            var problem = offline ? "written by the offline engine"
                : poke || !messages.DisclosesAi(string.Join(" ", parts)) ? "does not say it is an AI" : null;
            if (problem is not null)
            {
                parts = [SafetyMessages.Fill(SafetyMessages.Pick(messages.AiDisclosure, seed, 13), user)];
                (poke, picture) = (false, null);
                (replacement, because) = (AiDisclosureReply, problem);
            }
            disclosed = true;
        }

        var disclosureLine = false;
        if ((decision.DiscloseAi || decision.DiscloseFirstMessage) && !disclosed && sendsText)
        {
            var line = SafetyMessages.Fill(SafetyMessages.Pick(messages.AiDisclosureFirst, seed, 14), user);
            var first = parts.FirstOrDefault(p => !string.IsNullOrWhiteSpace(p));
            parts = first is null ? [line] : [line + " " + parts[0].Trim(), .. parts.Skip(1)];
            poke = false;
            disclosureLine = true;
        }

        var note = new SafetyNote
        {
            SelfHarm = decision.SelfHarm,
            Helpline = helpline,
            StopReason = stop?.Reason,
            Replacement = replacement,
            ReplacedBecause = because,
            AiDisclosure = decision.DiscloseAi ? SincereQuestion : decision.DiscloseFirstMessage ? FirstMessage : null,
            DisclosureLineAdded = disclosureLine,
            MessagesLanguage = replacement is null && !disclosureLine ? null : messages.Language,
        };
        var written = reply with
        {
            Parts = parts,
            Poke = poke,
            PictureUrl = picture,
            Itemisation = reply.Itemisation with { Safety = note },
        };
        return new SafetyOutcome(written, stop, note);
    }

    /// <summary>
    /// Why a written reply does not fit a stop, or null when it does. An exit must have text, be at most
    /// <see cref="MaxExitLength"/> characters, ask no question (no question mark), not echo the user's current turn
    /// (no run of <see cref="EchoWords"/> words in common, no number the user wrote except 18), say goodbye (one of the
    /// language's exit cues; skipped for languages without messages), and for <c>USER_UNDERAGE</c> say "18".
    /// </summary>
    public static string? ExitProblem(IReadOnlyList<string> parts, bool poke, string reason, ReplyContext context, SafetyMessages? messages)
    {
        ArgumentNullException.ThrowIfNull(parts);
        ArgumentNullException.ThrowIfNull(context);
        var text = string.Join(" ", parts.Where(p => !string.IsNullOrWhiteSpace(p)).Select(p => p.Trim()));
        if (poke || text.Length == 0) return "no text";
        if (text.Length > MaxExitLength) return "too long for an exit";
        if (text.IndexOfAny(QuestionMarks) >= 0) return "asks a question";
        var tokens = SafetyMessages.Tokens(text);
        if (Echoes(tokens, GuardrailPolicy.CurrentTurn(context.History))) return "repeats the user's words";
        if (messages is not null && !messages.SaysGoodbye(text)) return "is not a goodbye";
        if (reason == StopReasons.UserUnderage && !tokens.Contains("18")) return "does not say the chat is for adults (18+)";
        return null;
    }

    static bool Echoes(string[] reply, IReadOnlyList<string> userTexts)
    {
        var grams = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i + EchoWords <= reply.Length; i++) grams.Add(string.Join(' ', reply, i, EchoWords));
        var replyWords = reply.ToHashSet(StringComparer.Ordinal);
        foreach (var text in userTexts)
        {
            var user = SafetyMessages.Tokens(text);
            for (var i = 0; i + EchoWords <= user.Length; i++)
                if (grams.Contains(string.Join(' ', user, i, EchoWords))) return true;
            if (user.Any(w => w != "18" && w.All(char.IsDigit) && replyWords.Contains(w))) return true;
        }
        return false;
    }

    /// <summary>
    /// FNV-1a (64-bit) over the persona, the user, the number of user messages and the newest one's id: stable for a
    /// conversation's turn (a retry gets the same text), different from turn to turn.
    /// </summary>
    public static ulong Seed(ReplyContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var userMessages = 0;
        HistoryMessage? last = null;
        foreach (var m in context.History)
            if (m.Sender == Sender.User) { userMessages++; last = m; }
        var hash = 0xcbf29ce484222325UL;
        foreach (var part in new[] { context.Persona.Id, context.User.Id, userMessages.ToString(System.Globalization.CultureInfo.InvariantCulture), last?.Id })
        {
            foreach (var c in part ?? "")
            {
                hash = unchecked((hash ^ (byte)c) * 0x100000001b3UL);
                hash = unchecked((hash ^ (byte)(c >> 8)) * 0x100000001b3UL);
            }
            hash = unchecked((hash ^ 0x1f) * 0x100000001b3UL);
        }
        return hash;
    }
}
