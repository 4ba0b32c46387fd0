using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using DumGum.Customers;
using DumGum.Replies.Prompt;

namespace DumGum.Replies.Offline;

/// <summary>A pet of the persona: its name and kind (<c>dog</c>, <c>cat</c>…, from <c>type</c>), either may be missing.</summary>
internal sealed record PetFact(string? Name, string? Type);

/// <summary>A child of the persona: name, <c>daughter</c>/<c>son</c>/<c>child</c>, age.</summary>
internal sealed record ChildFact(string? Name, string Relation, int? Age);

/// <summary>
/// What the offline engine can say about a profile, read once per profile object (profiles come from the cache, so a
/// conversation reads them once): job, city (only with a <c>countryCode</c>), pets, children, music, and hobbies from
/// <c>features.interests</c>/<c>sports</c> and from words of the description in any of the engine's languages.
/// Language-neutral: the words are chosen when a reply is written.
/// </summary>
internal sealed class PersonaFacts
{
    static readonly ConditionalWeakTable<CustomerProfile, PersonaFacts> Cache = [];
    /// <summary>The profile fields read here: an override of any other field (<c>sexualDrive</c>…) keeps the cached facts.</summary>
    static readonly HashSet<string> Fields = new(StringComparer.Ordinal) { "features", "countryCode", "city", "pets", "children", "description" };
    static readonly HashSet<string> EmptyValues = new(StringComparer.OrdinalIgnoreCase) { "", "NONE", "UNKNOWN", "OTHER", "N/A", "NULL" };

    public string? Job { get; private init; }
    public string? City { get; private init; }
    public IReadOnlyList<PetFact> Pets { get; private init; } = [];
    public IReadOnlyList<ChildFact> Children { get; private init; } = [];
    public int ChildrenCount { get; private init; }
    /// <summary>Hobby keys of catalogue.json, strongest evidence first (interests, sports, then the description).</summary>
    public IReadOnlyList<string> Hobbies { get; private init; } = [];
    /// <summary><c>features.musicGenres</c> codes.</summary>
    public IReadOnlyList<string> Music { get; private init; } = [];

    /// <summary>The facts of <paramref name="profile"/>, with <c>personaProfileOverrides</c> applied when there are any.</summary>
    public static PersonaFacts Of(CustomerProfile profile, JsonObject? overrides)
    {
        ArgumentNullException.ThrowIfNull(profile);
        if (overrides is { Count: > 0 } && overrides.Any(o => Fields.Contains(o.Key))) return Read(profile, overrides);
        return Cache.GetValue(profile, p => Read(p, null));
    }

    static PersonaFacts Read(CustomerProfile profile, JsonObject? overrides)
    {
        var raw = profile.Raw;
        var features = Get(raw, overrides, "features") as JsonObject;
        var job = Str(features, "job");
        var countryCode = Str(raw, "countryCode", overrides) ?? profile.CountryCode;
        var city = Str(raw, "city", overrides) ?? profile.City;

        var pets = new List<PetFact>();
        if (Get(raw, overrides, "pets") is JsonArray petArray)
            foreach (var node in petArray)
                if (node is JsonObject pet && (Str(pet, "name") is not null || Str(pet, "type") is not null))
                    pets.Add(new PetFact(Str(pet, "name"), Str(pet, "type")?.ToLowerInvariant()));

        var children = new List<ChildFact>();
        if (Get(raw, overrides, "children") is JsonArray childArray)
            foreach (var node in childArray)
            {
                if (node is not JsonObject child) continue;
                var relation = Str(child, "gender")?.ToUpperInvariant() switch
                {
                    "WOMAN" or "FEMALE" or "GIRL" or "TRANS_WOMAN" or "TRANSFEMININE" => "daughter",
                    "MAN" or "MALE" or "BOY" or "TRANS_MAN" or "TRANSMASCULINE" => "son",
                    _ => "child",
                };
                int? age = Humanize.TryNumber(child["age"], out var a) && a >= 0 && a < 120 ? (int)a : null;
                children.Add(new ChildFact(Str(child, "name"), relation, age));
            }
        var childrenCount = Humanize.TryNumber(features?["childrenCount"], out var count) && count > 0 ? (int)count : 0;

        return new PersonaFacts
        {
            Job = job is null ? null : Humanize.Free(job),
            City = ProfileRenderer.IsValidCountryCode(countryCode) && !string.IsNullOrWhiteSpace(city) ? city.Trim() : null,
            Pets = pets,
            Children = children,
            ChildrenCount = Math.Max(childrenCount, children.Count),
            Hobbies = HobbiesOf(features, Str(raw, "description", overrides) ?? profile.Description),
            Music = Codes(features, "musicGenres"),
        };
    }

    static List<string> HobbiesOf(JsonObject? features, string? description)
    {
        var found = new List<string>();
        var catalogue = OfflineData.Catalogue;
        AddCodes(Codes(features, "interests"));
        if (!string.IsNullOrWhiteSpace(description))
        {
            // Whole words or word starts, in any language the engine has: descriptions are often not in the chat's language.
            var text = " " + Template.Normalize(description) + " ";
            var hits = new List<(int Position, string Key)>();
            foreach (var pack in OfflineData.Packs.Values)
                foreach (var (key, hobby) in pack.Hobbies)
                    foreach (var word in hobby.Words)
                    {
                        var at = text.IndexOf(" " + Template.Normalize(word), StringComparison.Ordinal);
                        if (at >= 0) hits.Add((at, key));
                    }
            foreach (var (_, key) in hits.OrderBy(h => h.Position))
                if (!found.Contains(key)) found.Add(key);
        }
        // Sports last: many apps fill them from a short pick list, the persona's own words say more.
        AddCodes(Codes(features, "sports"));
        return found;

        void AddCodes(List<string> codes)
        {
            foreach (var code in codes)
                foreach (var (key, info) in catalogue.Hobbies)
                    if (!found.Contains(key) && info.Codes.Contains(code, StringComparer.OrdinalIgnoreCase)) found.Add(key);
        }
    }

    static List<string> Codes(JsonObject? features, string field)
    {
        var list = new List<string>();
        if (features?[field] is JsonArray array)
            foreach (var node in array)
                if (node is JsonValue v && v.GetValueKind() == JsonValueKind.String && v.GetValue<string>() is { } s
                    && !EmptyValues.Contains(s.Trim()))
                    list.Add(s.Trim());
        return list;
    }

    static JsonNode? Get(JsonObject raw, JsonObject? overrides, string name)
    {
        if (overrides is not null && overrides.TryGetPropertyValue(name, out var o)) return o;
        return raw.TryGetPropertyValue(name, out var r) ? r : null;
    }

    static string? Str(JsonObject? o, string name, JsonObject? overrides = null)
    {
        if (o is null) return null;
        var node = overrides is null ? (o.TryGetPropertyValue(name, out var n) ? n : null) : Get(o, overrides, name);
        return node is JsonValue v && v.GetValueKind() == JsonValueKind.String && v.GetValue<string>() is { } s
               && !EmptyValues.Contains(s.Trim()) ? s.Trim() : null;
    }
}
