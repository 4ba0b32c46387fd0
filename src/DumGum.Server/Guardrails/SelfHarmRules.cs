using System.Text.RegularExpressions;
using DumGum.Replies.Checks;

namespace DumGum.Guardrails;

/// <summary>
/// The deterministic self-harm detection (docs/behaviour.md, "Self-harm"): first-person talk of suicide or of hurting
/// oneself in the offline engine's seven languages, read on folded text (<see cref="CueText.Fold"/>).
/// <list type="bullet">
/// <item>The text is cut into clauses (sentence punctuation, commas, "but", "aber", "pero", "maar", French "mais" before a subject), so "I'm not okay, I want
/// to die" still counts while a negation cannot reach across clauses.</item>
/// <item>A cue counts unless a negation ("not", "never", "pas", "nicht", "no", "non", "niet", "não", …) stands among the
/// four words before it or inside it ("I don't want to die", "ich will nicht sterben").</item>
/// <item>Cues that are negative by themselves ("I don't want to live anymore", "ich will nicht mehr leben") are a second
/// list, checked only for a negation before them.</item>
/// <item>Idioms are kept out by the patterns' shape: first person only (so "my mom will kill me", "mi jefe me va a matar"
/// do not count), no "dying to …" cue at all, and exclusions after the cue ("die of embarrassment", "mourir de rire",
/// "kill myself laughing", "morire dalla vergogna", "ik wil dood van schaamte").</item>
/// </list>
/// The labelled fixture <c>tests/DumGum.Tests/Guardrails/Fixtures/self-harm.json</c> holds positives and negatives per language.
/// </summary>
public static partial class SelfHarmRules
{
    /// <summary>Words before a cue that a negation may stand in.</summary>
    public const int NegationWindow = 4;

    static readonly HashSet<string> Negations = new(StringComparer.Ordinal)
    {
        // English
        "not", "never", "no", "nobody", "dont", "cant", "cannot", "wont", "wouldnt", "didnt", "isnt",
        // French
        "pas", "jamais", "ne", "non",
        // German
        "nicht", "nie", "niemals", "kein", "keine", "keinen", "keinesfalls",
        // Spanish, Portuguese, Italian
        "nunca", "jamas", "ni", "nao", "nem", "mai",
        // Dutch
        "niet", "nooit", "geen",
    };

    /// <summary>Explicit first-person talk of suicide or self-harm in the user's text (raw or folded).</summary>
    public static bool Matches(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return false;
        var folded = CueText.Fold(text);
        foreach (var clause in ClauseBreak().Split(folded))
        {
            if (clause.Length == 0) continue;
            foreach (Match m in Cue().Matches(clause))
                if (!Negated(clause, m, inside: true)) return true;
            foreach (Match m in NegativeFormCue().Matches(clause))
                if (!Negated(clause, m, inside: false)) return true;
        }
        return false;
    }

    static bool Negated(string clause, Match match, bool inside)
    {
        var before = Words(clause[..match.Index]);
        for (var i = Math.Max(0, before.Length - NegationWindow); i < before.Length; i++)
            if (IsNegation(before[i])) return true;
        return inside && Words(match.Value).Any(IsNegation);
    }

    static string[] Words(string text) =>
        [.. text.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(w => w.Trim('"', '(', ')', '[', ']', '*', '-', '\''))];

    static bool IsNegation(string word) =>
        Negations.Contains(word.Replace("'", "", StringComparison.Ordinal))
        || word.EndsWith("n't", StringComparison.Ordinal)
        || word.StartsWith("n'", StringComparison.Ordinal);

    // French "mais" only before a subject: Portuguese "mais" means "more" ("não quero mais viver").
    [GeneratedRegex("""[.!?;:…\n]+|,|\s[-–—]\s|\b(?:but|aber|pero|maar)\b|\bmais\s+(?=je\b|j'|tu\b|il\b|elle\b|on\b|ca\b|c')""", RegexOptions.CultureInvariant)]
    private static partial Regex ClauseBreak();

    [GeneratedRegex("""
        # English
        \bkill(?:ing)?\s+my\s*self\b(?!\s+(?:laugh|at\s+(?:work|the\s+gym)|working|over\b|with\s+work))
        | \bkms\b
        | \bend(?:ing)?\s+(?:it\s+all|my\s+(?:own\s+)?life)\b
        | \btake\s+my\s+(?:own\s+)?life\b
        | \b(?:i|i'm|im|i\s+am)\s+(?:\w+\s+){0,2}?(?:want|wanna|wish|plan|planning|ready)\s+(?:to\s+)?die\b(?!\s+(?:of|from|laugh|for|with|when|if|in\s+your)\b)
        | \bi\s+wish\s+i\s+(?:was|were)\s+dead\b
        | \b(?:i'm|im|i\s+am|i\s+feel|feeling|i've\s+been|been)\s+(?:\w+\s+)?suicidal\b
        | \bsuicidal\s+(?:thoughts|feelings|again)\b
        | \b(?:commit(?:ting)?|attempt(?:ed|ing)?|thinking\s+about|thought\s+about|think\s+about|considering|contemplating)\s+suicide\b
        | \b(?:want|wanna|going|gonna|urge|urges)\s+(?:to\s+)?(?:hurt|harm|cut)\s+my\s*self\b
        | \b(?:i've\s+been|i\s+have\s+been|been|i\s+keep|i\s+started|started)\s+(?:hurting|harming|cutting)\s+my\s*self\b
        | \bi\s+(?:hurt|cut)\s+my\s*self\s+on\s+purpose\b
        | \bself[\s-]?harm(?:ing)?\b
        | \b(?:everyone|everybody|they|world)\s+(?:would|will|'d)\s+be\s+better\s+off\s+without\s+me\b
        | \bbetter\s+off\s+dead\b
        # French
        | \bme\s+suicider\b
        | \b(?:je\s+suis|je\s+me\s+sens|j'ai\s+des\s+(?:idees|pensees))\s+(?:\w+\s+)?suicidaires?\b
        | \b(?:envie|besoin)\s+de\s+mourir\b(?!\s+de\s+(?:rire|honte|faim|froid|chaud|fatigue))
        | \bje\s+(?:veux|voudrais|vais|prefererais)\s+mourir\b(?!\s+de\s+(?:rire|honte|faim|froid|chaud|fatigue))
        | \bje\s+(?:veux|vais|voudrais|pense\s+a|pourrais)\s+me\s+tuer\b(?!\s+(?:a\s+la\s+tache|au\s+travail|de\s+rire))
        | \benvie\s+de\s+me\s+tuer\b
        | \bme\s+foutre\s+en\s+l'air\b
        | \bmettre\s+fin\s+a\s+(?:mes\s+jours|ma\s+vie)\b
        | \ben\s+finir\s+avec\s+(?:la|ma)\s+vie\b
        | \bje\s+veux\s+en\s+finir\b(?!\s+avec\s+(?!la\s+vie|ma\s+vie))
        | \b(?:(?:envie|besoin)\s+de|je\s+(?:veux|vais))\s+me\s+faire\s+du\s+mal\b | \bje\s+me\s+fais\s+du\s+mal\b
        | \bme\s+(?:scarifier|mutiler)\b | \bje\s+me\s+(?:scarifie|mutile)\b
        # German
        | \bich\s+(?:\w+\s+){0,2}?(?:will|mochte|werde|wurde|konnte)\s+(?:\w+\s+)?mich\s+(?:umbringen|toten)\b(?!\s+vor)
        | \bmich\s+(?:selbst\s+)?umzubringen\b
        | \bich\s+(?:will|mochte|werde)\s+mich\s+(?:selbst\s+)?(?:verletzen|ritzen)\b | \bich\s+ritze\s+mich\b
        | \bselbstmord(?:gedanken|gefahrdet)\b | \bselbstmord\s+(?:begehen|machen)\b | \ban\s+selbstmord\s+(?:denken|gedacht)\b | \bdenke\s+an\s+selbstmord\b
        | \bsuizid(?:gedanken|al|gefahrdet)\b
        | \bich\s+(?:\w+\s+)?(?:will|mochte)\s+(?:\w+\s+)?sterben\b(?!\s+vor)
        | \bmir\s+das\s+leben\s+(?:zu\s+)?nehmen\b
        | \bich\s+bin\s+lebensmude\b
        | \bich\s+ware\s+(?:lieber\s+|am\s+liebsten\s+)?tot\b
        # Spanish
        | \bsuicidarme\b | \bme\s+(?:quiero|voy\s+a)\s+suicidar\b
        | \b(?:quiero|quisiera|deseo|ganas\s+de)\s+morir(?:me)?\b(?!\s+de\s+(?:risa|hambre|verguenza|sueno|ganas|frio|calor|amor))
        | \b(?:quiero|voy\s+a|pienso\s+en|ganas\s+de|necesito)\s+matarme\b | \bme\s+(?:quiero|voy\s+a)\s+matar\b(?!\s+(?:de|a|trabajando|estudiando)\b)
        | \bquitarme\s+la\s+vida\b | \bacabar\s+con\s+mi\s+vida\b
        | \b(?:quiero|voy\s+a|ganas\s+de|necesito)\s+hacerme\s+dano\b
        | \b(?:pensamientos|ideas)\s+suicidas\b | \b(?:soy|estoy|me\s+siento)\s+suicida\b
        | \bme\s+autolesiono\b | \bautolesionarme\b
        | \bme\s+corto\s+(?:los\s+brazos|las\s+munecas|las\s+piernas)\b
        # Italian
        | \bsuicidarmi\b | \bmi\s+voglio\s+suicidare\b
        | \b(?:voglio|vorrei|desidero)\s+morire\b(?!\s+(?:dal|dalle|dalla|di|d'))
        | \b(?:voglio|vorrei|penso\s+di|sto\s+pensando\s+di)\s+(?:uccidermi|ammazzarmi)\b | \bmi\s+(?:voglio|vorrei)\s+(?:uccidere|ammazzare)\b
        | \btogliermi\s+la\s+vita\b
        | \b(?:voglio|vorrei)\s+farla\s+finita\b(?!\s+(?:con|a|di)\b)
        | \b(?:voglio|vorrei|ho\s+voglia\s+di)\s+farmi\s+del\s+male\b | \bmi\s+faccio\s+del\s+male\b
        | \bpensieri\s+suicid[ia]\b | \b(?:sono|mi\s+sento)\s+suicida\b
        | \bmi\s+taglio\s+(?:le\s+braccia|i\s+polsi)\b | \bmi\s+autolesiono\b
        # Dutch
        | \bzelfmoord(?:gedachten|neigingen)\b | \bzelfmoord\s+(?:te\s+)?plegen\b | \baan\s+zelfmoord\s+(?:denken|gedacht|denk)\b | \bdenk\s+aan\s+zelfmoord\b
        | \bsuicidaal\b
        | \bik\s+wil\s+(?:\w+\s+)?dood\b(?!\s+(?:van|door)\b)
        | \bmezelf\s+(?:van\s+kant\s+(?:te\s+)?maken|iets\s+(?:aan\s+te\s+doen|aandoen)|pijn\s+doen|snijden|verwonden)\b
        | \been\s+einde\s+aan\s+mijn\s+leven\s+maken\b | \bmijn\s+leven\s+beeindigen\b
        | \bik\s+snij\s+mezelf\b
        # Portuguese
        | \b(?:quero|vou|penso\s+em|vontade\s+de|pensando\s+em)\s+me\s+matar\b(?!\s+de\s+(?:rir|tanto|trabalhar|estudar))
        | \bmatar-me\b | \bme\s+suicidar\b | \bsuicidar-me\b
        | \b(?:quero|queria|vontade\s+de)\s+morrer\b(?!\s+de\s+(?:rir|vergonha|fome|saudade|sono|calor|frio|amor|tedio))
        | \b(?:tirar|acabar\s+com)\s+(?:a\s+)?minha\s+(?:propria\s+)?vida\b
        | \b(?:quero|vontade\s+de|penso\s+em)\s+me\s+(?:machucar|ferir|cortar)\b
        | \bme\s+automutil\w*\b | \bautomutilacao\b
        | \bpensamentos\s+suicidas\b | \b(?:sou|estou|me\s+sinto)\s+suicida\b
        """, RegexOptions.IgnorePatternWhitespace | RegexOptions.CultureInvariant)]
    private static partial Regex Cue();

    [GeneratedRegex("""
        # English
        \b(?:don't|dont|do\s+not)\s+want\s+to\s+(?:live|be\s+alive|exist|wake\s+up\s+(?:anymore|ever\s+again|again))\b(?!\s+(?:like|with|in|here|there|without)\b)
        | \b(?:no\s+reason|nothing\s+left|nothing)\s+to\s+live\s+for\b
        # French
        | \bje\s+(?:ne\s+)?veux\s+plus\s+vivre\b(?!\s+(?:comme|ainsi|avec|ici|la|dans|sans)\b)
        | \b(?:j'ai|je\s+n'ai)\s+plus\s+(?:envie|aucune\s+envie)\s+de\s+vivre\b
        | \b(?:aucune|plus\s+de)\s+raisons?\s+de\s+vivre\b
        # German
        | \bich\s+(?:will|mochte|kann)\s+nicht\s+mehr\s+leben\b(?!\s+(?:so|hier|mit|in|ohne)\b)
        | \bich\s+(?:will|mochte)\s+nicht\s+mehr\s+(?:da\s+sein|aufwachen)\b
        | \bkeinen\s+sinn\s+mehr\s+(?:zu\s+leben|im\s+leben)\b
        # Spanish
        | \bno\s+quiero\s+(?:seguir\s+)?vivir\b(?!\s+(?:asi|con|en|aqui|alli|sin)\b)
        | \bno\s+tengo\s+(?:ninguna\s+)?(?:razon|razones|motivo|motivos|ganas)\s+(?:para|de)\s+vivir\b
        # Italian
        | \bnon\s+(?:voglio|ho\s+voglia\s+di)\s+(?:piu\s+)?vivere(?:\s+piu)?\b(?!\s+(?:cosi|con|qui|in|senza)\b)
        | \bnon\s+ho\s+(?:piu\s+)?(?:motivi|ragioni|un\s+motivo)\s+per\s+vivere\b
        # Dutch
        | \bik\s+wil\s+niet\s+meer\s+(?:leven|wakker\s+worden)\b(?!\s+(?:zo|met|zonder|hier)\b)
        | \bik\s+wil\s+er\s+niet\s+meer\s+zijn\b
        | \bgeen\s+reden\s+(?:meer\s+)?om\s+te\s+leven\b
        # Portuguese
        | \bnao\s+(?:quero|aguento)\s+mais\s+viver\b | \bnao\s+quero\s+viver\s+mais\b
        | \bnao\s+tenho\s+(?:mais\s+)?(?:motivo|motivos|razao|razoes)\s+para\s+viver\b
        """, RegexOptions.IgnorePatternWhitespace | RegexOptions.CultureInvariant)]
    private static partial Regex NegativeFormCue();
}
