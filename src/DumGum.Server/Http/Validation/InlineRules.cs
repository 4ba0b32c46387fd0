using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace DumGum.Http.Validation;

/// <summary>
/// Rules shared by the synchronous endpoints (generate, suggestion), which carry whole profiles and messages inline
/// instead of ids. They build on <see cref="JsonRule"/> and report under the same JSON paths.
/// </summary>
public static class InlineRules
{
    /// <summary>Message texts may be long and may contain line breaks.</summary>
    public const int MaxTextLength = 20_000;
}

/// <summary>
/// An inline Profile (docs/behaviour.md, "Profiles and history"). Accepted exactly as the Profile endpoint's would be: unknown fields
/// and values are kept, wrongly typed optional fields are ignored later. Checked here, with field paths: <c>id</c>
/// (1–128 characters, required), <c>firstName</c>/<c>nickname</c> (strings, at least one not blank). Known top-level
/// names are matched case-insensitively and written in their canonical spelling, so the compat <c>birthDate</c>
/// becomes <c>birthdate</c> (an exact <c>birthdate</c> wins over it).
/// </summary>
public sealed class ProfileRule : JsonRule
{
    public static readonly ProfileRule Instance = new();

    static readonly string[] KnownFields =
    [
        "id", "gender", "version", "firstName", "nickname", "description", "birthdate", "countryCode", "city", "postalCode",
        "timeZone", "features", "personality", "mainPictureUrl", "pictures", "privatePictures", "expiresAt", "children", "pets",
    ];

    static readonly Dictionary<string, string> Canonical = KnownFields.ToDictionary(f => f, f => f, StringComparer.OrdinalIgnoreCase);
    static readonly StringRule Id = new(1, 128);

    public override JsonNode? Check(JsonElement value, string path, Errors errors)
    {
        if (value.ValueKind != JsonValueKind.Object) { errors.Add(path, $"must be an object, not {Kind(value)}"); return null; }
        var result = new JsonObject();
        var known = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        // Exact spellings first, so that a case variant never replaces a field that was sent exactly.
        foreach (var property in value.EnumerateObject())
            if (!Canonical.TryGetValue(property.Name, out var name) || name == property.Name)
            {
                result[property.Name] = JsonNode.Parse(property.Value.GetRawText());
                if (name is not null) known[name] = property.Value;
            }
        foreach (var property in value.EnumerateObject())
            if (Canonical.TryGetValue(property.Name, out var name) && name != property.Name && known.TryAdd(name, property.Value))
                result[name] = JsonNode.Parse(property.Value.GetRawText());

        var before = errors.Count;
        if (!known.TryGetValue("id", out var id) || id.ValueKind == JsonValueKind.Null) errors.Add(path + ".id", "is required");
        else Id.Check(id, path + ".id", errors);
        var hasName = false;
        foreach (var field in (string[])["firstName", "nickname"])
        {
            if (!known.TryGetValue(field, out var name) || name.ValueKind == JsonValueKind.Null) continue;
            if (name.ValueKind != JsonValueKind.String)
            {
                errors.Add($"{path}.{field}", $"must be a string, not {Kind(name)}");
                hasName = true;     // one error for this field is enough
                continue;
            }
            hasName |= !string.IsNullOrWhiteSpace(name.GetString());
        }
        if (!hasName) errors.Add(path + ".firstName", "is required when nickname is missing: a profile needs a firstName or a nickname");
        return errors.Count > before ? null : result;
    }
}

/// <summary>An ISO-8601 date-time (<c>2025-04-02T17:05:00Z</c>, with or without seconds, fraction or offset; no offset = UTC), kept as sent.</summary>
public sealed partial class DateTimeRule : JsonRule
{
    public static readonly DateTimeRule Instance = new();

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}([.,]\d{1,9})?)?([Zz]|[+-]\d{2}(:?\d{2})?)?$", RegexOptions.CultureInvariant)]
    private static partial Regex Iso8601();

    public override JsonNode? Check(JsonElement value, string path, Errors errors)
    {
        if (value.ValueKind == JsonValueKind.String && value.GetString() is { } s && Iso8601().IsMatch(s)
            && DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out _))
            return JsonValue.Create(s);
        errors.Add(path, "must be an ISO-8601 date-time such as 2025-04-02T17:05:00Z");
        return null;
    }
}

/// <summary>Free text that may span lines (message texts, sticker descriptions, gift names).</summary>
public sealed class TextRule(int max) : JsonRule
{
    public override JsonNode? Check(JsonElement value, string path, Errors errors)
    {
        if (value.ValueKind != JsonValueKind.String) { errors.Add(path, $"must be a string, not {Kind(value)}"); return null; }
        var s = value.GetString()!;
        if (s.Length > max) { errors.Add(path, $"must be at most {max} characters long"); return null; }
        return JsonValue.Create(s);
    }
}

