using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using DumGum.Projects;
using DumGum.Storage;

namespace DumGum.Customers;

/// <summary>The profile was fetched but breaks a rule that makes it unusable (docs/behaviour.md, "Profiles and history").</summary>
public sealed class InvalidProfileException(string message) : Exception(message);

/// <summary>
/// Profiles are fetched only on a cache miss, when the enqueue announces a different version, or after the profile's
/// <c>expiresAt</c> (24 h after the fetch when absent). Cached in memory and in the database, so a restart does not
/// refetch every profile.
/// </summary>
public sealed class ProfileCache(Database database, WriteQueue writes, CustomerClient customers, CallLog callLog, TimeProvider clock)
{
    public static readonly TimeSpan DefaultTtl = TimeSpan.FromHours(24);

    sealed record Entry(CustomerProfile Profile, DateTimeOffset ExpiresAt);

    readonly ConcurrentDictionary<(string Project, string Profile), Entry> memory = new();

    public async Task<CustomerProfile> GetAsync(Project project, string profileId, string? announcedVersion,
        string userProfileId, string personaProfileId, DateTimeOffset deadline, CancellationToken cancellationToken)
    {
        var key = (project.Id, profileId);
        var now = clock.GetUtcNow();
        // Playground profiles are fetched at every run (in-process, cheap) and never cached: a re-pasted profile counts at
        // the next message, and a playground persona never stands in for the project's real persona of the same id.
        var playground = PlaygroundRouting.IsPlayground(userProfileId);
        Entry? entry = null;
        if (!playground && !memory.TryGetValue(key, out entry)) entry = Load(project, profileId);
        if (entry is not null && now < entry.ExpiresAt && (announcedVersion is null || announcedVersion == entry.Profile.Version))
        {
            memory[key] = entry;
            return entry.Profile;
        }

        var url = ProfileUrl(project, profileId);
        JsonObject body;
        try
        {
            body = await customers.GetJsonAsync(project, CallLog.Profile, url, userProfileId, personaProfileId, deadline, cancellationToken);
        }
        catch (CustomerEndpointException ex) when (ex.InvalidBody)
        {
            // A profile the customer sent but we cannot read is an unusable profile (docs/behaviour.md, "Malformed JSON");
            // the call's log row already says why.
            throw new InvalidProfileException(ex.Message);
        }
        var profile = Read(body, profileId, out var problem) ?? throw Invalid(project, url, problem!, userProfileId, personaProfileId);
        var raw = profile.Raw;
        foreach (var warning in Warnings(profile))
            callLog.Record(project.Id, CallLog.Profile, url, 200, TimeSpan.Zero, 0, "warning: " + warning, userProfileId, personaProfileId, call: false);

        if (playground) return profile;
        now = clock.GetUtcNow();
        var expiresAt = profile.ExpiresAt ?? now + DefaultTtl;   // already past: refetched on the next run
        entry = new Entry(profile, expiresAt);
        memory[key] = entry;
        await writes.WriteAsync(w => w.Command("""
                INSERT INTO profiles(project_id, profile_id, version, expires_at, fetched_at, body)
                VALUES(@p, @id, @version, @expires, @fetched, @body)
                ON CONFLICT(project_id, profile_id) DO UPDATE SET version = excluded.version, expires_at = excluded.expires_at,
                    fetched_at = excluded.fetched_at, body = excluded.body
                """)
            .With("@p", project.Id).With("@id", profileId).With("@version", profile.Version)
            .With("@expires", expiresAt.ToUnixMs()).With("@fetched", now.ToUnixMs()).With("@body", raw.ToJsonString())
            .ExecuteNonQuery()).WaitAsync(cancellationToken);
        return profile;
    }

    Entry? Load(Project project, string profileId)
    {
        using var connection = database.Open();
        using var command = connection.Sql("SELECT body, expires_at FROM profiles WHERE project_id = @p AND profile_id = @id")
            .With("@p", project.Id).With("@id", profileId);
        using var reader = command.ExecuteReader();
        if (!reader.Read()) return null;
        var raw = JsonNode.Parse(reader.GetString(0))!.AsObject();
        var profile = CustomerProfile.Parse(raw, profileId, out _);
        return profile is null ? null : new Entry(profile, reader.GetInt64(1).FromUnixMs());
    }

    InvalidProfileException Invalid(Project project, string url, string problem, string user, string persona)
    {
        callLog.Record(project.Id, CallLog.Profile, url, 200, TimeSpan.Zero, 0, "invalid profile: " + problem, user, persona, call: false);
        return new InvalidProfileException(problem);
    }

    /// <summary>
    /// The profile in a Profile endpoint's answer (<c>{"profile": {…}}</c>), or null with the reason it is unusable
    /// (docs/behaviour.md, "Profiles and history").
    /// </summary>
    public static CustomerProfile? Read(JsonObject body, string profileId, out string? problem)
    {
        ArgumentNullException.ThrowIfNull(body);
        if (body["profile"] is not JsonObject raw)
        {
            problem = "the response has no \"profile\" object";
            return null;
        }
        return CustomerProfile.Parse(raw, profileId, out problem);
    }

    /// <summary>The Profile endpoint's URL for one profile.</summary>
    public static string ProfileUrl(Project project, string profileId)
    {
        ArgumentNullException.ThrowIfNull(project);
        return AppendQuery(project.Config.ProfileEndpointUrl, "profileId", profileId);
    }

    /// <summary>The Chat History endpoint's URL for one conversation.</summary>
    public static string HistoryUrl(Project project, string userProfileId, string personaProfileId)
    {
        ArgumentNullException.ThrowIfNull(project);
        return AppendQuery(AppendQuery(project.Config.ChatHistoryEndpointUrl, "userProfileId", userProfileId),
            "personaProfileId", personaProfileId);
    }

    /// <summary>Data we ignore rather than fail on, reported in the project logs (docs/behaviour.md, "Profiles and history").</summary>
    public static IEnumerable<string> Warnings(CustomerProfile p)
    {
        if (p.TimeZone is { Length: > 0 } tz && !TimeZoneInfo.TryFindSystemTimeZoneById(tz, out _))
            yield return $"profile {p.Id}: unknown timeZone '{tz}', using UTC";
        if ((p.City is not null || p.Raw["postalCode"] is not null) && (p.CountryCode is null || p.CountryCode.Length != 2 || !p.CountryCode.All(char.IsAsciiLetter)))
            yield return $"profile {p.Id}: city and postalCode are ignored without a two-letter countryCode";
        foreach (var url in PictureUrls(p))
            if (!url.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
                yield return $"profile {p.Id}: picture URL is not HTTPS and is ignored: {url}";
    }

    static IEnumerable<string> PictureUrls(CustomerProfile p)
    {
        if (p.MainPictureUrl is not null) yield return p.MainPictureUrl;
        foreach (var name in new[] { "pictures", "privatePictures" })
            if (p.Raw[name] is JsonArray a)
                foreach (var n in a)
                    if (n is JsonValue v && v.TryGetValue<string>(out var s)) yield return s;
    }

    public static string AppendQuery(string url, string name, string value) =>
        url + (url.Contains('?', StringComparison.Ordinal) ? "&" : "?") + Uri.EscapeDataString(name) + "=" + Uri.EscapeDataString(value);
}
