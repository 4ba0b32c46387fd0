using System.Collections.Frozen;

namespace DumGum.Replies.Offline;

/// <summary>The intents the offline engine tells apart (the names used in the language files).</summary>
internal static class Intents
{
    public const string Greeting = "greeting";
    public const string HowAreYou = "how_are_you";
    public const string WhatDoing = "what_doing";
    public const string AskJob = "ask_job";
    public const string AskHobbies = "ask_hobbies";
    public const string AskCity = "ask_city";
    public const string AskAge = "ask_age";
    public const string AskPets = "ask_pets";
    public const string AskFamily = "ask_family";
    public const string AskFood = "ask_food";
    public const string AskMusic = "ask_music";
    public const string AskTravel = "ask_travel";
    public const string AskWeekend = "ask_weekend";
    public const string Compliment = "compliment";
    public const string Flirt = "flirt";
    public const string Meet = "meet";
    public const string PhotoRequest = "photo_request";
    public const string Sad = "sad";
    public const string GoodNews = "good_news";
    public const string Goodbye = "goodbye";
    public const string GoodNight = "good_night";
    public const string AndYou = "and_you";
    public const string Thanks = "thanks";
    /// <summary>"Do you remember what I do?": a question about what the user told her.</summary>
    public const string Recall = "recall";
    public const string Gift = "gift";
    public const string Picture = "picture";
    public const string Sticker = "sticker";
    public const string Poke = "poke";
    public const string Unknown = "unknown";

    /// <summary>Ties are broken in this order: what changes the conversation most comes first.</summary>
    public static readonly string[] Priority =
    [
        Meet, PhotoRequest, Recall, Sad, GoodNews, GoodNight, Goodbye, AskJob, AskCity, AskAge, AskPets, AskFamily, AskFood,
        AskMusic, AskTravel, AskWeekend, AskHobbies, HowAreYou, WhatDoing, Flirt, Compliment, Thanks, AndYou, Greeting,
    ];

    /// <summary>Every intent a text can carry (the others come from gifts, pictures, stickers and pokes).</summary>
    public static readonly FrozenSet<string> TextIntents = Priority.ToFrozenSet(StringComparer.Ordinal);

    public static readonly FrozenSet<string> All = Priority.Concat([Gift, Picture, Sticker, Poke, Unknown]).ToFrozenSet(StringComparer.Ordinal);

    /// <summary>Intents that ask about the persona, with the profile fact that answers them.</summary>
    public static readonly FrozenDictionary<string, string> Facts = new Dictionary<string, string>
    {
        [AskJob] = "job", [AskCity] = "city", [AskAge] = "age", [AskPets] = "pet", [AskFamily] = "child",
        [AskHobbies] = "hobby", [AskFood] = "food", [AskMusic] = "music", [AskTravel] = "travel", [AskWeekend] = "hobby",
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>Goodbye and good night are one farewell: one never acknowledges the other.</summary>
    public static bool SameGroup(string a, string b) =>
        a == b || (a is Goodbye or GoodNight && b is Goodbye or GoodNight);

    static readonly Dictionary<string, int> Rank = Priority.Select((name, i) => (name, i)).ToDictionary(x => x.name, x => x.i);

    public static int RankOf(string intent) => Rank.TryGetValue(intent, out var r) ? r : int.MaxValue;
}

/// <summary>What a message (or several) asks: the main intent, a second one to acknowledge, and what was negated.</summary>
internal sealed record IntentReading(string Main, string? Second, IReadOnlyDictionary<string, double> Scores)
{
    public static readonly IntentReading Unknown = new(Intents.Unknown, null, new Dictionary<string, double>());
}

/// <summary>
/// Finds the intents of a message in one language: each intent's patterns (stemmed phrases, <c>*</c> for any word) are
/// looked for in the message's stems; a match scores its length in words times the rule's weight. A match preceded by a
/// negation within three words counts for the rule's <c>negated</c> intent instead, or not at all ("I'm not sad" is good
/// news, "I don't want to meet" is no meeting request). Questions about the persona need a question mark or a word that
/// addresses the reader, so "I have a dog" is not "do you have pets?".
/// </summary>
internal sealed class IntentReader
{
    const int NegationWindow = 3;

    sealed record Pattern(string Intent, string[] Stems, IntentRule Rule);

    readonly FrozenDictionary<string, Pattern[]> byFirstStem;
    readonly Pattern[] wildcardFirst;
    readonly FrozenSet<string> negations;
    readonly FrozenSet<string> secondPerson;
    readonly TextAnalyzer analyzer;

    public IntentReader(LanguageFile file, TextAnalyzer analyzer)
    {
        this.analyzer = analyzer;
        var patterns = new List<Pattern>();
        foreach (var (key, rule) in file.Intents)
        {
            // "photo_request#imperative": a second rule for the same intent, with its own settings.
            var intent = key.Split('#')[0];
            if (!Intents.TextIntents.Contains(intent))
                throw new InvalidDataException($"offline language {file.Language}: '{intent}' is not an intent");
            if (rule.Negated is { } n && !Intents.All.Contains(n))
                throw new InvalidDataException($"offline language {file.Language}: {intent}.negated '{n}' is not an intent");
            // Spellings that stem alike ("y tú", "y tu") are one phrase: a message must not score it twice.
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var text in rule.Patterns)
            {
                var stems = Analyze(text);
                if (stems.Length == 0) throw new InvalidDataException($"offline language {file.Language}: {intent} pattern \"{text}\" has no word");
                if (seen.Add(string.Join(' ', stems))) patterns.Add(new Pattern(intent, stems, rule));
            }
        }
        byFirstStem = patterns.Where(p => p.Stems[0] != "*").GroupBy(p => p.Stems[0] == "^" ? p.Stems[1] : p.Stems[0])
            .ToFrozenDictionary(g => g.Key, g => g.ToArray(), StringComparer.Ordinal);
        wildcardFirst = patterns.Where(p => p.Stems[0] == "*").ToArray();
        negations = file.Negations.SelectMany(Analyze).ToFrozenSet(StringComparer.Ordinal);
        secondPerson = file.SecondPerson.SelectMany(Analyze).ToFrozenSet(StringComparer.Ordinal);
    }

    /// <summary>A pattern's stems; <c>*</c> and a leading <c>^</c> survive as themselves (the tokenizer would drop them).</summary>
    string[] Analyze(string text)
    {
        var result = new List<string>();
        foreach (var word in text.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (word is "*" or "^") result.Add(word);
            else result.AddRange(analyzer.Stems(word));
        }
        return [.. result];
    }

    /// <summary>Adds the scores of <paramref name="text"/>'s intents to <paramref name="scores"/>, times <paramref name="weight"/>.</summary>
    public void Score(string text, Dictionary<string, double> scores, double weight = 1)
    {
        var clauses = new List<bool>(16);
        var stems = analyzer.Stems(text, clauses);
        if (stems.Count == 0) return;
        var question = text.AsSpan().IndexOfAny('?', '¿') >= 0;
        var addressed = false;
        foreach (var s in stems)
            if (secondPerson.Contains(s)) { addressed = true; break; }

        var matches = new List<(string Intent, int Start, int End, double Score)>();
        for (var i = 0; i < stems.Count; i++)
        {
            if (byFirstStem.TryGetValue(stems[i], out var candidates))
                foreach (var p in candidates) Try(p, i);
            foreach (var p in wildcardFirst) Try(p, i);
        }
        // A phrase inside a longer phrase is part of it: "je pense à toi" is flirting, not "à toi?", and "ciao bella" is
        // one greeting, not "ciao" and "bella" besides.
        foreach (var m in matches)
        {
            var inside = false;
            foreach (var o in matches)
                if (o.Start <= m.Start && o.End >= m.End && o.End - o.Start > m.End - m.Start)
                {
                    inside = true;
                    break;
                }
            if (!inside) scores[m.Intent] = scores.GetValueOrDefault(m.Intent) + m.Score;
        }

        void Try(Pattern p, int start)
        {
            var anchored = p.Stems[0] == "^";
            if (anchored && start != 0) return;
            var skip = anchored ? 1 : 0;
            var length = p.Stems.Length - skip;
            if (start + length > stems.Count) return;
            for (var k = 0; k < length; k++)
                if (p.Stems[skip + k] != "*" && p.Stems[skip + k] != stems[start + k]) return;
            if (p.Rule.About && !question && !addressed) return;
            var intent = p.Intent;
            if (Negated(stems, clauses, start))
            {
                if (p.Rule.Negated is not { } instead) return;
                intent = instead;
            }
            if (intent == Intents.Unknown) return;
            matches.Add((intent, start, start + length, length * p.Rule.Weight * weight));
        }
    }

    /// <summary>Whether <paramref name="text"/> holds a negation word of this language.</summary>
    public bool HasNegation(string text)
    {
        foreach (var stem in analyzer.Stems(text))
            if (negations.Contains(stem)) return true;
        return false;
    }

    /// <summary>A negation among the three words before <paramref name="start"/>, in the same clause.</summary>
    bool Negated(List<string> stems, List<bool> clauses, int start)
    {
        for (var j = start - 1; j >= 0 && j >= start - NegationWindow; j--)
        {
            if (clauses[j + 1]) break;
            if (negations.Contains(stems[j])) return true;
        }
        return false;
    }

    /// <summary>The main intent and the one to acknowledge, from accumulated scores.</summary>
    public static IntentReading Decide(Dictionary<string, double> scores)
    {
        string? main = null;
        foreach (var (intent, score) in scores)
            if (score > 0 && (main is null || Better(intent, score, main, scores[main]))) main = intent;
        if (main is null) return IntentReading.Unknown;
        if (main == Intents.AndYou)
        {
            // "And you, what do you do for work?" asks about her job: "and you" only leads a message that asks nothing
            // itself. A phrase of two words or more about her counts; one word ("work") may be about the user.
            string? topic = null;
            foreach (var (intent, score) in scores)
                if (score >= 2 && Intents.Facts.ContainsKey(intent) && (topic is null || Better(intent, score, topic, scores[topic]))) topic = intent;
            if (topic is not null)
            {
                scores = new Dictionary<string, double>(scores, StringComparer.Ordinal);
                scores.Remove(Intents.AndYou);
                main = topic;
            }
        }
        string? second = null;
        foreach (var (intent, score) in scores)
            if (score > 0 && !Intents.SameGroup(intent, main) && (second is null || Better(intent, score, second, scores[second])))
                second = intent;
        return new IntentReading(main, second, scores);
    }

    static bool Better(string a, double scoreA, string b, double scoreB) =>
        scoreA > scoreB + 1e-9 || (Math.Abs(scoreA - scoreB) <= 1e-9 && Intents.RankOf(a) < Intents.RankOf(b));
}
