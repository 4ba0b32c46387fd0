using System.Text.Json;
using System.Text.Json.Serialization;

namespace DumGum.Memory.Extraction;

/// <summary>
/// One language's memory rules as a translator writes them: <c>Memory/Extraction/Data/{code}.json</c>, embedded.
/// The format is described in docs/memory.md, "How to extend a language".
/// </summary>
internal sealed class RuleFile
{
    /// <summary>ISO 639-1 code: en, de…</summary>
    public required string Language { get; init; }
    /// <summary>Words that turn a statement around ("not", "kein"): in the clause of a match, outside the rule's own words, they drop it.</summary>
    public string[] Negations { get; init; } = [];
    /// <summary>Words that make the rest of the sentence a wish or a supposition ("if", "would", "wenn").</summary>
    public string[] Hypotheticals { get; init; } = [];
    /// <summary>Words that report someone else's words ("says", "sagt"): what follows is not the speaker's own statement.</summary>
    public string[] Reported { get; init; } = [];
    /// <summary>Words that put an event in the past ("was", "last", "gestern"): past events are not remembered as dated events.</summary>
    public string[] Past { get; init; } = [];
    /// <summary>Words that start a new clause ("and", "but", "weil"): negation does not reach across them.</summary>
    public string[] Conjunctions { get; init; } = [];
    /// <summary>Words that join the items of a list ("and", "und", "e"); a comma does too.</summary>
    public string[] ListJoiners { get; init; } = [];
    /// <summary>Words that end a value: prepositions, pronouns, verbs such as "is", time words ("I work as a nurse <b>in</b> a hospital").</summary>
    public string[] Stopwords { get; init; } = [];
    /// <summary>Articles and determiners dropped from the start of a value ("the", "un", "einen").</summary>
    public string[] Articles { get; init; } = [];
    /// <summary>Phrases dropped from the start of a list item ("a little", "ein bisschen", "fluent").</summary>
    public string[] Fillers { get; init; } = [];
    /// <summary>Lower-case words that may sit inside a place name ("Rio de Janeiro", "Frankfurt am Main").</summary>
    public string[] PlaceConnectors { get; init; } = [];
    /// <summary>Capitalised words that are not names ("Italian", "Single").</summary>
    public string[] NotNames { get; init; } = [];
    /// <summary>Reusable pieces of rules: <c>"im": "(i'm|i am)"</c> is written <c>@im</c>.</summary>
    public Dictionary<string, string> Macros { get; init; } = [];
    /// <summary>Rules by fact kind (facts.json): a pattern, or an object <c>{"p": pattern, "thing": "reading"}</c> that fixes a value.</summary>
    public Dictionary<string, JsonElement[]> Rules { get; init; } = [];
    /// <summary>Closed vocabularies by group (jobs, pets, foods, things, languages, events): English word → the language's forms.</summary>
    public Dictionary<string, Dictionary<string, string[]>> Lexicon { get; init; } = [];
    public DateWords Dates { get; init; } = new();
}

/// <summary>How dates are written in one language.</summary>
internal sealed class DateWords
{
    /// <summary>Phrases for a day counted from today: <c>"tomorrow": 1</c>.</summary>
    public Dictionary<string, int> Relative { get; init; } = [];
    /// <summary>"in {n} days".</summary>
    public string[] InDays { get; init; } = [];
    /// <summary>Phrases for the coming Saturday and Sunday.</summary>
    public string[] Weekend { get; init; } = [];
    /// <summary>Seven lists of forms, Monday first.</summary>
    public string[][] Weekdays { get; init; } = [];
    /// <summary>Twelve lists of forms, January first.</summary>
    public string[][] Months { get; init; } = [];
    /// <summary>Date patterns with {d} (day), {m} (month number), {month} (month name), {y} (year).</summary>
    public string[] Forms { get; init; } = [];
    /// <summary>What stands between the two dates of a range ("to", "bis", "au"); an empty string allows none.</summary>
    public string[] RangeJoiners { get; init; } = [];
}

/// <summary>What every language shares: the fact kinds, their category, key, slot, English description and tags.</summary>
internal sealed class FactsFile
{
    public Dictionary<string, FactKind> Kinds { get; init; } = [];
    /// <summary>A value found in this lexicon group changes the category: <c>"foods": "FOOD_PREFERENCE"</c>.</summary>
    public Dictionary<string, LexiconCategory> LexiconCategories { get; init; } = [];
}

internal sealed class LexiconCategory
{
    public required string Category { get; init; }
    public string? Tag { get; init; }
}

/// <summary>
/// One kind of fact. Templates name values in braces: {who} (user or persona), {name}, {age}, {place}, {org}, {job},
/// {pet}, {thing}, {lang}, {event}, {start}, {end}, {birthday} (MM-dd), {birthdate} (yyyy-MM-dd), {a} (English "a"/"an"
/// for the value), a capitalised name ({Event}) capitalises the value. Of several templates the first whose values are
/// all known is used.
/// </summary>
internal sealed class FactKind
{
    public required string Category { get; init; }
    public required string[] Key { get; init; }
    public string? Slot { get; init; }
    public required string[] Description { get; init; }
    public string[] Tags { get; init; } = [];
    /// <summary>The sentence must carry a date (events, birthdays).</summary>
    public bool NeedsDate { get; init; }
    /// <summary>Past-tense words in the sentence drop it (events).</summary>
    public bool Future { get; init; }
    /// <summary>How the free values of this kind are read, by value name (<c>thing</c>, <c>pet</c>…).</summary>
    public Dictionary<string, ValueSpec> Values { get; init; } = [];
}

/// <summary>How one value is read.</summary>
internal sealed class ValueSpec
{
    /// <summary>Lexicon groups that translate the value to English; the first group that knows it wins.</summary>
    public string[] Lexicons { get; init; } = [];
    /// <summary>A value in none of the lexicons is kept as written (up to four words); otherwise it must be in one.
    /// A rule can open a closed value by writing <c>{job*}</c> ("I work as {job*}" takes any job).</summary>
    public bool Open { get; init; }
    /// <summary>"pizza, pasta and sushi" is three values.</summary>
    public bool List { get; init; }
}

internal static class RuleJson
{
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };
}
