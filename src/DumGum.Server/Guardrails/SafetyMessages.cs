using System.Collections.Frozen;
using System.Reflection;
using System.Text;
using System.Text.Json;
using DumGum.Replies;
using DumGum.Replies.Checks;
using DumGum.Replies.Prompt;

namespace DumGum.Guardrails;

/// <summary>
/// The safety messages of one language (docs/behaviour.md, "Safety replies"), read from the embedded data file
/// <c>Guardrails/Messages/{lang}.json</c>: an exit per stop reason, the self-harm care reply, the AI disclosures, and
/// the word lists that judge a model's reply (goodbye cues, AI-disclosure cues, negations). Texts may hold
/// <c>{user}</c> (the user's display name) and, for self-harm, <c>{helpline}</c>.
/// </summary>
public sealed class SafetyMessages
{
    /// <summary>The languages with a data file, as DumGum base codes (the offline engine's seven).</summary>
    public static readonly IReadOnlyList<string> Languages = ["EN", "FR", "DE", "ES", "IT", "NL", "PT"];

    static readonly FrozenDictionary<string, SafetyMessages> ByLanguage =
        Languages.ToFrozenDictionary(l => l, l => Load(l.ToLowerInvariant()), StringComparer.Ordinal);

    public required string Language { get; init; }
    /// <summary>Stop reason → exit messages.</summary>
    public required IReadOnlyDictionary<string, IReadOnlyList<string>> Exit { get; init; }
    public required IReadOnlyList<string> SelfHarm { get; init; }
    /// <summary>An honest answer to a sincere "are you a bot?".</summary>
    public required IReadOnlyList<string> AiDisclosure { get; init; }
    /// <summary>The short line put before the persona's first message.</summary>
    public required IReadOnlyList<string> AiDisclosureFirst { get; init; }
    /// <summary>Folded token sequences that make a reply a goodbye.</summary>
    public required IReadOnlyList<string[]> ExitCues { get; init; }
    /// <summary>Folded token sequences that make a reply an AI disclosure.</summary>
    public required IReadOnlyList<string[]> AiCues { get; init; }
    /// <summary>Folded tokens that negate a cue they precede closely ("not an AI").</summary>
    public required IReadOnlySet<string> Negations { get; init; }

    public static SafetyMessages English => ByLanguage["EN"];

    /// <summary>The messages of a DumGum language (regional variants share their base language), or null without a data file.</summary>
    public static SafetyMessages? For(string? language) =>
        ByLanguage.TryGetValue(LanguageNames.BaseCode(language), out var m) ? m : null;

    /// <summary>The messages of a language, or English (the offline engine's fallback too).</summary>
    public static SafetyMessages ForOrEnglish(string? language) => For(language) ?? English;

    static SafetyMessages Load(string file)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream($"DumGum.Guardrails.Messages.{file}.json")
                           ?? throw new InvalidOperationException($"The safety messages for '{file}' are not embedded in the assembly.");
        using var document = JsonDocument.Parse(stream);
        var root = document.RootElement;
        static List<string> Strings(JsonElement e) => [.. e.EnumerateArray().Select(x => x.GetString()!)];
        var exit = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        foreach (var reason in root.GetProperty("exit").EnumerateObject()) exit[StopReasons.Canonicalize(reason.Name)] = Strings(reason.Value);
        var missing = StopReasons.Priority.Where(r => !exit.TryGetValue(r, out var list) || list.Count == 0).ToList();
        if (missing.Count > 0) throw new InvalidOperationException($"Safety messages '{file}' have no exit for {string.Join(", ", missing)}.");
        return new SafetyMessages
        {
            Language = root.GetProperty("language").GetString()!,
            Exit = exit,
            SelfHarm = Strings(root.GetProperty("selfHarm")),
            AiDisclosure = Strings(root.GetProperty("aiDisclosure")),
            AiDisclosureFirst = Strings(root.GetProperty("aiDisclosureFirst")),
            ExitCues = [.. Strings(root.GetProperty("exitCues")).Select(Tokens)],
            AiCues = [.. Strings(root.GetProperty("aiCues")).Select(Tokens)],
            Negations = Strings(root.GetProperty("negations")).SelectMany(Tokens).ToHashSet(StringComparer.Ordinal),
        };
    }

    /// <summary>Folded (<see cref="CueText.Fold"/>) words: runs of letters and digits, everything else a separator.</summary>
    public static string[] Tokens(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return [];
        var folded = CueText.Fold(text);
        var tokens = new List<string>();
        var sb = new StringBuilder();
        foreach (var c in folded)
        {
            if (char.IsLetterOrDigit(c)) { sb.Append(c); continue; }
            if (sb.Length > 0) { tokens.Add(sb.ToString()); sb.Clear(); }
        }
        if (sb.Length > 0) tokens.Add(sb.ToString());
        return [.. tokens];
    }

    /// <summary>Where <paramref name="cue"/> occurs in <paramref name="tokens"/> (start indexes).</summary>
    public static IEnumerable<int> Occurrences(string[] tokens, string[] cue)
    {
        if (cue.Length == 0) yield break;
        for (var i = 0; i + cue.Length <= tokens.Length; i++)
        {
            var match = true;
            for (var j = 0; j < cue.Length && match; j++) match = tokens[i + j] == cue[j];
            if (match) yield return i;
        }
    }

    /// <summary>The text says goodbye: one of the language's exit cues occurs in it.</summary>
    public bool SaysGoodbye(string text)
    {
        var tokens = Tokens(text);
        return ExitCues.Any(cue => Occurrences(tokens, cue).Any());
    }

    /// <summary>
    /// The text discloses that the persona is an AI: an AI cue occurs, and none is negated (a negation among the three
    /// words before it: "I'm not an AI"). Cues that are themselves negative ("not a real person") are never negated.
    /// </summary>
    public bool DisclosesAi(string text)
    {
        var tokens = Tokens(text);
        var found = false;
        foreach (var cue in AiCues)
        {
            var selfNegative = Negations.Contains(cue[0]);
            foreach (var at in Occurrences(tokens, cue))
            {
                if (!selfNegative && Enumerable.Range(Math.Max(0, at - 3), at - Math.Max(0, at - 3)).Any(i => Negations.Contains(tokens[i])))
                    return false;
                found = true;
            }
        }
        return found;
    }

    /// <summary>
    /// One of <paramref name="options"/>, chosen by <paramref name="seed"/> (the conversation and turn, see
    /// <see cref="SafetyReplies.Seed"/>) and a salt per kind of message, so the same turn always gets the same text.
    /// </summary>
    public static string Pick(IReadOnlyList<string> options, ulong seed, int salt)
    {
        ArgumentNullException.ThrowIfNull(options);
        var x = unchecked(seed + (ulong)salt * 0x9E3779B97F4A7C15UL);
        x = unchecked((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL);
        x = unchecked((x ^ (x >> 27)) * 0x94D049BB133111EBUL);
        x ^= x >> 31;
        return options[(int)(x % (ulong)options.Count)];
    }

    /// <summary>Fills <c>{user}</c> and <c>{helpline}</c> in one pass, so a name that contains "{helpline}" stays literal.</summary>
    public static string Fill(string template, string user, string? helpline = null) =>
        Placeholders.Fill(template, ("user", user), ("helpline", helpline));
}
