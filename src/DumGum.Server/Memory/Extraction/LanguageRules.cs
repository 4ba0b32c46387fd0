using System.Collections.Frozen;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace DumGum.Memory.Extraction;

/// <summary>One rule, compiled: the fact kind it reads, its expression and the values it fixes ("ich lese gern" → reading).</summary>
internal sealed record Rule(string Kind, FactKind Fact, Regex Rx, IReadOnlyDictionary<string, string> Fixed, IReadOnlySet<string> Open, string Source);

/// <summary>A language's rule file compiled for matching: word lists as phrases, lexicons by normal form, rules, dates.</summary>
internal sealed class LanguageRules
{
    public required string Language { get; init; }
    public required IReadOnlyList<Rule> Rules { get; init; }
    public required DateReader Dates { get; init; }
    public required Phrases Negations { get; init; }
    public required Phrases Hypotheticals { get; init; }
    public required Phrases Reported { get; init; }
    public required Phrases Past { get; init; }
    public required Phrases Conjunctions { get; init; }
    public required Phrases ListJoiners { get; init; }
    public required Phrases Articles { get; init; }
    public required Phrases Fillers { get; init; }
    public required FrozenSet<string> Stopwords { get; init; }
    public required FrozenSet<string> PlaceConnectors { get; init; }
    public required FrozenSet<string> NotNames { get; init; }
    /// <summary>Lexicon group → normal form ("films d horreur") → English ("horror movies").</summary>
    public required FrozenDictionary<string, FrozenDictionary<string, string>> Lexicon { get; init; }
    /// <summary>The longest form of any lexicon group, in words.</summary>
    public required int LongestForm { get; init; }

    /// <summary>
    /// Interpreted, not <see cref="RegexOptions.Compiled"/>: compiling a language's rules and dates cost about 1.5 s of
    /// CPU on its first use (measured 2026-12-07, BENCHMARKS.md), for about a tenth less CPU per message afterwards.
    /// </summary>
    internal const RegexOptions Options = RegexOptions.IgnoreCase | RegexOptions.CultureInvariant;

    public static LanguageRules Compile(RuleFile file, FactsFile facts)
    {
        var lexicon = new Dictionary<string, FrozenDictionary<string, string>>(StringComparer.Ordinal);
        var longest = 1;
        foreach (var (group, entries) in file.Lexicon)
        {
            var forms = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (english, words) in entries)
                foreach (var word in words.Append(file.Language == "en" ? english : null).OfType<string>())
                {
                    var normal = DateReader.Normal(word);
                    forms.TryAdd(normal, english);
                    longest = Math.Max(longest, normal.Count(c => c == ' ') + 1);
                }
            lexicon[group] = forms.ToFrozenDictionary(StringComparer.Ordinal);
        }
        var names = new HashSet<string>(file.NotNames.Select(DateReader.Normal), StringComparer.Ordinal);
        foreach (var group in lexicon.Values)
            foreach (var form in group.Keys)
                if (!form.Contains(' ', StringComparison.Ordinal)) names.Add(form);

        var rules = new List<Rule>();
        foreach (var (kind, patterns) in file.Rules)
        {
            if (!facts.Kinds.TryGetValue(kind, out var fact))
                throw new InvalidDataException($"memory rules {file.Language}: kind '{kind}' is not in facts.json");
            foreach (var element in patterns)
            {
                var (pattern, fixedValues) = element.ValueKind == JsonValueKind.String
                    ? (element.GetString()!, new Dictionary<string, string>())
                    : (element.GetProperty("p").GetString()!, element.EnumerateObject().Where(p => p.Name != "p")
                        .ToDictionary(p => p.Name, p => p.Value.GetString()!, StringComparer.Ordinal));
                var open = new HashSet<string>(StringComparer.Ordinal);
                string Value(string name)
                {
                    if (name.EndsWith('*'))
                    {
                        name = name[..^1];
                        open.Add(name);
                    }
                    return name switch
                    {
                        "name" => @"(?<name>[A-Za-z][A-Za-z'-]*(?:\s+(?-i:[A-Z])[A-Za-z'-]*)?)",
                        "Name" => @"(?<Name>(?-i:[A-Z])[A-Za-z'-]*(?:\s+(?-i:[A-Z])[A-Za-z'-]*)?)",
                        "age" => @"(?<age>\d{1,3})",
                        // The end of a clause: punctuation, an emoji, the end, or a conjunction.
                        "end" => @"(?=\s*(?:$|[^\sA-Za-z0-9]|(?:" + string.Join('|', file.Conjunctions.Select(c => Regex.Escape(PatternCompiler.Fold(c)))) + @")(?![A-Za-z0-9])))",
                        "place" or "Place" or "org" => $"(?<{name}>[^{PatternCompiler.ClauseStop}]+)",
                        _ when fact.Values.TryGetValue(name, out var spec) => spec.List || spec.Open || open.Contains(name)
                            ? $"(?<{name}>[^{(spec.List ? "" : ",")}{PatternCompiler.ClauseStop[1..]}]+)"
                            : $"(?<{name}>{Alternation(spec.Lexicons.SelectMany(g => lexicon.TryGetValue(g, out var f) ? f.Keys : []))})",
                        _ => throw new InvalidDataException($"memory rule {file.Language} '{pattern}': kind {kind} has no value {{{name}}}"),
                    };
                }
                var rx = new Regex(PatternCompiler.Compile(pattern, file.Macros, Value), Options);
                rules.Add(new Rule(kind, fact, rx, fixedValues, open, pattern));
            }
        }

        return new LanguageRules
        {
            Language = file.Language,
            Rules = rules,
            Dates = new DateReader(file.Dates, file.Macros),
            Negations = new Phrases(file.Negations),
            Hypotheticals = new Phrases(file.Hypotheticals),
            Reported = new Phrases(file.Reported),
            Past = new Phrases(file.Past),
            Conjunctions = new Phrases(file.Conjunctions),
            ListJoiners = new Phrases(file.ListJoiners),
            Articles = new Phrases(file.Articles),
            Fillers = new Phrases(file.Fillers),
            Stopwords = file.Stopwords.Select(DateReader.Normal).ToFrozenSet(StringComparer.Ordinal),
            PlaceConnectors = file.PlaceConnectors.Select(DateReader.Normal).ToFrozenSet(StringComparer.Ordinal),
            NotNames = names.ToFrozenSet(StringComparer.Ordinal),
            Lexicon = lexicon.ToFrozenDictionary(StringComparer.Ordinal),
            LongestForm = longest,
        };
    }

    /// <summary>A closed value as an expression: its forms, longest first, spaces as any run of spaces.</summary>
    static string Alternation(IEnumerable<string> normalForms)
    {
        var forms = normalForms.Distinct().OrderByDescending(f => f.Length).Select(f => string.Join(@"[\s'-]+", f.Split(' ').Select(Regex.Escape))).ToList();
        return forms.Count == 0 ? "(?!)" : string.Join('|', forms);
    }

    /// <summary>English for a value in one of <paramref name="groups"/>, and the group, or null.</summary>
    public (string English, string Group)? Lookup(string normal, IEnumerable<string> groups)
    {
        foreach (var group in groups)
            if (Lexicon.TryGetValue(group, out var forms) && forms.TryGetValue(normal, out var english)) return (english, group);
        return null;
    }
}

/// <summary>A list of words and phrases compared word by word with a message ("don't" is the words "don" "t").</summary>
internal sealed class Phrases
{
    readonly string[][] phrases;

    public Phrases(IEnumerable<string> list) =>
        phrases = list.Select(p => DateReader.Normal(p).Split(' ', StringSplitOptions.RemoveEmptyEntries)).Where(p => p.Length > 0)
            .OrderByDescending(p => p.Length).ToArray();

    /// <summary>Whether any phrase occurs in <paramref name="words"/>.</summary>
    public bool In(IReadOnlyList<Word> words)
    {
        for (var i = 0; i < words.Count; i++)
            if (At(words, i) > 0) return true;
        return false;
    }

    /// <summary>How many words the longest phrase starting at <paramref name="i"/> covers, or 0.</summary>
    public int At(IReadOnlyList<Word> words, int i)
    {
        foreach (var p in phrases)
        {
            if (i + p.Length > words.Count) continue;
            var ok = true;
            for (var k = 0; k < p.Length && ok; k++) ok = words[i + k].Text == p[k];
            if (ok) return p.Length;
        }
        return 0;
    }
}
