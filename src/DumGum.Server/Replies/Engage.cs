using DumGum.Customers;

namespace DumGum.Replies;

/// <summary>
/// Engage: an unsolicited persona message. <c>AUTO</c> resolves as documented (no history → icebreaker, last message
/// under 6 hours old → nudge, else revive); an <c>AUTO</c> icebreaker angle is chosen from the data (docs/behaviour.md, "Replies", Engage).
/// </summary>
public static class Engage
{
    public static readonly TimeSpan NudgeWindow = TimeSpan.FromHours(6);
    public const int AgeGapYears = 7;
    public const double NearbyKilometres = 10;

    public static ReplyMode Resolve(string? engage, IReadOnlyList<HistoryMessage> history, DateTimeOffset now) => engage switch
    {
        "ICEBREAKER" => ReplyMode.Icebreaker,
        "NUDGE" => ReplyMode.Nudge,
        "REVIVE" => ReplyMode.Revive,
        "AUTO" when history.Count == 0 => ReplyMode.Icebreaker,
        "AUTO" => now - history[^1].Date < NudgeWindow ? ReplyMode.Nudge : ReplyMode.Revive,
        _ => ReplyMode.Reply,
    };

    /// <summary>The icebreaker angle: a forced <c>icebreakerType</c> wins; <c>AUTO</c> (or none) reads the profiles.</summary>
    public static string IcebreakerAngle(string? icebreakerType, CustomerProfile user, CustomerProfile persona, double? profileDistance,
        DateTimeOffset now)
    {
        if (icebreakerType is { } forced && forced != "AUTO") return forced;
        if (string.IsNullOrWhiteSpace(user.MainPictureUrl)) return "NO_PHOTO";
        if (IsSparse(user)) return "MISSING_DETAIL";
        if (user.AgeAt(now) is { } userAge && persona.AgeAt(now) is { } personaAge)
        {
            if (personaAge - userAge >= AgeGapYears) return "MUCH_YOUNGER";
            if (userAge - personaAge >= AgeGapYears) return "MUCH_OLDER";
        }
        if (profileDistance is <= NearbyKilometres) return "NEARBY";
        return "GENERIC";
    }

    /// <summary>Sparse: no description and at most one of birthdate, city, features, interests.</summary>
    static bool IsSparse(CustomerProfile p)
    {
        if (!string.IsNullOrWhiteSpace(p.Description)) return false;
        var known = 0;
        if (p.Birthdate is not null) known++;
        if (!string.IsNullOrWhiteSpace(p.City)) known++;
        if (p.Raw["features"] is System.Text.Json.Nodes.JsonObject { Count: > 0 } features)
        {
            known++;
            if (features["interests"] is System.Text.Json.Nodes.JsonArray { Count: > 0 }) known++;
        }
        return known <= 1;
    }
}
