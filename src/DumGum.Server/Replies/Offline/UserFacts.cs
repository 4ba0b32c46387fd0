using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using DumGum.Customers;
using DumGum.Replies.Prompt;

namespace DumGum.Replies.Offline;

/// <summary>
/// What the user said about himself, for the offline engine: his job and his city, from his profile
/// (<c>features.job</c>; <c>city</c> when <c>countryCode</c> is set) and, later ones winning, from what he wrote in the chat
/// ("I work as a nurse", "I live in Madrid", or "A nurse!" right after she asked what he does). The phrases are in the
/// language file (<c>userFacts</c>); words are compared in lower case without accents, and the fact is kept as he wrote it.
/// Beyond his last <see cref="RecentUserMessages"/> messages, his long-term memories' source messages are read the same way.
/// </summary>
internal sealed record UserFacts(string? Job, string? City, string? NewJob, string? NewCity)
{
    /// <summary>At most this many words make a job or a city ("pastry chef", "San Sebastián").</summary>
    const int MaxWords = 3;

    /// <summary>A message this long at most may be a bare answer to her question ("A nurse, haha, and you?").</summary>
    const int ShortAnswer = 60;

    /// <summary>His messages read for stated facts, newest first.</summary>
    public const int RecentUserMessages = 20;

    public static UserFacts Read(ReplyContext c, LanguagePack pack, int lastPersona)
    {
        var rules = pack.UserFacts;
        var features = c.User.Raw.TryGetPropertyValue("features", out var f) ? f as JsonObject : null;
        string? job = features?["job"] is JsonValue v && v.GetValueKind() == JsonValueKind.String && v.GetValue<string>().Trim() is { Length: > 0 } j
            ? Humanize.Free(j) : null;
        string? city = ProfileRenderer.IsValidCountryCode(c.User.CountryCode) && !string.IsNullOrWhiteSpace(c.User.City) ? c.User.City.Trim() : null;
        if (rules is null) return new UserFacts(job, city, null, null);

        string? newJob = null, newCity = null;
        bool jobFound = false, cityFound = false;
        var history = c.History;
        // Newest first, his last few messages only: the newest statement wins, so the search for a slot stops at the
        // first one found, and what he said long before is not read (the cost stays flat however long the chat is).
        var read = 0;
        for (var i = history.Count - 1; i >= 0 && read < RecentUserMessages && !(jobFound && cityFound); i--)
        {
            if (history[i].Sender != Sender.User || string.IsNullOrWhiteSpace(history[i].Text)) continue;
            read++;
            var trailing = i > lastPersona;
            var text = history[i].Text!;
            var clauses = Parse(text);
            // An answer right after she asked: "A nurse, and you?" after "What do you do?". Answers are short; only then
            // is her message read, and only when no statement was found.
            string? asked = null;
            var askedRead = false;
            string? Asked() {
                if (askedRead) return asked;
                askedRead = true;
                return asked = i > 0 && history[i - 1].Sender == Sender.Persona && history[i - 1].Text is { } hers
                               && hers.Contains('?', StringComparison.Ordinal) && text.Length <= ShortAnswer
                    ? AskedAbout(pack, hers) : null;
            }
            if (!jobFound && (Find(clauses, rules.Job, rules, answering: false, capitalised: false)
                              ?? (Asked() == Intents.AskJob ? Find(clauses, rules.Job, rules, answering: true, capitalised: false) : null)) is { } statedJob)
            {
                jobFound = true;
                job = statedJob;
                if (trailing) newJob = statedJob;
            }
            if (!cityFound && (Find(clauses, rules.City, rules, answering: false, capitalised: true)
                               ?? (Asked() == Intents.AskCity ? Find(clauses, rules.City, rules, answering: true, capitalised: true) : null)) is { } statedCity)
            {
                cityFound = true;
                city = statedCity;
                if (trailing) newCity = statedCity;
            }
        }
        // Long-term memory reaches back past that window: the messages its job and home facts were read from are read
        // here the same way, newest first, in his own words (the memory's description is English).
        foreach (var memory in c.Memories)
        {
            if (jobFound && cityFound) break;
            if (memory.Target != Memory.MemoryTargets.User || string.IsNullOrWhiteSpace(memory.SourceText)) continue;
            if (!jobFound && memory.Slot == "user_occupation"
                && Find(Parse(memory.SourceText), rules.Job, rules, answering: false, capitalised: false) is { } rememberedJob)
                (job, jobFound) = (rememberedJob, true);
            if (!cityFound && memory.Slot == "user_location"
                && Find(Parse(memory.SourceText), rules.City, rules, answering: false, capitalised: true) is { } rememberedCity)
                (city, cityFound) = (rememberedCity, true);
        }
        return new UserFacts(job, city, newJob, newCity);
    }

    /// <summary>A message's clauses, each as its words and the same words folded (read once per message).</summary>
    static List<(List<string> Words, string[] Folded)> Parse(string text)
    {
        var list = new List<(List<string>, string[])>();
        foreach (var clause in Clauses(text))
        {
            var words = Words(clause);
            if (words.Count == 0) continue;
            var folded = new string[words.Count];
            for (var k = 0; k < words.Count; k++) folded[k] = Fold(words[k]);
            list.Add((words, folded));
        }
        return list;
    }

    /// <summary>Which fact her message asked about, if any (job or city).</summary>
    static string? AskedAbout(LanguagePack pack, string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        var scores = new Dictionary<string, double>(StringComparer.Ordinal);
        pack.Reader.Score(text, scores);
        var job = scores.GetValueOrDefault(Intents.AskJob);
        var city = scores.GetValueOrDefault(Intents.AskCity);
        return job <= 0 && city <= 0 ? null : job >= city ? Intents.AskJob : Intents.AskCity;
    }

    /// <summary>
    /// The words after a statement ("i work as *"), or at the start of an answer, up to a stop word or the end of the
    /// clause (at most three words; a city's words after the first only with a capital).
    /// </summary>
    static string? Find(List<(List<string> Words, string[] Folded)> clauses, UserFactRule? rule, UserFactData data, bool answering, bool capitalised)
    {
        if (rule is null) return null;
        foreach (var (words, folded) in clauses)
        {
            foreach (var (anchored, stems) in answering ? rule.CompiledStatements.Concat(rule.CompiledAnswers) : rule.CompiledStatements)
            {
                var fixedWords = stems.Length - 1;
                for (var start = 0; start + fixedWords < folded.Length; start++)
                {
                    if (anchored && start > 0) break;
                    var k = 0;
                    while (k < fixedWords && folded[start + k] == stems[k]) k++;
                    if (k < fixedWords) continue;
                    var captured = Capture(words, folded, start + fixedWords, rule, data, capitalised);
                    if (captured is not null) return captured;
                }
            }
        }
        return null;
    }

    static string? Capture(List<string> words, string[] folded, int from, UserFactRule rule, UserFactData data, bool capitalised)
    {
        if (rule.NotSet.Contains(folded[from]) || data.StopSet.Contains(folded[from])) return null;
        var taken = new List<string>(MaxWords);
        for (var i = from; i < words.Count && taken.Count < MaxWords; i++)
        {
            if (data.StopSet.Contains(folded[i])) break;
            // "Madrid now" is Madrid, "New York" is New York: a city goes on with capitalised words only.
            if (capitalised && i > from && !char.IsUpper(words[i][0])) break;
            taken.Add(words[i]);
        }
        if (taken.Count == 0) return null;
        var fact = string.Join(' ', taken);
        // A city is a name; a job keeps what he typed.
        return capitalised || rule.Capitalise ? string.Concat(char.ToUpper(fact[0], CultureInfo.InvariantCulture).ToString(), fact.AsSpan(1)) : fact;
    }

    static string[] Clauses(string text) =>
        text.Split(['.', ',', '!', '?', ';', ':', '…', '\n', '¿', '¡', '(', ')'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>Runs of letters and digits, with hyphens kept inside words ("Saint-Étienne").</summary>
    static List<string> Words(string clause)
    {
        var list = new List<string>();
        var sb = new StringBuilder();
        for (var i = 0; i < clause.Length; i++)
        {
            var ch = clause[i];
            if (char.IsLetterOrDigit(ch) || (ch == '-' && sb.Length > 0 && i + 1 < clause.Length && char.IsLetter(clause[i + 1]))) sb.Append(ch);
            else if (sb.Length > 0) { list.Add(sb.ToString()); sb.Clear(); }
        }
        if (sb.Length > 0) list.Add(sb.ToString());
        return list;
    }

    /// <summary>Lower case without accents: "Métier" and "metier" are one word.</summary>
    internal static string Fold(string word)
    {
        // Most words are plain ASCII: lower case is all there is to do.
        if (System.Text.Ascii.IsValid(word)) return word.ToLowerInvariant();
        var decomposed = word.ToLowerInvariant().Normalize(NormalizationForm.FormD);
        var sb = new StringBuilder(decomposed.Length);
        foreach (var ch in decomposed)
            if (CharUnicodeInfo.GetUnicodeCategory(ch) != UnicodeCategory.NonSpacingMark) sb.Append(ch);
        return sb.ToString();
    }

    /// <summary>Whether one of <paramref name="phrases"/> is in <paramref name="text"/> (words in lower case, without accents).</summary>
    public static bool Says(string text, IReadOnlyList<string> phrases)
    {
        if (phrases.Count == 0) return false;
        var words = Clauses(text).SelectMany(Words).Select(Fold).ToArray();
        foreach (var phrase in phrases)
        {
            var p = phrase.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(Fold).ToArray();
            for (var i = 0; p.Length > 0 && i + p.Length <= words.Length; i++)
                if (words.AsSpan(i, p.Length).SequenceEqual(p)) return true;
        }
        return false;
    }

    /// <summary>Whether one of <paramref name="stems"/> (stemmed like the message) is in <paramref name="text"/>.</summary>
    public static bool Mentions(LanguagePack pack, string text, IReadOnlySet<string> stems)
    {
        if (stems.Count == 0) return false;
        foreach (var s in pack.Analyzer.Stems(text))
            if (stems.Contains(s)) return true;
        return false;
    }
}

/// <summary>The <c>userFacts</c> section of a language file: how the user states his job and city, and what ends a fact.</summary>
internal sealed class UserFactData
{
    /// <summary>Words that end a fact ("and", "at", "in"…): "a nurse at the hospital" is "nurse".</summary>
    public string[] Stop { get; init; } = [];
    public UserFactRule? Job { get; init; }
    public UserFactRule? City { get; init; }
    /// <summary>Phrases that make "do you remember…?" about his name ("my name").</summary>
    public string[] NameRecall { get; init; } = [];

    HashSet<string>? stopSet;
    internal HashSet<string> StopSet => stopSet ??= Stop.Select(UserFacts.Fold).ToHashSet(StringComparer.Ordinal);
}

internal sealed class UserFactRule
{
    /// <summary>Phrases ending in <c>*</c>, the fact ("i work as a *"); a leading <c>^</c> = only at the start of a clause.</summary>
    public string[] Statements { get; init; } = [];
    /// <summary>More phrases, only right after she asked about it ("^ a *", "^ *").</summary>
    public string[] Answers { get; init; } = [];
    /// <summary>First words that are not the fact ("a bit tired" is no job).</summary>
    public string[] Not { get; init; } = [];
    /// <summary>Words that show a message is about this fact (stemmed): "work", "shift" for the job.</summary>
    public string[] Topic { get; init; } = [];
    /// <summary>Phrases that make "do you remember…?" about this fact ("what i do", "where i live").</summary>
    public string[] Recall { get; init; } = [];
    /// <summary>Begin the fact with a capital (German nouns).</summary>
    public bool Capitalise { get; init; }

    // Folded once, on first use (a benign race: two threads compute the same arrays).
    HashSet<string>? notSet;
    (bool Anchored, string[] Words)[]? statements, answers;
    internal HashSet<string> NotSet => notSet ??= Not.Select(UserFacts.Fold).ToHashSet(StringComparer.Ordinal);
    internal (bool Anchored, string[] Words)[] CompiledStatements => statements ??= Compile(Statements);
    internal (bool Anchored, string[] Words)[] CompiledAnswers => answers ??= Compile(Answers);

    /// <summary>"^ a *" → anchored, ["a", "*"]; a phrase that does not end with <c>*</c> is left out.</summary>
    static (bool, string[])[] Compile(string[] patterns) =>
    [
        .. patterns.Select(p => p.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Select(parts => (parts.Length > 0 && parts[0] == "^", parts.SkipWhile(w => w == "^").Select(UserFacts.Fold).ToArray()))
            .Where(x => x.Item2.Length > 0 && x.Item2[^1] == "*"),
    ];
}
