using System.Text.RegularExpressions;

namespace DumGum.Replies.Checks;

/// <summary>
/// A self-reported age under 18 or an English school grade in a user message (docs/behaviour.md, "Guardrails, stop
/// reasons and bans"). The underage guardrail stops on it, and the prompt builder treats the user as a minor from then on
/// (docs/behaviour.md, "Replies", Explicit content). The cues read folded text (<see cref="CueText.Fold"/>): lower case,
/// no accents, plain apostrophes, single spaces.
/// </summary>
public static partial class UnderageCues
{
    /// <summary>"I'm 15", "j'ai 15 ans", "ich bin 14", "I'm in 9th grade", …</summary>
    public static bool Matches(string? text) => !string.IsNullOrWhiteSpace(text) && MatchesFolded(CueText.Fold(text));

    /// <summary><see cref="Matches"/> for a text already folded by <see cref="CueText.Fold"/>.</summary>
    public static bool MatchesFolded(string folded) => AgeCue().IsMatch(folded) || SchoolCue().IsMatch(folded);

    // Ages: explicit forms ("15 years old", "15 ans", "15 años", "15 anni", "15 anos", "15 jaar oud", "15 Jahre alt") accept
    // 1–17; bare forms ("I'm 15", "ich bin 15", "ik ben 15") accept 10–17 and refuse a following unit or question mark,
    // so "I'm 15 minutes away", "ich bin 16 Jahre verheiratet" and "I'm 15 years older" do not count.
    const string Units = """
        (?!\s*(?:\?|[.,]\d|[:/'"%°+€$£]
          |(?:th|st|nd|rd)\b
          |(?:sec|secs|seconds?|min|mins|minutes?|minuten|minuti|minutos|hours?|hrs?|h|uur|uhr|ore|horas?|stunden
            |days?|dagen|tage|giorni|dias|weeks?|weken|wochen|months?|maanden|monate
            |years?(?!\s*old\b)|yrs?(?!\s*old\b)|jaar(?!\s*oud\b)|jahre?(?!\s*alt\b)
            |km|kms|kilometers?|miles?|mi|m|cm|mm|kg|kgs|kilos?|lbs?|pounds?|stone|st|feet|foot|ft|inch|inches
            |euros?|dollars?|bucks|percent|procent|prozent|points?|punkte|times|x|mal|keer|floors?|out\s+of|of|von|van)\b))
        """;

    [GeneratedRegex("""
        # English
        \b(?:i'm|i\s+am|i\s+m|im(?!\s+\d+\s*\.)|my\s+age\s+is|i\s+(?:just\s+)?turned)\s+
          (?:only\s+|just\s+|barely\s+|still\s+|now\s+)?(?:an?\s+)?
          (?: (?<!\d)(?:1[0-7]|[1-9])(?!\d)[\s-]*(?:years?|yrs?)[\s-]*old\b
            | (?<!\d)(?:1[0-7]|[1-9])(?!\d)\s*(?:y/o|yo|y\.o\.)(?![a-z])
            | (?<!\d)(?:1[0-7]|[1-9])(?!\d)\s*(?:years?|yrs?)\b(?=\s*(?:$|[.,!;)]|and\b|but\b))
            | (?:(?<!\d)1[0-7](?!\d)|thirteen|fourteen|fifteen|sixteen|seventeen)\b
        """ + Units + """
          )
        # French
        | \bj'?\s?ai\s+(?:eu\s+|que\s+|seulement\s+|juste\s+|bientot\s+|presque\s+)?(?<!\d)(?:1[0-7]|[1-9])(?!\d)\s*ans\b(?!\s*(?:de\b|d'|d\b))
        # German
        | \b(?:ich\s+bin|bin\s+erst)\s+(?:erst\s+|gerade\s+|noch\s+|schon\s+|jetzt\s+)?
          (?: (?<!\d)(?:1[0-7]|[1-9])(?!\d)\s*(?:jahre?|j\.?)\s*alt\b
            | (?<!\d)(?:1[0-7]|[1-9])(?!\d)\s*jahre?\b(?=\s*(?:$|[.,!;)]|und\b|aber\b))
            | (?<!\d)1[0-7](?!\d)\b
        """ + Units + """
          )
        # Spanish
        | \btengo\s+(?:solo\s+|apenas\s+|solamente\s+|casi\s+|ya\s+)?(?<!\d)(?:1[0-7]|[1-9])(?!\d)\s*(?:anos|anitos)\b(?!\s*(?:de|en|con)\b)
        # Italian
        | \bho\s+(?:solo\s+|appena\s+|soltanto\s+|quasi\s+)?(?<!\d)(?:1[0-7]|[1-9])(?!\d)\s*anni\b(?!\s*(?:di\b|d'|in\b))
        # Dutch
        | \bik\s+ben\s+(?:pas\s+|nog\s+maar\s+|maar\s+|net\s+|bijna\s+)?
          (?: (?<!\d)(?:1[0-7]|[1-9])(?!\d)\s*jaar\s*oud\b
            | (?<!\d)(?:1[0-7]|[1-9])(?!\d)\s*jaar\b(?=\s*(?:$|[.,!;)]|en\b|maar\b))
            | (?<!\d)1[0-7](?!\d)\b
        """ + Units + """
          )
        # Portuguese
        | \btenho\s+(?:so\s+|apenas\s+|somente\s+|quase\s+)?(?<!\d)(?:1[0-7]|[1-9])(?!\d)\s*anos\b(?!\s*(?:de|em|na|no)\b)
        """, RegexOptions.IgnorePatternWhitespace | RegexOptions.CultureInvariant)]
    private static partial Regex AgeCue();

    [GeneratedRegex("""
        \b(?:i'm|i\s+am|im)\s+(?:still\s+|only\s+|just\s+|currently\s+)?
          (?: (?:in|at)\s+(?:high\s*school|middle\s+school|junior\s+high|secondary\s+school)\b(?!\s*(?:reunion|teacher))
            | in\s+(?:the\s+)?(?:[6-9]|1[0-2])(?:th)?\s+grade\b
            | in\s+(?:the\s+)?(?:sixth|seventh|eighth|ninth|tenth|eleventh|twelfth)\s+grade\b
            | in\s+grade\s+(?:[6-9]|1[0-2])\b
            | in\s+year\s+(?:[7-9]|1[0-2])\b(?!\s*of\b)
            | an?\s+(?:high\s*school|middle\s*school)\s*(?:er|student|freshman|sophomore|junior|senior)\b
            | an?\s+(?:freshman|sophomore|junior|senior)\s+(?:in|at)\s+high\s*school\b
          )
        | \bi\s+(?:still\s+)?go\s+to\s+(?:high|middle)\s*school\b(?!\s*reunion)
        """, RegexOptions.IgnorePatternWhitespace | RegexOptions.CultureInvariant)]
    private static partial Regex SchoolCue();
}
