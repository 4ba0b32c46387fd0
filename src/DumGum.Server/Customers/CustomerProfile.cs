using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace DumGum.Customers;

/// <summary>
/// A profile as the customer's Profile endpoint returned it. The raw JSON is kept whole (the prompt uses every field,
/// and unknown enum values must survive); the fields the pipeline itself needs are read out once here.
/// </summary>
public sealed class CustomerProfile
{
    public required string Id { get; init; }
    public string? Version { get; init; }
    public string? FirstName { get; init; }
    public string? Nickname { get; init; }
    public string? Gender { get; init; }
    public DateOnly? Birthdate { get; init; }
    public string? TimeZone { get; init; }
    public string? CountryCode { get; init; }
    public string? City { get; init; }
    public string? Description { get; init; }
    public string? Personality { get; init; }
    public string? MainPictureUrl { get; init; }
    public DateTimeOffset? ExpiresAt { get; init; }
    public required JsonObject Raw { get; init; }

    /// <summary>The name the persona or user goes by: first name, else nickname.</summary>
    public string DisplayName => FirstName ?? Nickname ?? Id;

    /// <summary>The profile's time zone, UTC when it is missing or unknown to the runtime's tz database.</summary>
    public TimeZoneInfo ResolveTimeZone()
    {
        if (TimeZone is { Length: > 0 } name && TimeZoneInfo.TryFindSystemTimeZoneById(name, out var zone)) return zone;
        return TimeZoneInfo.Utc;
    }

    public int? AgeAt(DateTimeOffset now)
    {
        if (Birthdate is not { } b) return null;
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        var age = today.Year - b.Year;
        if (today < b.AddYears(age)) age--;
        return age;
    }

    /// <summary>
    /// Reads a profile object. Liberal: unknown fields are kept in <see cref="Raw"/>, wrongly typed optional fields are
    /// ignored. Returns null with a reason when the object breaks a rule that makes it unusable (docs/behaviour.md, "Profiles and history").
    /// </summary>
    public static CustomerProfile? Parse(JsonObject raw, string expectedId, out string? problem)
    {
        var id = Str(raw, "id");
        if (id is null) { problem = "profile.id is missing"; return null; }
        if (!string.Equals(id, expectedId, StringComparison.Ordinal))
        {
            problem = $"profile.id '{Truncate(id)}' does not equal the requested id '{Truncate(expectedId)}'";
            return null;
        }
        var firstName = Str(raw, "firstName");
        var nickname = Str(raw, "nickname");
        if (string.IsNullOrWhiteSpace(firstName) && string.IsNullOrWhiteSpace(nickname))
        {
            problem = "profile has neither firstName nor nickname";
            return null;
        }
        problem = null;
        DateOnly? birthdate = DateOnly.TryParseExact(Str(raw, "birthdate") ?? Str(raw, "birthDate"), "yyyy-MM-dd",
            CultureInfo.InvariantCulture, DateTimeStyles.None, out var bd) ? bd : null;
        DateTimeOffset? expiresAt = DateTimeOffset.TryParse(Str(raw, "expiresAt"), CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal, out var exp) ? exp : null;
        return new CustomerProfile
        {
            Id = id,
            Version = Str(raw, "version"),
            FirstName = string.IsNullOrWhiteSpace(firstName) ? null : firstName,
            Nickname = string.IsNullOrWhiteSpace(nickname) ? null : nickname,
            Gender = Str(raw, "gender"),
            Birthdate = birthdate,
            TimeZone = Str(raw, "timeZone"),
            CountryCode = Str(raw, "countryCode"),
            City = Str(raw, "city"),
            Description = Str(raw, "description"),
            Personality = Str(raw, "personality"),
            MainPictureUrl = Str(raw, "mainPictureUrl"),
            ExpiresAt = expiresAt,
            Raw = raw,
        };
    }

    static string? Str(JsonObject o, string name) =>
        o.TryGetPropertyValue(name, out var n) && n is JsonValue v && v.GetValueKind() == JsonValueKind.String
            ? v.GetValue<string>() : null;

    static string Truncate(string s) => s.Length <= 64 ? s : s[..64] + "…";
}
