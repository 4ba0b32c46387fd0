using System.Collections.Frozen;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace DumGum.Replies.Offline;

/// <summary>
/// One language of the offline engine, read from its data file (<c>Replies/Offline/Data/{code}.json</c>, embedded):
/// how to read a user's message (stemmer, negations, the words of each intent) and what to write (reply templates,
/// acknowledgements, questions, the words for pets, family, hobbies and music). Adding a language is adding a file;
/// see docs/offline-engine.md for the format.
/// </summary>
internal sealed class LanguagePack
{
    public required string Code { get; init; }
    public required TextAnalyzer Analyzer { get; init; }
    public required IntentReader Reader { get; init; }
    /// <summary>Templates by key: an intent (<c>ask_job</c>), an intent with a part of day (<c>what_doing.evening</c>) or a slot.</summary>
    public required FrozenDictionary<string, Template[]> Replies { get; init; }
    public required FrozenDictionary<string, Template[]> Acks { get; init; }
    public required FrozenDictionary<string, Template[]> Questions { get; init; }
    public required FrozenDictionary<string, string> Words { get; init; }
    public required FrozenDictionary<string, HobbyWords> Hobbies { get; init; }
    /// <summary>How the user states his job and city (<c>userFacts</c>), or null when the file has none.</summary>
    public UserFactData? UserFacts { get; init; }
    /// <summary>Stems of <c>userFacts.job.topic</c>: a message about his work.</summary>
    public FrozenSet<string> JobTopic { get; init; } = FrozenSet<string>.Empty;
    /// <summary>English writes "a"/"an" before a job: <c>{ajob}</c>.</summary>
    public bool Articles { get; init; }
    /// <summary>German nouns keep their capital letter; other languages lower-case a job inside a sentence.</summary>
    public bool KeepNounCase { get; init; }

    public Template[] RepliesFor(string key) => Replies.TryGetValue(key, out var t) ? t : [];

    /// <summary>A word of the language's vocabulary (<c>pet.dog</c>, <c>child.daughter</c>, <c>music.POP</c>, <c>daypart.morning</c>), or null.</summary>
    public string? Word(string key) => Words.TryGetValue(key, out var w) ? w : null;

    public static LanguagePack Load(LanguageFile file, Catalogue catalogue)
    {
        ArgumentNullException.ThrowIfNull(file);
        var analyzer = new TextAnalyzer(file.Stemmer, file.Elisions, file.StripApostrophes);
        var reader = new IntentReader(file, analyzer);
        var words = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (group, entries) in file.Vocabulary)
            foreach (var (key, word) in entries)
                words[group + "." + key] = word;
        var hobbies = new Dictionary<string, HobbyWords>(StringComparer.Ordinal);
        foreach (var (key, hobby) in file.Hobbies)
        {
            if (!catalogue.Hobbies.ContainsKey(key))
                throw new InvalidDataException($"offline language {file.Language}: hobby '{key}' is not in catalogue.json");
            hobbies[key] = hobby;
        }
        return new LanguagePack
        {
            Code = file.Language,
            Analyzer = analyzer,
            Reader = reader,
            Replies = Compile(file.Language, "replies", file.Replies),
            Acks = Compile(file.Language, "acks", file.Acks),
            Questions = Compile(file.Language, "questions", file.Questions),
            Words = words.ToFrozenDictionary(StringComparer.Ordinal),
            Hobbies = hobbies.ToFrozenDictionary(StringComparer.Ordinal),
            Articles = file.Articles,
            KeepNounCase = file.KeepNounCase,
            UserFacts = file.UserFacts,
            JobTopic = Stems(analyzer, file.UserFacts?.Job?.Topic),
        };
    }

    static FrozenSet<string> Stems(TextAnalyzer analyzer, string[]? words) =>
        (words ?? []).SelectMany(w => analyzer.Stems(w)).ToFrozenSet(StringComparer.Ordinal);

    static FrozenDictionary<string, Template[]> Compile(string language, string section, Dictionary<string, string[]> source)
    {
        var result = new Dictionary<string, Template[]>(StringComparer.Ordinal);
        foreach (var (key, texts) in source)
            result[key] = texts.Select(t => Template.Parse(t, $"{language} {section}.{key}")).ToArray();
        return result.ToFrozenDictionary(StringComparer.Ordinal);
    }
}

/// <summary>The data file of one language, as written by a translator (docs/offline-engine.md).</summary>
internal sealed class LanguageFile
{
    /// <summary>The DumGum base code: EN, FR, DE…</summary>
    public required string Language { get; init; }
    /// <summary>The Snowball stemmer's name in Lucene.Net (English, French, German2, Spanish, Italian, Dutch, Portuguese…).</summary>
    public required string Stemmer { get; init; }
    /// <summary>Elided articles and pronouns cut from a word before stemming (French j', l', qu'…).</summary>
    public string[] Elisions { get; init; } = [];
    /// <summary>Apostrophes are dropped before reading, so "don't" and "dont" are the same word.</summary>
    public bool StripApostrophes { get; init; }
    public bool Articles { get; init; }
    public bool KeepNounCase { get; init; }
    /// <summary>Words that negate what follows them (within three words): "not", "pas", "nicht"…</summary>
    public string[] Negations { get; init; } = [];
    /// <summary>Words that address the reader ("you", "tu", "du"…): questions about the persona need one, or a question mark.</summary>
    public string[] SecondPerson { get; init; } = [];
    public Dictionary<string, IntentRule> Intents { get; init; } = [];
    public Dictionary<string, string[]> Replies { get; init; } = [];
    public Dictionary<string, string[]> Acks { get; init; } = [];
    public Dictionary<string, string[]> Questions { get; init; } = [];
    /// <summary>Groups of words used to fill templates: <c>daypart</c>, <c>pet</c>, <c>child</c>, <c>music</c>.</summary>
    public Dictionary<string, Dictionary<string, string>> Vocabulary { get; init; } = [];
    public Dictionary<string, HobbyWords> Hobbies { get; init; } = [];
    /// <summary>How the user states his job and city in a chat (docs/offline-engine.md).</summary>
    public UserFactData? UserFacts { get; init; }
}

/// <summary>How an intent shows in a message.</summary>
internal sealed class IntentRule
{
    /// <summary>Phrases, stemmed like the message; <c>*</c> stands for any one word.</summary>
    public string[] Patterns { get; init; } = [];
    /// <summary>A question about the persona: counts only with a question mark or a word that addresses the reader.</summary>
    public bool About { get; init; }
    /// <summary>What a negated match means instead ("not sad" → good_news); null drops it.</summary>
    public string? Negated { get; init; }
    /// <summary>Multiplies the score of every match.</summary>
    public double Weight { get; init; } = 1;
}

/// <summary>A hobby's name in one language and the words that reveal it in a profile description.</summary>
internal sealed class HobbyWords
{
    public required string Name { get; init; }
    public string[] Words { get; init; } = [];
}

/// <summary>What is the same in every language: hobby keys with their profile interest codes, and emojis by mood.</summary>
internal sealed class Catalogue
{
    public Dictionary<string, HobbyInfo> Hobbies { get; init; } = [];
    public Dictionary<string, string[]> Emojis { get; init; } = [];
    /// <summary>The mood of each reply intent, to pick an emoji from.</summary>
    public Dictionary<string, string> Moods { get; init; } = [];
    /// <summary>Named personalities (<c>personaPersonality</c>, else the profile's) and the emoji and question rates they set when the request does not.</summary>
    public Dictionary<string, PersonalityDefaults> Personalities { get; init; } = new(StringComparer.OrdinalIgnoreCase);
}

/// <summary>How often a personality puts an emoji in a reply and ends it with a question, both 0–1.</summary>
internal sealed class PersonalityDefaults
{
    public double Emojis { get; init; }
    public double Questions { get; init; }
}

internal sealed class HobbyInfo
{
    /// <summary>Values of <c>features.interests</c> or <c>features.sports</c> that mean this hobby.</summary>
    public string[] Codes { get; init; } = [];
    /// <summary>food, travel or music: a hobby that answers a question about that topic.</summary>
    public string? Topic { get; init; }
}

/// <summary>Reads the embedded data files once.</summary>
internal static class OfflineData
{
    const string Prefix = "DumGum.Offline.";

    static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    static readonly Lazy<(Catalogue Catalogue, FrozenDictionary<string, LanguagePack> Packs)> Loaded = new(LoadAll);

    public static Catalogue Catalogue => Loaded.Value.Catalogue;

    /// <summary>Every language with a data file, by base code.</summary>
    public static FrozenDictionary<string, LanguagePack> Packs => Loaded.Value.Packs;

    public static LanguagePack? For(string? language) =>
        Packs.TryGetValue(Prompt.LanguageNames.BaseCode(language), out var pack) ? pack : null;

    /// <summary>Parses a language file (also used by tests on a file being written).</summary>
    public static LanguageFile ParseLanguage(Stream stream) =>
        JsonSerializer.Deserialize<LanguageFile>(stream, Json) ?? throw new InvalidDataException("empty language file");

    static (Catalogue, FrozenDictionary<string, LanguagePack>) LoadAll()
    {
        var assembly = typeof(OfflineData).Assembly;
        Catalogue catalogue;
        using (var stream = assembly.GetManifestResourceStream(Prefix + "catalogue.json")
                            ?? throw new InvalidDataException("the offline engine's catalogue.json is not embedded"))
            catalogue = JsonSerializer.Deserialize<Catalogue>(stream, Json) ?? throw new InvalidDataException("empty catalogue.json");
        var packs = new Dictionary<string, LanguagePack>(StringComparer.OrdinalIgnoreCase);
        foreach (var name in assembly.GetManifestResourceNames())
        {
            if (!name.StartsWith(Prefix, StringComparison.Ordinal) || name == Prefix + "catalogue.json") continue;
            using var stream = assembly.GetManifestResourceStream(name)!;
            LanguageFile file;
            try
            {
                file = ParseLanguage(stream);
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"offline language file {name[Prefix.Length..]} is not valid: {e.Message}", e);
            }
            packs[file.Language] = LanguagePack.Load(file, catalogue);
        }
        return (catalogue, packs.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase));
    }
}
