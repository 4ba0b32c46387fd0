using System.Collections.Frozen;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace DumGum.Memory.Extraction;

/// <summary>
/// The deterministic extractor used by the offline engine (and as the fallback when no model extracts). It reads explicit
/// first-person statements in en, de, fr, es, it, pt and nl with the rules of <c>Memory/Extraction/Data/{code}.json</c>
/// and writes English facts with the shared templates of <c>facts.json</c> (docs/memory.md, "Offline extraction").
/// A statement is dropped when it is negated in its clause, asked, wished or supposed, or reported from someone else.
/// Thread-safe; the rule files are read and compiled once per language, on first use.
/// </summary>
public sealed partial class OfflineMemoryExtractor : IMemoryExtractor
{
    /// <summary>One shared instance: the compiled rules are immutable.</summary>
    public static OfflineMemoryExtractor Instance { get; } = new();

    public const int MaxTags = 10;

    /// <summary>The languages with a rule file.</summary>
    public static IReadOnlyCollection<string> Languages => RuleData.Files.Keys;

    public IReadOnlyList<MemoryCandidate> Extract(string text, string language, string target, DateOnly today)
    {
        if (string.IsNullOrWhiteSpace(text) || RuleData.For(language) is not { } rules) return [];
        var who = target == MemoryTargets.Persona ? "persona" : "user";
        var folded = FoldedText.Of(text);
        var found = new List<Found>();
        foreach (var sentence in Sentences(folded))
        {
            // Most sentences match no rule (small talk, questions): their dates are only read once a rule matches.
            List<DateMention>? dates = null;
            var inSentence = new List<Found>();
            var reading = 0;
            foreach (var rule in rules.Rules)
                for (var m = rule.Rx.Match(folded.Text, sentence.Start, sentence.End - sentence.Start); m.Success; m = m.NextMatch())
                {
                    dates ??= rules.Dates.Find(folded, sentence.Start, sentence.End, today);
                    inSentence.AddRange(Read(rules, rule, m, folded, sentence, dates, who, target, text, reading++));
                }
            // Of two readings of the same words by one kind, the longer says more ("a dog named Max" over "a dog").
            foreach (var f in inSentence)
                if (!inSentence.Any(o => o.Reading != f.Reading && o.Kind == f.Kind && o.Start < f.End && f.Start < o.End
                                         && (o.End - o.Start > f.End - f.Start || (o.End - o.Start == f.End - f.Start && o.Reading < f.Reading))))
                    found.Add(f);
        }
        // One answer per key and per single-valued slot: the last statement wins ("I lived in Rome, now I live in Milan").
        var result = new List<MemoryCandidate>();
        foreach (var f in found)
        {
            result.RemoveAll(c => c.UniqueIdentifier == f.Candidate.UniqueIdentifier
                                  || (c.Slot is not null && c.Slot == f.Candidate.Slot && !c.Slot.Contains(':', StringComparison.Ordinal)));
            result.Add(f.Candidate);
        }
        return result;
    }

    sealed record Found(string Kind, int Start, int End, MemoryCandidate Candidate, int Reading);

    readonly record struct Sentence(int Start, int End, int QuestionFrom);

    /// <summary>
    /// Sentences end at ! ? and a full stop that does not follow a day number ("am 3. Mai"). The part of a sentence after
    /// its last comma before a question mark (or after ¿) is a question: "I love cats, do you?" keeps "I love cats".
    /// </summary>
    static IEnumerable<Sentence> Sentences(FoldedText t)
    {
        var start = 0;
        foreach (Match end in SentenceEndRx().Matches(t.Text))
        {
            var stop = end.Index + end.Length;
            yield return Make(t.Text, start, stop, end.Value.Contains('?', StringComparison.Ordinal));
            start = stop;
        }
        if (start < t.Text.Length) yield return Make(t.Text, start, t.Text.Length, false);

        static Sentence Make(string text, int start, int end, bool question)
        {
            var from = int.MaxValue;
            var open = text.IndexOf('¿', start, end - start);
            if (open >= 0) from = open;
            else if (question) from = Math.Max(start, text.LastIndexOfAny([',', ';', ':'], end - 1, end - start) + 1);
            return new Sentence(start, end, from);
        }
    }

    static IEnumerable<Found> Read(LanguageRules rules, Rule rule, Match m, FoldedText t, Sentence sentence, List<DateMention> dates,
        string who, string target, string source, int reading)
    {
        var fact = rule.Fact;
        if (m.Index >= sentence.QuestionFrom) yield break;
        var values = new Dictionary<string, Value>(StringComparer.Ordinal);
        foreach (var (name, english) in rule.Fixed) values[name] = new Value(english, english, true, null);
        List<Value>? list = null;
        string? listName = null;
        var valueEnd = m.Index;
        var lastGroupEnd = m.Index;
        foreach (Group g in m.Groups)
        {
            if (!g.Success || char.IsDigit(g.Name[0])) continue;
            lastGroupEnd = Math.Max(lastGroupEnd, g.Index + g.Length);
            // A free value ends where a date or a question begins: "a job interview tomorrow", "I love cats, do you?".
            var end = Math.Min(Math.Min(g.Index + g.Length, sentence.QuestionFrom), dates.Where(d => d.Start > g.Index).Select(d => d.Start).DefaultIfEmpty(int.MaxValue).Min());
            switch (g.Name)
            {
                case "name" or "Name":
                    if (ReadName(rules, t, g) is not { } person) yield break;
                    values["name"] = person;
                    valueEnd = Math.Max(valueEnd, g.Index + g.Length);
                    break;
                case "age":
                    var age = int.Parse(g.Value, CultureInfo.InvariantCulture);
                    if (age is < 1 or > 120) yield break;
                    values["age"] = new Value(g.Value, g.Value, false, null);
                    valueEnd = Math.Max(valueEnd, g.Index + g.Length);
                    break;
                case "place" or "Place" or "org":
                    if (ReadProperNoun(rules, t, g.Index, end, g.Name != "place") is not { } place) yield break;
                    values[g.Name == "org" ? "org" : "place"] = place.Value;
                    valueEnd = Math.Max(valueEnd, place.End);
                    break;
                default:
                    var spec = fact.Values[g.Name];
                    if (spec.List || spec.Open || rule.Open.Contains(g.Name))
                    {
                        var items = ReadFree(rules, t, g.Index, end, spec, spec.Open || rule.Open.Contains(g.Name));
                        if (items.Count == 0) yield break;
                        valueEnd = Math.Max(valueEnd, items[^1].End);
                        if (spec.List) { list = items.Select(i => i.Value).ToList(); listName = g.Name; }
                        else values[g.Name] = items[0].Value;
                    }
                    else
                    {
                        if (rules.Lookup(DateReader.Normal(g.Value), spec.Lexicons) is not { } known) yield break;
                        values[g.Name] = new Value(known.English, known.English, true, known.Group);
                        valueEnd = Math.Max(valueEnd, g.Index + g.Length);
                    }
                    break;
            }
        }

        // What the rule's own words do not cover decides: negation in the clause, a wish or someone else's words before.
        var afterStart = m.Index + m.Length > lastGroupEnd ? m.Index + m.Length : valueEnd;
        var before = t.WordsIn(sentence.Start, m.Index).ToList();
        if (rules.Negations.In(ClauseTail(rules, t, before, sentence.Start, m.Index))
            || rules.Negations.In(ClauseHead(rules, t, afterStart, sentence.End))
            || rules.Hypotheticals.In(before) || rules.Reported.In(before))
            yield break;
        if (fact.Future && rules.Past.In(t.WordsIn(sentence.Start, sentence.End).ToList())) yield break;
        DateMention? date = null;
        if (fact.NeedsDate)
        {
            date = dates.FirstOrDefault();
            if (date is null) yield break;
            if (fact.Category == MemoryCategories.Event)
            {
                values["start"] = Plain(date.Date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
                if (date.EndDate is { } to && to != date.Date) values["end"] = Plain(to.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
            }
            else
            {
                values["birthday"] = Plain(date.Date.ToString("MM-dd", CultureInfo.InvariantCulture));
                if (date.HasYear) values["birthdate"] = Plain(date.Date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
            }
        }
        values["who"] = Plain(who);

        foreach (var item in list ?? [null!])
        {
            if (item is not null) values[listName!] = item;
            if (Build(rules, rule, values, date, target, source) is { } candidate)
                yield return new Found(rule.Kind, m.Index, m.Index + m.Length, candidate, reading);
        }
    }

    static Value Plain(string text) => new(text, text, false, null);

    /// <summary>A value: as written in the description, as it goes into the key, whether it is an English lexicon word, and its group.</summary>
    sealed record Value(string Display, string KeyText, bool English, string? Group);

    static MemoryCandidate? Build(LanguageRules rules, Rule rule, Dictionary<string, Value> values, DateMention? date, string target, string source)
    {
        var fact = rule.Fact;
        var key = fact.Key.Select(k => Fill(k, values, snake: true)).FirstOrDefault(k => k is not null);
        var description = fact.Description.Select(d => Fill(d, values, snake: false)).FirstOrDefault(d => d is not null);
        if (key is null || description is null) return null;
        var category = fact.Category;
        var tags = new List<string>();
        foreach (var v in values.Values)
            if (v.Group is not null && RuleData.Facts.LexiconCategories.TryGetValue(v.Group, out var lc))
            {
                category = lc.Category;
                if (lc.Tag is not null) tags.Add(lc.Tag);
            }
        foreach (var tag in fact.Tags)
            if (Fill(tag, values, snake: false) is { } filled) tags.Add(FoldedText.Of(filled).Lower.Trim());
        return new MemoryCandidate
        {
            UniqueIdentifier = key, Target = target, Category = category, Description = description,
            EventStartDate = category == MemoryCategories.Event ? date?.Date : null,
            EventEndDate = category == MemoryCategories.Event ? date?.EndDate ?? date?.Date : null,
            SourceText = source,
            Tags = tags.Where(t => t.Length > 0).Distinct(StringComparer.Ordinal).Take(MaxTags).ToList(),
            Slot = fact.Slot is null ? null : Fill(fact.Slot, values, snake: true),
        };
    }

    /// <summary>A template with its {values}, or null when one is missing. Keys are ASCII snake_case.</summary>
    static string? Fill(string template, Dictionary<string, Value> values, bool snake)
    {
        var missing = false;
        var text = TemplateRx().Replace(template, m =>
        {
            var name = m.Groups[1].Value;
            if (name == "a")
            {
                var noun = values.Values.FirstOrDefault(v => v.English && v.Group is "jobs" or "pets");
                return noun is null ? "" : Article(noun.Display);
            }
            var lower = char.ToLowerInvariant(name[0]) + name[1..];
            if (!values.TryGetValue(lower, out var value)) { missing = true; return ""; }
            if (snake) return Snake(value.KeyText);
            return char.IsUpper(name[0]) ? char.ToUpperInvariant(value.Display[0]) + value.Display[1..] : value.Display;
        });
        if (missing) return null;
        if (snake)
        {
            // The slot of a preference keeps its ':'; everything else is snake_case.
            var parts = text.Split(':');
            return string.Join(':', parts.Select(p => SnakeRx().Replace(p.ToLowerInvariant(), "_").Trim('_')));
        }
        return SpacesRx().Replace(text, " ").Trim();
    }

    /// <summary>English "a"/"an" before a job or a pet; none before a plural ("cats").</summary>
    static string Article(string noun) =>
        noun.EndsWith('s') && !noun.EndsWith("ss", StringComparison.Ordinal) ? ""
        : "aeiou".Contains(char.ToLowerInvariant(noun[0]), StringComparison.Ordinal) ? "an" : "a";

    /// <summary>ASCII snake_case: accents folded by Lucene, anything else an underscore.</summary>
    public static string Snake(string text) => SnakeRx().Replace(FoldedText.Of(text).Lower, "_").Trim('_');

    static Value? ReadName(LanguageRules rules, FoldedText t, Group g)
    {
        var words = t.WordsIn(g.Index, g.Index + g.Length).ToList();
        if (words.Count == 0 || IsNotName(rules, words[0].Text)) return null;
        var end = words.Count > 1 && !IsNotName(rules, words[^1].Text) ? words[^1].End : FirstWordEnd(t, g);
        var written = t.Slice(g.Index, end);
        if (written.All(c => !char.IsLetter(c) || char.IsLower(c)))
            written = CultureInfo.InvariantCulture.TextInfo.ToTitleCase(written);
        return new Value(written, written, false, null);

        static int FirstWordEnd(FoldedText t, Group g)
        {
            var i = g.Index;
            while (i < g.Index + g.Length && !char.IsWhiteSpace(t.Text[i])) i++;
            return i;
        }
    }

    static bool IsNotName(LanguageRules rules, string word) =>
        word.Length < 2 || rules.NotNames.Contains(word) || rules.Stopwords.Contains(word)
        || rules.Negations.At([new Word(word, 0, 0)], 0) > 0 || rules.Articles.At([new Word(word, 0, 0)], 0) > 0;

    static bool IsStop(LanguageRules rules, List<Word> words, int i) =>
        rules.Stopwords.Contains(words[i].Text) || rules.Negations.At(words, i) > 0 || rules.Conjunctions.At(words, i) > 0;

    /// <summary>
    /// A place or an organisation: capitalised words with their connectors ("Rio de Janeiro"), after an article that is
    /// not part of it ("o Porto"); a user who writes in lower case gets up to three words before a stopword ("new york").
    /// </summary>
    static (Value Value, int End)? ReadProperNoun(LanguageRules rules, FoldedText t, int start, int end, bool capitalised)
    {
        var words = t.WordsIn(start, end).ToList();
        if (words.Count == 0) return null;
        bool Upper(Word w) => char.IsUpper(t.Text[w.Start]);
        var i = 0;
        if (rules.Articles.At(words, 0) == 1 && !Upper(words[0]) && words.Count > 1 && Upper(words[1])) i = 1;
        if (IsStop(rules, words, i) || rules.Articles.At(words, i) > 0 && !Upper(words[i])) return null;
        var first = i;
        var last = i;
        if (Upper(words[i]))
        {
            for (var k = i + 1; k < words.Count && k - first < 4; k++)
            {
                if (Upper(words[k])) last = k;
                else if (rules.PlaceConnectors.Contains(words[k].Text) && k + 1 < words.Count && Upper(words[k + 1])) { last = k + 1; k++; }
                else break;
            }
        }
        else
        {
            if (capitalised) return null;
            for (var k = i + 1; k < words.Count && k - first < 3 && !IsStop(rules, words, k) && rules.Articles.At(words, k) == 0; k++) last = k;
        }
        var written = t.Slice(words[first].Start, words[last].End);
        if (written.All(c => !char.IsLetter(c) || char.IsLower(c)))
            written = CultureInfo.InvariantCulture.TextInfo.ToTitleCase(written);
        return (new Value(written, written, false, null), words[last].End);
    }

    sealed record Item(Value Value, int End);

    /// <summary>
    /// A value in the words of a clause: articles and fillers dropped, then the longest lexicon form at its start that
    /// reaches at least to the first stopword ("películas de terror"); if none, an open value keeps its words up to the
    /// first stopword, as written. A list value is split at commas and joiners and stops at the first item it cannot read.
    /// </summary>
    static List<Item> ReadFree(LanguageRules rules, FoldedText t, int start, int end, ValueSpec spec, bool open)
    {
        var words = t.WordsIn(start, end).ToList();
        var items = new List<List<Word>>();
        var current = new List<Word>();
        for (var i = 0; i < words.Count; i++)
        {
            var comma = i > 0 && t.Text.AsSpan(words[i - 1].End, words[i].Start - words[i - 1].End).Contains(',');
            var joiner = spec.List ? rules.ListJoiners.At(words, i) : 0;
            if (spec.List && (comma || joiner > 0) && current.Count > 0)
            {
                items.Add(current);
                current = [];
            }
            if (joiner > 0) { i += joiner - 1; continue; }
            if (!spec.List && comma) break;
            current.Add(words[i]);
        }
        if (current.Count > 0) items.Add(current);
        if (!spec.List && items.Count > 1) items.RemoveRange(1, items.Count - 1);

        var result = new List<Item>();
        foreach (var item in items)
        {
            var read = ReadItem(rules, t, item, spec, open);
            if (read is null) break;
            result.Add(read);
        }
        return result;
    }

    static Item? ReadItem(LanguageRules rules, FoldedText t, List<Word> words, ValueSpec spec, bool open)
    {
        var i = 0;
        for (var skip = 1; skip > 0 && i < words.Count; i += skip)
            skip = Math.Max(rules.Articles.At(words, i), rules.Fillers.At(words, i));
        if (i >= words.Count) return null;
        var core = i;
        while (core < words.Count && !IsStop(rules, words, core)) core++;
        if (core == i) return null;
        for (var n = Math.Min(rules.LongestForm, words.Count - i); n >= core - i && n > 0; n--)
            if (rules.Lookup(string.Join(' ', words.Skip(i).Take(n).Select(w => w.Text)), spec.Lexicons) is { } known)
                return new Item(new Value(known.English, known.English, true, known.Group), words[i + n - 1].End);
        if (!open || core - i > 4) return null;
        var written = t.Slice(words[i].Start, words[core - 1].End);
        return new Item(new Value(written, written, false, null), words[core - 1].End);
    }

    /// <summary>The words of <paramref name="before"/> after the last clause boundary (punctuation or a conjunction).</summary>
    static List<Word> ClauseTail(LanguageRules rules, FoldedText t, List<Word> before, int sentenceStart, int at)
    {
        var from = Math.Max(sentenceStart, t.Text.LastIndexOfAny([',', ';', ':', '('], Math.Max(at - 1, 0), Math.Max(at - sentenceStart, 0)) + 1);
        var words = before.Where(w => w.Start >= from).ToList();
        for (var k = words.Count - 1; k >= 0; k--)
            if (rules.Conjunctions.At(words, k) > 0) return words.Skip(k + 1).ToList();
        return words;
    }

    /// <summary>The words from <paramref name="from"/> to the end of its clause.</summary>
    static List<Word> ClauseHead(LanguageRules rules, FoldedText t, int from, int sentenceEnd)
    {
        if (from >= sentenceEnd) return [];
        var stop = t.Text.IndexOfAny([',', ';', ':', ')'], from, sentenceEnd - from);
        var words = t.WordsIn(from, stop < 0 ? sentenceEnd : stop).ToList();
        for (var k = 0; k < words.Count; k++)
            if (rules.Conjunctions.At(words, k) > 0) return words.Take(k).ToList();
        return words;
    }

    [GeneratedRegex(@"[!?]+|(?<![\s.][0-9]{1,2}|^[0-9]{1,2})\.+(?![0-9])|\n+")]
    private static partial Regex SentenceEndRx();

    [GeneratedRegex(@"\{([A-Za-z]+)\}")]
    private static partial Regex TemplateRx();

    [GeneratedRegex("[^a-z0-9]+")]
    private static partial Regex SnakeRx();

    [GeneratedRegex(" {2,}")]
    private static partial Regex SpacesRx();
}

/// <summary>The embedded rule files, read and compiled once per language on first use.</summary>
internal static class RuleData
{
    const string Prefix = "DumGum.Memory.Extraction.";

    static readonly Lazy<FactsFile> facts = new(() => Parse<FactsFile>(Prefix + "facts.json"));

    public static FactsFile Facts => facts.Value;

    /// <summary>Rule files by language code, compiled lazily.</summary>
    public static readonly FrozenDictionary<string, Lazy<LanguageRules>> Files = typeof(RuleData).Assembly.GetManifestResourceNames()
        .Where(n => n.StartsWith(Prefix, StringComparison.Ordinal) && n != Prefix + "facts.json")
        .ToFrozenDictionary(n => n[Prefix.Length..^".json".Length], n => new Lazy<LanguageRules>(() => Load(n)), StringComparer.OrdinalIgnoreCase);

    /// <summary>The rules for a language code ("de", "de-AT", "PT_BR"), or null.</summary>
    public static LanguageRules? For(string? language)
    {
        if (string.IsNullOrEmpty(language)) return null;
        var code = language.Length > 2 && language[2] is '-' or '_' ? language[..2] : language;
        return Files.TryGetValue(code, out var rules) ? rules.Value : null;
    }

    static LanguageRules Load(string resource) => LanguageRules.Compile(Parse<RuleFile>(resource), Facts);

    static T Parse<T>(string resource)
    {
        using var stream = typeof(RuleData).Assembly.GetManifestResourceStream(resource)
                           ?? throw new InvalidDataException($"{resource} is not embedded");
        try
        {
            return JsonSerializer.Deserialize<T>(stream, RuleJson.Options) ?? throw new InvalidDataException($"{resource} is empty");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{resource} is not valid: {e.Message}", e);
        }
    }
}
