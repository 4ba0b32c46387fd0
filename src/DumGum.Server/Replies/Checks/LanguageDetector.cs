using System.Collections.Concurrent;
using Lingua;
using static Lingua.Language;

namespace DumGum.Replies.Checks;

/// <summary>
/// Language identification for the wrong-language check, on Lingua (offline n-gram models shipped in the package).
/// Built once: the languages DumGum serves plus the usual drift targets of open models (Chinese, Russian, Korean), and a
/// minimum relative distance so that an undecided text comes back as unknown rather than as a guess. Lingua keeps its
/// models in static memory, shared by all instances.
/// </summary>
public sealed class LanguageDetector
{
    /// <summary>Lingua's logarithmic distance between the best and second-best language below which it answers "unknown".</summary>
    public const double DefaultMinimumRelativeDistance = 0.25;

    /// <summary>Shorter texts (in letters; a Chinese or Japanese character counts as two) are not judged: a few words say too little.</summary>
    public const int MinimumLetters = 25;

    static readonly Dictionary<string, Language> ByCode = new(StringComparer.OrdinalIgnoreCase)
    {
        ["EN"] = English, ["FR"] = French, ["RO"] = Romanian, ["NL"] = Dutch, ["ES"] = Spanish, ["DE"] = German,
        ["IT"] = Italian, ["BG"] = Bulgarian, ["HE"] = Hebrew, ["JA"] = Japanese, ["PT"] = Portuguese, ["SV"] = Swedish,
        ["DA"] = Danish, ["FI"] = Finnish, ["PL"] = Polish, ["LT"] = Lithuanian, ["NB"] = Bokmal, ["NN"] = Nynorsk,
    };

    static readonly Language[] DriftTargets = [Chinese, Russian, Korean];

    /// <summary>Languages too close to tell apart in a chat message: detecting one of a group never fails the others.</summary>
    static readonly Language[][] Kin = [[Bokmal, Nynorsk, Danish]];

    readonly double minimumRelativeDistance;
    readonly ILogger? logger;
    readonly Lock gate = new();
    Lingua.LanguageDetector? screen;
    int failuresLogged;
    readonly ConcurrentDictionary<(Language, Language), Lingua.LanguageDetector> judges = new();

    /// <summary>
    /// Two stages. The screen is Lingua's low-accuracy mode over all languages (trigram models only: ≈ 20 MB, loaded in
    /// under a second). It is fast but can be confidently wrong on short chat slang ("omg stop it haha you're sooo funny
    /// lol" came out as Dutch), so a text it places in another language goes to a judge: the high-accuracy models of just
    /// the expected and the suspected language, with the minimum relative distance. A reply fails only when the judge
    /// agrees. High-accuracy models for every language would cost ≈ 0.5 GB and tens of seconds to load.
    /// </summary>
    public LanguageDetector(ILogger<LanguageDetector>? logger = null, double minimumRelativeDistance = DefaultMinimumRelativeDistance)
    {
        this.logger = logger;
        this.minimumRelativeDistance = minimumRelativeDistance;
    }

    /// <summary>Loads the screening models now (otherwise the first check does).</summary>
    public void Warm() => Screen();

    Lingua.LanguageDetector Screen()
    {
        if (Volatile.Read(ref screen) is { } ready) return ready;
        lock (gate)
            return screen ??= LanguageDetectorBuilder.FromLanguages([.. ByCode.Values, .. DriftTargets])
                .WithMinimumRelativeDistance(minimumRelativeDistance)
                .WithLowAccuracyMode()
                .WithPreloadedLanguageModels()
                .Build();
    }

    /// <summary>The base language of a DumGum language value (<c>DE_CH</c> → German), or null when we have no model for it.</summary>
    public static Language? Expected(string? language)
    {
        if (string.IsNullOrWhiteSpace(language)) return null;
        return ByCode.TryGetValue(Prompt.LanguageNames.BaseCode(language), out var l) ? l : null;
    }

    /// <summary>The screen's language for <paramref name="text"/>, or null when the text is too short or Lingua is not sure.</summary>
    public Language? Detect(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (Letters(text) < MinimumLetters) return null;
        // The screen reads at most the first ScreenCharacters (cut at a space): its cost grows with the text, and a
        // chat message's language shows in its first sentence. A suspicion is confirmed on the whole text by the judge.
        var detected = Screen().DetectLanguageOf(Head(text));
        return detected == Unknown ? null : detected;
    }

    /// <summary>
    /// True only when <paramref name="text"/> is long enough and confidently in a language other than
    /// <paramref name="language"/> (or its kin), by both the screen and the judge; unknown languages, short texts and
    /// undecided texts pass, and so does everything when the language models cannot be read (logged once).
    /// </summary>
    public bool IsConfidentlyOther(string text, string language, out Language? detected)
    {
        detected = null;
        if (Expected(language) is not { } expected) return false;
        try
        {
            if (Detect(text) is not { } suspected || IsKin(suspected, expected)) return false;
            if (Judge(expected, suspected).DetectLanguageOf(text) != suspected) return false;
            detected = suspected;
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            LogFailure(ex);
            return false;
        }
    }

    /// <summary>
    /// For a user's message (the <c>unknownLanguage</c> guardrail): true when it is in one of <paramref name="languages"/>
    /// (or their kin), false when it is confidently in another language (screen and every judge agree), null when that
    /// cannot be told (too short, undecided, or none of the languages has a model).
    /// </summary>
    public bool? Matches(string text, IEnumerable<string> languages)
    {
        ArgumentNullException.ThrowIfNull(languages);
        var expected = languages.Select(Expected).OfType<Language>().Distinct().ToList();
        if (expected.Count == 0) return null;
        try
        {
            if (Detect(text) is not { } suspected) return null;
            if (expected.Any(e => IsKin(suspected, e))) return true;
            foreach (var e in expected)
                if (Judge(e, suspected).DetectLanguageOf(text) != suspected) return null;
            return false;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            LogFailure(ex);
            return null;
        }
    }

    /// <summary>
    /// The most likely of <paramref name="codes"/> for a user's message, however short (the sample customer's chat, when
    /// no language is given): Lingua's low-accuracy models of just those languages, no minimum distance. Null when
    /// Lingua cannot tell or none of the codes has a model.
    /// </summary>
    public string? Guess(string text, IReadOnlyCollection<string> codes)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(codes);
        var languages = codes.Select(c => (Code: Prompt.LanguageNames.BaseCode(c), Language: Expected(c))).Where(x => x.Language is not null)
            .DistinctBy(x => x.Language).OrderBy(x => x.Code, StringComparer.Ordinal).ToList();
        if (languages.Count == 0 || !text.Any(char.IsLetter)) return null;
        if (languages.Count == 1) return languages[0].Code;
        try
        {
            var key = string.Join(",", languages.Select(x => x.Code));
            var detector = guessers.GetOrAdd(key, _ => LanguageDetectorBuilder.FromLanguages([.. languages.Select(x => x.Language!.Value)])
                .WithLowAccuracyMode().Build());
            var found = detector.DetectLanguageOf(text);
            return languages.FirstOrDefault(x => x.Language == found).Code;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            LogFailure(ex);
            return null;
        }
    }

    readonly ConcurrentDictionary<string, Lingua.LanguageDetector> guessers = new(StringComparer.Ordinal);

    Lingua.LanguageDetector Judge(Language expected, Language suspected) =>
        judges.GetOrAdd((expected, suspected), pair => LanguageDetectorBuilder.FromLanguages(pair.Item1, pair.Item2)
            .WithMinimumRelativeDistance(minimumRelativeDistance)
            .Build());

    void LogFailure(Exception ex)
    {
        if (Interlocked.Exchange(ref failuresLogged, 1) == 0)
            logger?.LogError(ex, "Lingua language models could not be read (is Lingua/LanguageModels next to the binaries?); language checks are off");
    }

    static bool IsKin(Language a, Language b) => a == b || Kin.Any(group => group.Contains(a) && group.Contains(b));

    public const int ScreenCharacters = 60;

    static string Head(string text)
    {
        if (text.Length <= ScreenCharacters) return text;
        var cut = text.LastIndexOf(' ', ScreenCharacters);
        return text[..(cut > ScreenCharacters / 2 ? cut : ScreenCharacters)];
    }

    /// <summary>The English name of a Lingua language, for instructions ("Write only in German").</summary>
    public static string Name(Language language) => language switch
    {
        Bokmal => "Norwegian (Bokmål)",
        Nynorsk => "Norwegian (Nynorsk)",
        _ => language.ToString(),
    };

    static int Letters(string text)
    {
        var n = 0;
        foreach (var c in text)
            if (char.IsLetter(c)) n += c is >= '\u3040' and <= '\u9fff' ? 2 : 1;
        return n;
    }
}
