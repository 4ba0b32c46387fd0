using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using DumGum.Customers;

namespace DumGum.Replies.Checks;

/// <summary>Why a generated reply was rejected, and the instruction that goes into the next attempt's prompt.</summary>
public sealed record CheckFailure(string Reason, string Detail, string Instruction);

/// <summary>The codes of <see cref="CheckFailure.Reason"/> (they appear in the prompt itemisation and the logs).</summary>
public static class CheckReasons
{
    public const string Malformed = "MALFORMED";
    public const string Empty = "EMPTY";
    public const string WrongLanguage = "WRONG_LANGUAGE";
    public const string AssistantSpeak = "ASSISTANT_SPEAK";
    public const string Repetition = "REPETITION";
    public const string Length = "LENGTH";
}

/// <summary>
/// The checks a model's reply passes before it is sent: not empty, in the conversation's language, no assistant-speak or
/// AI leak, no repetition of her own recent replies, and the length target when <c>fixedResponseLength</c> is on.
/// Each check is a pure function; <see cref="Check"/> runs them all and returns every failure.
/// </summary>
public sealed class ReplyChecks(LanguageDetector languages)
{
    /// <summary>How many of her latest replies a new one is compared with.</summary>
    public const int RepetitionWindow = 5;

    /// <summary>Share of word trigrams in common (over the smaller set) from which two replies count as the same.</summary>
    public const double RepetitionThreshold = 0.6;

    /// <summary>Exact duplicates shorter than this (normalised) are fine: "haha", "ok 😊" repeat in real chats.</summary>
    public const int MinimumDuplicateLength = 12;

    /// <summary>Length targets in characters over all parts: SHORT ≤ 80, MEDIUM 40–300, LONG ≥ 160.</summary>
    public static (int Min, int Max)? LengthRange(string? messageLength) => messageLength?.ToUpperInvariant() switch
    {
        "SHORT" => (0, 80),
        "MEDIUM" => (40, 300),
        "LONG" => (160, int.MaxValue),
        _ => null,
    };

    /// <summary>All checks of a parsed model reply in its conversation; empty when it may be sent.</summary>
    public IReadOnlyList<CheckFailure> Check(ParsedReply reply, ReplyContext context)
    {
        ArgumentNullException.ThrowIfNull(reply);
        ArgumentNullException.ThrowIfNull(context);
        if (Empty(reply) is { } empty) return [empty];
        var failures = new List<CheckFailure>();
        var text = string.Join("\n", reply.Parts);
        if (AssistantSpeak(text, context.Persona.DisplayName) is { } speak) failures.Add(speak);
        if (Language(text, context.Language) is { } language) failures.Add(language);
        if (Repetition(reply.Parts, context.History) is { } repetition) failures.Add(repetition);
        if (context.Parameters.FixedResponseLength && Length(reply.Parts, context.Parameters.MessageLength) is { } length) failures.Add(length);
        return failures;
    }

    public static CheckFailure Malformed(string problem) => new(CheckReasons.Malformed, problem,
        "Your previous answer could not be read. Answer with exactly one JSON object in the format described above and nothing else: " +
        "no text before or after it, no code fence, and the whole object complete.");

    /// <summary>Nothing to send: no text, no picture, no poke.</summary>
    public static CheckFailure? Empty(ParsedReply reply)
    {
        ArgumentNullException.ThrowIfNull(reply);
        if (reply.Parts.Any(p => !string.IsNullOrWhiteSpace(p)) || reply.PictureId is not null || reply.Poke) return null;
        return new CheckFailure(CheckReasons.Empty, "the reply is empty", "Your previous answer had no message. Write the message in \"parts\".");
    }

    /// <summary>Fails when the text is long enough and confidently in another language than <paramref name="language"/>.</summary>
    public CheckFailure? Language(string text, string language)
    {
        if (!languages.IsConfidentlyOther(text, language, out var detected) || LanguageDetector.Expected(language) is not { } expected)
            return null;
        var name = LanguageDetector.Name(expected);
        return new CheckFailure(CheckReasons.WrongLanguage, $"written in {detected}, expected {name}",
            $"Your previous answer was not in {name}. Write your message only in {name}, the language of this chat.");
    }

    /// <summary>Fails on assistant-speak or a sign that an AI wrote it ("as an AI", "how can I assist", chat-template tokens, …).</summary>
    public static CheckFailure? AssistantSpeak(string text, string personaName)
    {
        ArgumentNullException.ThrowIfNull(text);
        var found = FindAssistantSpeak(text);
        if (found is null) return null;
        return new CheckFailure(CheckReasons.AssistantSpeak, $"contains \"{found}\"",
            $"Your previous answer sounded like an AI assistant (\"{found}\"). You are {personaName}, a real person chatting casually: " +
            "never mention AI, language models, assistants, instructions or prompts, and never offer help or assistance like a service.");
    }

    /// <summary>The first assistant-speak phrase or leak found in <paramref name="text"/>, or null.</summary>
    public static string? FindAssistantSpeak(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var normalised = Normalise(text);
        var m = BoundedPhrases.Match(normalised);
        if (m.Success) return m.Value;
        m = UnboundedPhrases.Match(normalised);
        if (m.Success) return m.Value;
        foreach (var token in LeakTokens)
            if (text.Contains(token, StringComparison.OrdinalIgnoreCase)) return token;
        return null;
    }

    /// <summary>
    /// Fails when a part, or the whole reply, repeats one of her last <see cref="RepetitionWindow"/> replies: the same
    /// text (normalised, at least <see cref="MinimumDuplicateLength"/> characters), or word trigrams in common for at least
    /// <see cref="RepetitionThreshold"/> of the smaller set (both with at least 3 trigrams).
    /// </summary>
    public static CheckFailure? Repetition(IReadOnlyList<string> parts, IReadOnlyList<HistoryMessage> history)
    {
        ArgumentNullException.ThrowIfNull(parts);
        ArgumentNullException.ThrowIfNull(history);
        var previous = history.Where(m => m.Sender == Sender.Persona && !string.IsNullOrWhiteSpace(m.Text))
            .TakeLast(RepetitionWindow).Select(m => m.Text!).ToList();
        if (previous.Count == 0) return null;
        var units = parts.Count > 1 ? [.. parts, string.Join(" ", parts)] : parts.ToList();
        foreach (var unit in units)
            foreach (var old in previous)
                if (Similarity(unit, old) >= RepetitionThreshold)
                    return new CheckFailure(CheckReasons.Repetition, $"repeats \"{Shorten(old)}\"",
                        $"Your previous answer repeated something you already wrote in this chat (\"{Shorten(old)}\"). " +
                        "Write something new that moves the conversation on, with different wording and a different opening.");
        return null;
    }

    /// <summary>
    /// 1 for the same text (normalised, at least <see cref="MinimumDuplicateLength"/> characters); otherwise the share of
    /// word trigrams in common over the smaller set when both have at least 3; else 0.
    /// </summary>
    public static double Similarity(string a, string b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        var ta = Tokens(a);
        var tb = Tokens(b);
        var ja = string.Join(' ', ta);
        if (ja.Length >= MinimumDuplicateLength && ja == string.Join(' ', tb)) return 1;
        var ga = Trigrams(ta);
        var gb = Trigrams(tb);
        if (ga.Count < 3 || gb.Count < 3) return 0;
        var common = ga.Count(gb.Contains);
        return (double)common / Math.Min(ga.Count, gb.Count);
    }

    /// <summary>Fails when the total length of the parts misses the <c>messageLength</c> target (see <see cref="LengthRange"/>).</summary>
    public static CheckFailure? Length(IReadOnlyList<string> parts, string? messageLength)
    {
        ArgumentNullException.ThrowIfNull(parts);
        if (LengthRange(messageLength) is not { } range || parts.Count == 0) return null;
        var length = parts.Sum(p => new StringInfo(p).LengthInTextElements);
        if (length >= range.Min && length <= range.Max) return null;
        var target = range.Max == int.MaxValue ? $"at least {range.Min} characters"
            : range.Min == 0 ? $"at most {range.Max} characters" : $"between {range.Min} and {range.Max} characters";
        var direction = length > range.Max ? "too long" : "too short";
        return new CheckFailure(CheckReasons.Length, $"{length} characters, {messageLength} needs {target}",
            $"Your previous answer was {direction} ({length} characters). The whole message must be {target}.");
    }

    static string Shorten(string s) => s.Length <= 60 ? s : s[..57] + "...";

    /// <summary>Lower case, curly apostrophes straightened, whitespace collapsed.</summary>
    static string Normalise(string text)
    {
        var sb = new StringBuilder(text.Length);
        var space = false;
        foreach (var ch in text.ToLowerInvariant())
        {
            var c = ch is '’' or '‘' or '`' or 'ʼ' ? '\'' : ch;
            if (char.IsWhiteSpace(c))
            {
                if (!space && sb.Length > 0) sb.Append(' ');
                space = true;
                continue;
            }
            space = false;
            sb.Append(c);
        }
        return sb.ToString().TrimEnd();
    }

    /// <summary>Words (letters and digits) in lower case; scripts without spaces (CJK) count each character as a word.</summary>
    static List<string> Tokens(string text)
    {
        var tokens = new List<string>();
        var word = new StringBuilder();
        void Flush()
        {
            if (word.Length > 0) tokens.Add(word.ToString());
            word.Clear();
        }
        foreach (var ch in text.ToLowerInvariant())
        {
            if (IsCjk(ch))
            {
                Flush();
                tokens.Add(ch.ToString());
            }
            else if (char.IsLetterOrDigit(ch)) word.Append(ch);
            else Flush();
        }
        Flush();
        return tokens;
    }

    static HashSet<string> Trigrams(List<string> tokens)
    {
        var set = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i + 2 < tokens.Count; i++) set.Add(tokens[i] + " " + tokens[i + 1] + " " + tokens[i + 2]);
        return set;
    }

    static bool IsCjk(char c) => c is >= '\u3040' and <= '\u30ff' or >= '\u3400' and <= '\u4dbf' or >= '\u4e00' and <= '\u9fff'
        or >= '\uac00' and <= '\ud7af' or >= '\uff66' and <= '\uff9f';

    /// <summary>
    /// Assistant-speak and AI self-reference in the languages we serve, lower case with straight apostrophes. Phrases in
    /// scripts without word spaces (Japanese) or with attached prefixes (Hebrew) match anywhere; the others as whole words.
    /// Bare short forms that are ordinary words elsewhere ("ia" is "went" in Portuguese, "ai" is "you have" in Romanian)
    /// only appear inside longer phrases.
    /// </summary>
    static readonly string[] Phrases =
    [
        // English
        "as an ai", "as an a.i.", "as a language model", "as an ai language model", "language model", "large language model",
        "i'm an ai", "i am an ai", "i'm just an ai", "i am just an ai", "i'm only an ai", "i am only an ai", "i'm an artificial intelligence",
        "i am an artificial intelligence", "ai assistant", "virtual assistant", "i'm a chatbot", "i am a chatbot", "as a chatbot",
        "i'm a bot", "i am a bot", "i'm an ai model", "how can i assist", "how may i assist", "how can i help you today",
        "how may i help you", "is there anything else i can help", "i am here to help", "i'm here to help", "i'm here to assist",
        "i am here to assist", "i don't have personal experiences", "i do not have personal experiences", "i don't have feelings",
        "i do not have feelings", "i don't have a physical body", "i do not have a physical body", "my training data",
        "my knowledge cutoff", "openai", "chatgpt", "i can't assist with that", "i cannot assist with that",
        "i'm unable to assist", "my system prompt", "system prompt",
        // French
        "en tant qu'ia", "en tant qu'intelligence artificielle", "en tant que modèle de langage", "je suis une ia",
        "je suis une intelligence artificielle", "je suis un modèle de langage", "modèle de langage", "je suis un assistant",
        "assistant virtuel", "comment puis-je vous aider", "comment puis-je t'aider", "je suis là pour vous aider",
        "je suis là pour t'aider", "je suis un chatbot",
        // German
        "als ki", "als künstliche intelligenz", "als sprachmodell", "ich bin eine ki", "ich bin ein ki", "ich bin nur eine ki",
        "ich bin eine künstliche intelligenz", "ich bin ein sprachmodell", "sprachmodell", "ki-assistent", "virtueller assistent",
        "wie kann ich ihnen helfen", "wie kann ich dir helfen", "ich bin hier, um zu helfen", "ich bin hier um zu helfen",
        "ich bin ein chatbot",
        // Spanish
        "como una ia", "como inteligencia artificial", "como modelo de lenguaje", "soy una ia", "soy una inteligencia artificial",
        "soy un modelo de lenguaje", "modelo de lenguaje", "asistente virtual", "en qué puedo ayudarte", "en qué puedo ayudarle",
        "cómo puedo ayudarte", "estoy aquí para ayudar", "soy un chatbot",
        // Italian
        "come ia", "come un'ia", "come intelligenza artificiale", "come modello linguistico", "sono un'ia", "sono un'intelligenza artificiale",
        "sono un modello linguistico", "modello linguistico", "modello di linguaggio", "assistente virtuale", "come posso aiutarti",
        "come posso aiutarla", "sono qui per aiutarti", "sono un chatbot",
        // Dutch
        "als ai", "als een ai", "als taalmodel", "ik ben een ai", "ik ben een taalmodel", "taalmodel", "virtuele assistent",
        "hoe kan ik je helpen", "hoe kan ik u helpen", "ik ben hier om te helpen", "ik ben een chatbot",
        // Portuguese
        "como uma ia", "como inteligência artificial", "sou uma ia", "sou uma inteligência artificial", "sou um modelo de linguagem",
        "modelo de linguagem", "assistente virtual", "como posso ajudar", "estou aqui para ajudar", "sou um chatbot",
        // Romanian
        "ca inteligență artificială", "sunt o inteligență artificială", "sunt un model de limbaj", "model de limbaj", "asistent virtual",
        "cu ce te pot ajuta", "cu ce vă pot ajuta",
        // Polish
        "jako ai", "jako sztuczna inteligencja", "jestem sztuczną inteligencją", "jestem ai", "model językowy", "jak mogę ci pomóc",
        "w czym mogę pomóc", "wirtualny asystent",
        // Swedish, Danish, Norwegian
        "som en ai", "jag är en ai", "språkmodell", "hur kan jag hjälpa dig", "jeg er en ai", "sprogmodel", "hvordan kan jeg hjælpe",
        "hvordan kan jeg hjelpe", "virtuell assistent", "virtuel assistent",
        // Finnish
        "tekoälynä", "olen tekoäly", "kielimalli", "miten voin auttaa", "kuinka voin auttaa",
        // Lithuanian
        "esu dirbtinis intelektas", "kalbos modelis", "kuo galiu padėti",
        // Bulgarian
        "като изкуствен интелект", "аз съм изкуствен интелект", "аз съм ии", "езиков модел", "как мога да ви помогна",
        "с какво мога да помогна", "виртуален асистент",
        // Hebrew
        "כבינה מלאכותית", "אני בינה מלאכותית", "מודל שפה", "איך אני יכול לעזור", "איך אוכל לעזור", "עוזר וירטואלי",
        // Japanese
        "aiとして", "私はai", "言語モデル", "aiアシスタント", "お手伝いできること", "人工知能として", "私は人工知能",
    ];

    /// <summary>Chat-template and reasoning tokens that only a leaking model writes.</summary>
    static readonly string[] LeakTokens = ["<|im_start|>", "<|im_end|>", "<|eot_id|>", "<|start_header_id|>", "<|endoftext|>",
        "[INST]", "[/INST]", "<think>", "</think>", "<start_of_turn>", "<end_of_turn>", "</s>"];

    static bool NeedsNoBoundary(string phrase) => phrase.Any(c => IsCjk(c) || c is >= '\u0590' and <= '\u05ff');

    static readonly Regex BoundedPhrases = new(
        @"(?<![\p{L}\p{N}])(?:" + string.Join('|', Phrases.Where(p => !NeedsNoBoundary(p)).OrderByDescending(p => p.Length).Select(Regex.Escape))
        + @")(?![\p{L}\p{N}])", RegexOptions.CultureInvariant | RegexOptions.Compiled);

    static readonly Regex UnboundedPhrases = new(
        string.Join('|', Phrases.Where(NeedsNoBoundary).OrderByDescending(p => p.Length).Select(Regex.Escape)),
        RegexOptions.CultureInvariant | RegexOptions.Compiled);
}
