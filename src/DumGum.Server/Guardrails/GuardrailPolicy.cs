using System.Text;
using System.Text.RegularExpressions;
using DumGum.Customers;
using DumGum.Projects;
using DumGum.Replies.Checks;

namespace DumGum.Guardrails;

/// <summary>
/// What the guardrails decided for one run. <see cref="StopReason"/> is null when nothing stops the conversation
/// (the decision then only carries <see cref="SelfHarm"/> and/or the disclosures).
/// </summary>
public sealed record GuardrailDecision
{
    /// <summary>Canonical stop reason to put on the answer (<c>conversationStopReason</c>), or null.</summary>
    public string? StopReason { get; init; }
    /// <summary>Name of the guardrail that produced <see cref="StopReason"/> (<see cref="GuardrailNames"/>), or null.</summary>
    public string? Guardrail { get; init; }
    /// <summary>False → the stopping answer carries <c>text: null</c>; true → it still carries an in-character reply.</summary>
    public bool KeepAnswer { get; init; } = true;
    /// <summary>The ban ladder (minutes) of <see cref="Guardrail"/>, to pass to <see cref="BanLedger.RecordOffenceAsync"/>.</summary>
    public IReadOnlyList<int> BanDurations { get; init; } = [];
    /// <summary>The user talks about hurting themselves: the persona answers with care. Never a stop by itself.</summary>
    public bool SelfHarm { get; init; }
    /// <summary>First authenticity probe with <c>fictionalDisclosure</c> on: the reply must say the profile is fictional.</summary>
    public bool DiscloseFictional { get; init; }
    /// <summary>A sincere authenticity question under an <c>aiDisclosurePolicy</c> other than never: the reply must say it is an AI.</summary>
    public bool DiscloseAi { get; init; }
    /// <summary><c>always-on-first-message</c> and the persona has not written in this conversation yet: the reply starts with a disclosure.</summary>
    public bool DiscloseFirstMessage { get; init; }
    /// <summary>True when <see cref="StopReason"/> came from a deterministic detection rather than a model signal.</summary>
    public bool Deterministic { get; init; }
    /// <summary>Short description of what fired the stop, for the project logs (never the user's text).</summary>
    public string? Evidence { get; init; }
    /// <summary>Every guardrail that fired, in priority order (the first one is the stop, unless it was a disclosure).</summary>
    public IReadOnlyList<string> Triggered { get; init; } = [];
}

/// <summary>
/// The guardrail policy: pure, no state. Given the effective settings, the model's signals about the user's latest
/// messages and the chat history, it picks the single stop reason to apply. When several guardrails fire, the strongest
/// wins, in this order (<see cref="StopReasons.Priority"/>):
/// <list type="number">
/// <item><c>USER_UNDERAGE</c> (underageDetection)</item>
/// <item><c>MALICIOUS_CONTENT</c> (maliciousContent, then prohibitedIllegalContent, then dangerousDrugUse)</item>
/// <item><c>USER_SUSPICIOUS</c> (hijack; always on unless disableSafetyFeatures)</item>
/// <item><c>USER_HOSTILE</c> (hostility; always on unless disableSafetyFeatures)</item>
/// <item><c>AI_SUSPICION</c> (aiSuspicion; a first probe becomes a fictional disclosure when fictionalDisclosure is on)</item>
/// <item><c>USER_MESSAGE_REPETITION</c> (messageRepetition)</item>
/// <item><c>UNKNOWN_LANGUAGE</c> (unknownLanguage)</item>
/// </list>
/// Detection looks at the user's <i>current turn</i>: the user messages after the last persona message of the history
/// (what this run answers). A history that ends with a persona message (an Engage run) has no current turn and
/// triggers nothing from text. Deterministic detections run always (and alone under testMode): self-reported age under
/// 18 and school grades, authenticity probes ("are you a bot?"), explicit prompt-injection phrases, self-harm phrases,
/// message repetition and unknown language. Model signals count only when <c>deterministicOnly</c> is false.
/// </summary>
public static partial class GuardrailPolicy
{
    /// <summary>How many consecutive identical user messages make a repetition.</summary>
    public const int RepetitionCount = 3;

    /// <summary>The latest user message needs at least this many letters for its language to be judged.</summary>
    public const int MinLettersForLanguage = 20;

    /// <summary>Model signal names (see <c>ReplyFormat.SignalNames</c>).</summary>
    public static class Signals
    {
        public const string UserUnderage = "userUnderage";
        public const string AiSuspicion = "aiSuspicion";
        public const string Hostile = "hostile";
        public const string Hijack = "hijack";
        public const string MaliciousContent = "maliciousContent";
        public const string IllegalContent = "illegalContent";
        public const string DrugUse = "drugUse";
        public const string SelfHarm = "selfHarm";
    }

    /// <summary>
    /// Decides the guardrail outcome of a run; null when nothing fired (no stop, no self-harm, no disclosure).
    /// </summary>
    /// <param name="settings">Effective settings (<see cref="GuardrailSettings.From(DumGum.Replies.ReplyParameters)"/>).</param>
    /// <param name="modelSignals">The model's signals for this reply (name → bool); may be empty.</param>
    /// <param name="history">The chat history, oldest first, including the user's newest messages.</param>
    /// <param name="isExpectedLanguage">True when a text is in <c>language</c> or one of <c>additionalLanguages</c>; null skips unknownLanguage.</param>
    /// <param name="deterministicOnly">testMode: ignore <paramref name="modelSignals"/>.</param>
    public static GuardrailDecision? Evaluate(GuardrailSettings settings, IReadOnlyDictionary<string, bool> modelSignals,
        IReadOnlyList<HistoryMessage> history, Func<string, bool>? isExpectedLanguage, bool deterministicOnly)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(history);
        modelSignals ??= new Dictionary<string, bool>();
        bool Signal(string name) => !deterministicOnly && modelSignals.TryGetValue(name, out var on) && on;

        var lastPersona = -1;
        for (var i = history.Count - 1; i >= 0; i--)
            if (history[i].Sender == Sender.Persona) { lastPersona = i; break; }
        var current = new List<string>();
        for (var i = lastPersona + 1; i < history.Count; i++)
            if (history[i].Sender == Sender.User && !string.IsNullOrWhiteSpace(history[i].Text)) current.Add(CueText.Fold(history[i].Text!));

        bool Any(Func<string, bool> cue) => current.Exists(t => cue(t));

        // (guardrail, evidence, deterministic) for every guardrail that fires, in priority order.
        var fired = new List<(GuardrailRule Rule, string Evidence, bool Deterministic)>();
        void Check(GuardrailRule rule, string signal, Func<string, bool>? cue, string cueEvidence)
        {
            if (!rule.Enabled) return;
            if (Signal(signal)) fired.Add((rule, $"model signal '{signal}'", false));
            else if (cue is not null && Any(cue)) fired.Add((rule, cueEvidence, true));
        }

        Check(settings.UnderageDetection, Signals.UserUnderage, UnderageCues.MatchesFolded, "self-reported age under 18 or school grade");
        Check(settings.MaliciousContent, Signals.MaliciousContent, null, "");
        Check(settings.ProhibitedIllegalContent, Signals.IllegalContent, null, "");
        Check(settings.DangerousDrugUse, Signals.DrugUse, null, "");
        Check(settings.Hijack, Signals.Hijack, text => HijackCue().IsMatch(text), "prompt-injection phrase");
        Check(settings.Hostility, Signals.Hostile, null, "");
        Check(settings.AiSuspicion, Signals.AiSuspicion, text => AiProbeCue().IsMatch(text), "question whether the persona is a bot or real");
        if (settings.MessageRepetition.Enabled && IsRepetition(history, lastPersona))
            fired.Add((settings.MessageRepetition, $"{RepetitionCount} identical messages in a row", true));
        if (settings.UnknownLanguage.Enabled && isExpectedLanguage is not null && LatestJudgeableText(history, lastPersona) is { } latest
            && !isExpectedLanguage(latest))
            fired.Add((settings.UnknownLanguage, "latest message not in an expected language", true));

        var selfHarm = settings.SelfHarm && (Signal(Signals.SelfHarm) || Any(SelfHarmRules.Matches));
        // AI disclosure (docs/behaviour.md, "AI disclosure"): a sincere question is a probe the rules recognise in a message
        // with a question mark, or the model's aiSuspicion signal. It is answered honestly whatever the aiSuspicion switch.
        var honest = AiDisclosurePolicy.AnswersHonestly(settings.AiDisclosure);
        var discloseAi = honest && (Signal(Signals.AiSuspicion) || Any(text => text.IndexOfAny(['?', '¿', '？']) >= 0 && AiProbeCue().IsMatch(text)));
        var discloseFirst = AiDisclosurePolicy.Normalize(settings.AiDisclosure) == AiDisclosurePolicy.AlwaysOnFirstMessage && lastPersona < 0;
        var disclose = false;
        (GuardrailRule Rule, string Evidence, bool Deterministic)? stop = null;
        foreach (var f in fired)
        {
            if (f.Rule.Name == GuardrailNames.AiSuspicion && discloseAi) continue;
            if (f.Rule.Name == GuardrailNames.AiSuspicion && settings.FictionalDisclosure && !ProbedBefore(history, lastPersona))
            {
                disclose = true;
                continue;
            }
            stop = f;
            break;
        }

        if (stop is null && !selfHarm && !disclose && !discloseAi && !discloseFirst) return null;
        return new GuardrailDecision
        {
            StopReason = stop?.Rule.StopReason,
            Guardrail = stop?.Rule.Name,
            KeepAnswer = stop?.Rule.Answer ?? true,
            BanDurations = stop?.Rule.BanDurations ?? [],
            SelfHarm = selfHarm,
            DiscloseFictional = disclose,
            DiscloseAi = discloseAi,
            DiscloseFirstMessage = discloseFirst,
            Deterministic = stop?.Deterministic ?? false,
            Evidence = stop?.Evidence,
            Triggered = fired.Select(f => f.Rule.Name).ToList(),
        };
    }

    /// <summary>
    /// The user's last <see cref="RepetitionCount"/> text messages are identical after <see cref="NormalizeForRepetition"/>
    /// (and not empty), and the newest of them belongs to the current turn.
    /// </summary>
    public static bool IsRepetition(IReadOnlyList<HistoryMessage> history)
    {
        ArgumentNullException.ThrowIfNull(history);
        return IsRepetition(history, LastPersonaIndex(history));
    }

    static bool IsRepetition(IReadOnlyList<HistoryMessage> history, int lastPersona)
    {
        string? first = null;
        var count = 0;
        for (var i = history.Count - 1; i >= 0 && count < RepetitionCount; i--)
        {
            var m = history[i];
            if (m.Sender != Sender.User || string.IsNullOrWhiteSpace(m.Text)) continue;
            if (count == 0 && i <= lastPersona) return false;
            var normalized = NormalizeForRepetition(m.Text);
            if (normalized.Length == 0) return false;
            if (first is null) first = normalized;
            else if (!string.Equals(first, normalized, StringComparison.Ordinal)) return false;
            count++;
        }
        return count == RepetitionCount;
    }

    /// <summary>The newest user text of the current turn when it has at least <see cref="MinLettersForLanguage"/> letters.</summary>
    static string? LatestJudgeableText(IReadOnlyList<HistoryMessage> history, int lastPersona)
    {
        for (var i = history.Count - 1; i > lastPersona; i--)
        {
            var m = history[i];
            if (m.Sender != Sender.User || string.IsNullOrWhiteSpace(m.Text)) continue;
            return CountLetters(m.Text) >= MinLettersForLanguage ? m.Text : null;
        }
        return null;
    }

    /// <summary>An authenticity probe in a user message before the current turn: the persona has been asked before.</summary>
    static bool ProbedBefore(IReadOnlyList<HistoryMessage> history, int lastPersona)
    {
        for (var i = 0; i < lastPersona; i++)
            if (history[i].Sender == Sender.User && !string.IsNullOrWhiteSpace(history[i].Text) && AiProbeCue().IsMatch(CueText.Fold(history[i].Text!)))
                return true;
        return false;
    }

    static int LastPersonaIndex(IReadOnlyList<HistoryMessage> history)
    {
        for (var i = history.Count - 1; i >= 0; i--)
            if (history[i].Sender == Sender.Persona) return i;
        return -1;
    }

    /// <summary>The user's texts of the current turn (after the last persona message), as written: what this run answers.</summary>
    public static IReadOnlyList<string> CurrentTurn(IReadOnlyList<HistoryMessage> history)
    {
        ArgumentNullException.ThrowIfNull(history);
        var texts = new List<string>();
        for (var i = LastPersonaIndex(history) + 1; i < history.Count; i++)
            if (history[i].Sender == Sender.User && !string.IsNullOrWhiteSpace(history[i].Text)) texts.Add(history[i].Text!);
        return texts;
    }

    public static int CountLetters(string? text)
    {
        if (string.IsNullOrEmpty(text)) return 0;
        var n = 0;
        foreach (var rune in text.EnumerateRunes())
            if (Rune.IsLetter(rune)) n++;
        return n;
    }

    /// <summary>An authenticity probe: "are you a bot?", "are you real?", "t'es un robot ?", "bist du ein Bot?", …</summary>
    public static bool IsAiProbe(string? text) => !string.IsNullOrWhiteSpace(text) && AiProbeCue().IsMatch(CueText.Fold(text));

    /// <summary>An explicit prompt-injection phrase: "ignore your previous instructions", "system prompt", "developer mode", …</summary>
    public static bool IsHijackAttempt(string? text) => !string.IsNullOrWhiteSpace(text) && HijackCue().IsMatch(CueText.Fold(text));

    /// <summary>Explicit talk of hurting or killing oneself, in the supported languages.</summary>
    public static bool MentionsSelfHarm(string? text) => SelfHarmRules.Matches(text);

    /// <summary>Case, whitespace, punctuation, emoji and accents removed: what two "same" messages share.</summary>
    public static string NormalizeForRepetition(string? text)
    {
        if (string.IsNullOrEmpty(text)) return "";
        var folded = CueText.Fold(text);
        var sb = new StringBuilder(folded.Length);
        var pendingSpace = false;
        foreach (var c in folded)
        {
            if (char.IsLetterOrDigit(c))
            {
                if (pendingSpace && sb.Length > 0) sb.Append(' ');
                pendingSpace = false;
                sb.Append(c);
            }
            else if (char.IsWhiteSpace(c)) pendingSpace = true;
        }
        return sb.ToString();
    }

    // The cues read folded text (see CueText.Fold): lower case, no accents, plain apostrophes, single spaces.
    [GeneratedRegex("""
        # English
        \b(?:are|r)\s+(?:you|u|ya)\s+(?:even\s+|actually\s+|really\s+|just\s+)?(?:an?\s+)?
          (?:bot|robot|ai|chat\s?bot|chat\s?gpt|machine|computer(?:\s+program)?|program|language\s+model|llm|real\s+person|human(?:\s+being)?)\b
        | \b(?:are|r)\s+(?:you|u|ya)\s+(?:even\s+|actually\s+|really\s+)?real(?=\s*(?:$|[?!.,)]|or\b|tho\b|though\b|lol\b|haha|lmao\b))
        | \b(?:you're|you\s+are|youre|ur|u\s+r)\s+(?:just\s+|definitely\s+|obviously\s+|clearly\s+|probably\s+|totally\s+|such\s+)?(?:an?\s+)?
          (?:bot|robot|ai|chat\s?bot|chat\s?gpt|language\s+model)\b
        | \b(?:am\s+i|i'm|i\s+am)\s+(?:talking|chatting|speaking|texting|writing)\s+(?:to|with)\s+(?:an?\s+)?
          (?:bot|robot|ai|machine|computer|chat\s?bot|real\s+person|human)\b
        | \bis\s+this\s+(?:an?\s+)?(?:bot|robot|ai|chat\s?bot|automated)\b
        | \bthis\s+is\s+(?:an?\s+|just\s+an?\s+)?(?:bot|robot|ai|chat\s?bot)\s*(?:$|[?!.,])
        # French
        | \b(?:t'?\s?es|tu\s+es|es-tu|es\s+tu|est-ce\s+que\s+tu\s+es|vous\s+etes|etes-vous|etes\s+vous)\s+(?:vraiment\s+|juste\s+|bien\s+)?
          (?:(?:un|une)\s+(?:robot|bot|ia|i\.a|chat\s?bot|machine|programme|intelligence\s+artificielle)\b
            | reel(?:le)?\b | humaine?\b | une\s+vraie\s+personne\b | une\s+personne\s+reelle\b | un\s+vrai\s+humain\b)
        | \bc'est\s+(?:un|une)\s+(?:robot|bot|ia)\s*(?:$|[?!.,])
        | \bje\s+(?:parle|discute|ecris)\s+(?:a|avec)\s+(?:un|une)\s+(?:robot|bot|ia|machine)\b
        # German
        | \b(?:bist\s+du|du\s+bist|sind\s+sie)\s+(?:wirklich\s+|echt\s+|nur\s+|doch\s+|etwa\s+)?(?:ein|eine)\s+(?:bot|roboter|robot|ki|chatbot|maschine|programm|computer)\b
        | \bbist\s+du\s+(?:wirklich\s+|etwa\s+)?(?:ein\s+(?:echter\s+)?mensch\b|real\b|menschlich\b|echt\s*(?:\?|$))
        | \b(?:schreibe|rede|spreche|chatte)\s+ich\s+(?:gerade\s+)?mit\s+(?:einem|einer)\s+(?:bot|roboter|ki|maschine|computer)\b
        # Spanish
        | \b(?:eres|es\s+usted)\s+(?:realmente\s+|solo\s+|de\s+verdad\s+)?
          (?:(?:un|una)\s+(?:bot|robot|ia|maquina|chat\s?bot|programa|inteligencia\s+artificial)\b | real\b | humano\b | humana\b | una\s+persona\s+real\b)
        | \b(?:estoy\s+hablando|hablo|estoy\s+chateando)\s+con\s+(?:un|una)\s+(?:bot|robot|ia|maquina)\b
        # Italian
        | \bsei\s+(?:davvero\s+|solo\s+|veramente\s+)?
          (?:(?:un'|una\s+|un\s+)(?:bot|robot|ia|intelligenza\s+artificiale|macchina|chat\s?bot|programma)\b
            | reale\b | umano\b | umana\b | una\s+persona\s+(?:vera|reale)\b | (?:vero|vera)\s*(?:\?|$))
        | \b(?:sto\s+parlando|parlo|sto\s+chattando)\s+con\s+(?:un'|una\s+|un\s+)(?:bot|robot|ia|macchina)\b
        # Dutch
        | \b(?:ben\s+je|ben\s+jij|je\s+bent|jij\s+bent|bent\s+u)\s+(?:echt\s+|gewoon\s+|soms\s+|nou\s+)?
          (?:een\s+(?:bot|robot|ai|chat\s?bot|computer|machine|programma)\b | een\s+(?:echt|echte)\s+(?:persoon|mens)\b | een\s+mens\b)
        | \bben\s+(?:je|jij)\s+echt\s*(?:\?|$)
        | \bpraat\s+ik\s+(?:met|tegen)\s+een\s+(?:bot|robot|computer|ai)\b
        # Portuguese
        | \b(?:voce\s+e|vc\s+e|voce\s+eh|tu\s+es|es)\s+(?:mesmo\s+|realmente\s+|so\s+)?(?:um|uma)\s+(?:bot|robo|ia|maquina|chat\s?bot|programa|inteligencia\s+artificial)\b
        | \b(?:voce\s+e|vc\s+e)\s+(?:mesmo\s+|realmente\s+)?(?:real|humano|humana|uma\s+pessoa\s+real|de\s+verdade)\b
        | \b(?:estou\s+falando|falo|to\s+falando)\s+com\s+(?:um|uma)\s+(?:bot|robo|ia|maquina)\b
        """, RegexOptions.IgnorePatternWhitespace | RegexOptions.CultureInvariant)]
    private static partial Regex AiProbeCue();

    [GeneratedRegex("""
        # English: only phrases aimed at a model's instructions, never "ignore the rules" and the like
        \b(?:ignore|disregard|forget|override|bypass)\s+(?:all\s+(?:of\s+)?|any\s+)?(?:your\s+|the\s+|these\s+)?
          (?:previous|prior|above|earlier|preceding|original|initial|system)\s+(?:instructions?|prompts?|programming)\b
        | \b(?:ignore|disregard|forget|override|bypass)\s+(?:all\s+(?:of\s+)?)?your\s+(?:instructions?|prompts?|programming)\b
        | \b(?:ignore|disregard|forget)\s+all\s+(?:the\s+)?instructions\b
        | \bsystem\s+prompt\b
        | \b(?:developer|dev|god|dan)\s+mode\b
        | \bjailbr(?:eak|oken)\b
        | \bnew\s+instructions\s*:
        | \byou\s+are\s+now\s+(?:dan\b|an?\s+(?:ai|assistant|unrestricted|unfiltered|uncensored)\b)
        # French
        | \b(?:ignore|oublie|ignorez|oubliez)\s+(?:toutes\s+)?(?:tes|vos)\s+(?:instructions|consignes)\b
        | \b(?:ignore|oublie|ignorez|oubliez)\s+(?:toutes\s+)?les\s+(?:instructions|consignes)\s+precedentes\b
        # German
        | \b(?:ignoriere|ignorier|vergiss)\s+(?:alle\s+)?(?:deine|ihre|alle|die\s+vorherigen|die\s+bisherigen)\s+(?:vorherigen\s+|bisherigen\s+)?(?:anweisungen|instruktionen|vorgaben)\b
        # Spanish, Italian, Portuguese
        | \b(?:ignora|olvida|olvidate\s+de|dimentica|esquece|esqueca)\s+(?:todas\s+|tutte\s+)?(?:tus|las\s+tus|le\s+tue|tue|suas|as\s+suas)\s+(?:instrucciones|istruzioni|instrucoes)\b
        | \b(?:ignora|olvida|dimentica|esquece|ignore)\s+(?:todas\s+|tutte\s+)?(?:las|le|as)\s+(?:instrucciones|istruzioni|instrucoes)\s+(?:anteriores|precedenti)\b
        # Dutch
        | \b(?:negeer|vergeet)\s+(?:al\s+|alle\s+)?(?:je|jouw|de\s+vorige|de\s+eerdere|alle)\s+(?:vorige\s+|eerdere\s+)?instructies\b
        """, RegexOptions.IgnorePatternWhitespace | RegexOptions.CultureInvariant)]
    private static partial Regex HijackCue();
}
