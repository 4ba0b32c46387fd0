using System.Collections.Frozen;
using System.Reflection;
using System.Text.Json;
using DumGum.Replies;
using DumGum.Replies.Prompt;

namespace DumGum.Guardrails;

/// <summary>
/// The helpline table (docs/behaviour.md, "Self-harm"), read from the embedded <c>Guardrails/Messages/helplines.json</c>:
/// one line per country code of the user's profile, optionally another for speakers of a second language of that
/// country (Belgium, Switzerland), and an international fallback (findahelpline.com) for every other country and for
/// profiles without a valid <c>countryCode</c>.
/// </summary>
public static class Helplines
{
    static readonly (FrozenDictionary<string, Entry> Countries, Helpline Fallback) Table = Load();

    sealed record Entry(Helpline Line, IReadOnlyDictionary<string, Helpline> Languages);

    /// <summary>The countries with a line of their own.</summary>
    public static IReadOnlyCollection<string> Countries => Table.Countries.Keys;

    public static Helpline Fallback => Table.Fallback;

    /// <summary>The line for the user's country (case-insensitive ISO 3166-1 alpha-2), in the conversation's language where the country has several.</summary>
    public static Helpline For(string? countryCode, string? language)
    {
        var code = countryCode?.Trim().ToUpperInvariant();
        if (code is not { Length: 2 } || !Table.Countries.TryGetValue(code, out var entry)) return Table.Fallback;
        return entry.Languages.TryGetValue(LanguageNames.BaseCode(language), out var local) ? local : entry.Line;
    }

    static (FrozenDictionary<string, Entry>, Helpline) Load()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("DumGum.Guardrails.Messages.helplines.json")
                           ?? throw new InvalidOperationException("The helpline table is not embedded in the assembly.");
        using var document = JsonDocument.Parse(stream);
        var root = document.RootElement;
        static Helpline Line(string? country, JsonElement e) =>
            new(country, e.GetProperty("name").GetString()!, e.GetProperty("contact").GetString()!);
        var countries = new Dictionary<string, Entry>(StringComparer.Ordinal);
        foreach (var country in root.GetProperty("countries").EnumerateObject())
        {
            var languages = new Dictionary<string, Helpline>(StringComparer.Ordinal);
            if (country.Value.TryGetProperty("languages", out var byLanguage))
                foreach (var l in byLanguage.EnumerateObject()) languages[l.Name] = Line(country.Name, l.Value);
            countries[country.Name] = new Entry(Line(country.Name, country.Value), languages);
        }
        return (countries.ToFrozenDictionary(StringComparer.Ordinal), Line(null, root.GetProperty("fallback")));
    }
}
