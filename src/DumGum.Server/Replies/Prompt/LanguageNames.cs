namespace DumGum.Replies.Prompt;

/// <summary>
/// The 26 reply languages (docs/behaviour.md, "Requests and errors"): a short name and one instruction sentence per variant, so
/// the model uses the country's spelling, forms of address and expressions (docs: a persona in Australia → <c>EN_AU</c>).
/// Unknown codes never fail: they are named by their code.
/// </summary>
public static class LanguageNames
{
    /// <summary>The base language of a DumGum language value: <c>DE_CH</c> → <c>DE</c>, <c>pt-br</c> → <c>PT</c>.</summary>
    public static string BaseCode(string? language)
    {
        var code = (language ?? "").Trim().ToUpperInvariant().Replace('-', '_');
        var cut = code.IndexOf('_', StringComparison.Ordinal);
        return cut < 0 ? code : code[..cut];
    }

    public sealed record Variant(string Code, string Name, string Sentence);

    static readonly Variant[] Variants =
    [
        new("EN", "English",
            "Write in English, with American spelling (color, favorite, realize) and everyday American expressions."),
        new("EN_GB", "British English",
            "Write in British English: British spelling (colour, favourite, realise, centre, travelling) and British words and expressions (mum, mate, flat, holiday, brilliant), never American spelling."),
        new("FR", "French",
            "Write in French as spoken in France, with correct accents; use 'tu', as is usual in a dating chat, unless your chat partner keeps to 'vous'."),
        new("FR_BE", "Belgian French",
            "Write in Belgian French: French as spoken in Belgium, with Belgian numbers (septante, nonante) and Belgian expressions where natural ('une fois', 'savoir' for 'pouvoir', 'dîner' for lunch); use 'tu'."),
        new("RO", "Romanian",
            "Write in Romanian, with the correct diacritics (ă, â, î, ș, ț); use the informal 'tu'."),
        new("NL", "Dutch",
            "Write in Dutch as spoken in the Netherlands, with Netherlands expressions; use 'je/jij'."),
        new("ES", "Spanish",
            "Write in Spanish as spoken in Spain: 'tú' for one person and 'vosotros' for the plural you, with Spain's vocabulary (móvil, ordenador, coche) and expressions."),
        new("DE", "German",
            "Write in German as written in Germany (standard spelling, with ß where it belongs); use 'du'."),
        new("DE_CH", "Swiss Standard German",
            "Write in Swiss Standard German: standard German as written in Switzerland, always 'ss' and never 'ß' (Strasse, gross, heisst), with Swiss words where natural (Velo, Natel, parkieren, Grüezi, merci); write Standard German, not Swiss German dialect; use 'du'."),
        new("DE_AT", "Austrian German",
            "Write in Austrian German: standard German as used in Austria, with Austrian words where natural (Servus, Jänner, heuer, Paradeiser, Sackerl); use 'du'."),
        new("IT", "Italian",
            "Write in Italian, with correct accents; use the informal 'tu'."),
        new("ES_LATAM", "Latin American Spanish",
            "Write in Latin American Spanish: 'ustedes' for the plural you, never 'vosotros', and neutral Latin American vocabulary (celular, computadora, carro, manejar), not Spain's."),
        new("BG", "Bulgarian",
            "Write in Bulgarian, in Cyrillic script; use the informal 'ти'."),
        new("HE", "Hebrew",
            "Write in Hebrew, in Hebrew script, with the verb and adjective forms that match your own gender and your chat partner's."),
        new("JA", "Japanese",
            "Write in Japanese (kanji and kana, no romaji), in a friendly casual register suited to a chat with someone you are getting to know."),
        new("NL_BE", "Belgian Dutch (Flemish)",
            "Write in Belgian Dutch (Flemish): Dutch as spoken in Flanders, with Flemish words and expressions where natural (amai, goesting, zalig, ambetant), in standard spelling; use 'je/jij'."),
        new("EN_AU", "Australian English",
            "Write in Australian English: British-style spelling (colour, favourite, realise) and a relaxed Australian tone with natural Aussie expressions (arvo, heaps, no worries, reckon), without overdoing the slang."),
        new("PT_PT", "European Portuguese",
            "Write in European Portuguese (Portugal): Portugal's spelling and vocabulary (telemóvel, autocarro, pequeno-almoço), 'tu' for you, and 'estar a + infinitive' (estou a pensar), not Brazilian forms."),
        new("PT_BR", "Brazilian Portuguese",
            "Write in Brazilian Portuguese: 'você' for you, Brazilian spelling and vocabulary (celular, ônibus, café da manhã) and the gerund (estou pensando), not European Portuguese forms."),
        new("SV_SE", "Swedish",
            "Write in Swedish as spoken in Sweden, with å, ä and ö; use 'du'."),
        new("DA_DK", "Danish",
            "Write in Danish, with æ, ø and å; use 'du'."),
        new("FI_FI", "Finnish",
            "Write in Finnish, with ä and ö, in a natural informal chat style (light puhekieli is fine)."),
        new("PL_PL", "Polish",
            "Write in Polish, with the correct diacritics (ą, ć, ę, ł, ń, ó, ś, ź, ż) and the verb forms that match your own gender; use the informal 'ty'."),
        new("LT_LT", "Lithuanian",
            "Write in Lithuanian, with the correct diacritics (ą, č, ę, ė, į, š, ų, ū, ž); use the informal 'tu'."),
        new("NB_NO", "Norwegian Bokmål",
            "Write in Norwegian Bokmål (jeg, ikke, hva), not Nynorsk and not Danish."),
        new("NN_NO", "Norwegian Nynorsk",
            "Write in Norwegian Nynorsk (eg, ikkje, kva), not Bokmål."),
    ];

    static readonly Dictionary<string, Variant> ByCode = BuildIndex();

    static Dictionary<string, Variant> BuildIndex()
    {
        var index = new Dictionary<string, Variant>(StringComparer.OrdinalIgnoreCase);
        foreach (var v in Variants) index[v.Code] = v;
        index["EN_UK"] = index["EN_GB"]; // a documentation typo some customers copy (docs/behaviour.md, "Requests and errors")
        return index;
    }

    /// <summary>The 26 codes, in the documented order.</summary>
    public static IReadOnlyList<string> Codes { get; } = Variants.Select(v => v.Code).ToArray();

    public static bool IsKnown(string? code) => code is not null && ByCode.ContainsKey(code.Trim());

    /// <summary>"British English" for <c>EN_GB</c>; an unknown code is named by itself.</summary>
    public static string Name(string? code)
    {
        var c = code?.Trim() ?? "";
        return ByCode.TryGetValue(c, out var v) ? v.Name : c.Length == 0 ? "the user's language" : $"the language with code {c}";
    }

    /// <summary>The instruction sentence for a reply language (always ends with a full stop).</summary>
    public static string Sentence(string? code)
    {
        var c = code?.Trim() ?? "";
        return ByCode.TryGetValue(c, out var v) ? v.Sentence : $"Write in {Name(c)}.";
    }
}
