using System.Globalization;
using DumGum.Explorer;
using DumGum.Projects;

namespace DumGum.Dashboard;

/// <summary>
/// The Usage page's range, read from its address (text, never typed binding, so a bad value is a message, not a 500):
/// <c>from</c> and <c>to</c> as UTC dates (both days included) or ISO-8601 instants (<c>to</c> then exclusive), and
/// <c>granularity</c> <c>hour</c> or <c>day</c>. The default is the last 7 days (today included) by the day.
/// The page and its CSV download read it the same way, so the file holds exactly the numbers on the page.
/// </summary>
public sealed record UsageRange(DateTimeOffset Start, DateTimeOffset End, UsageGranularity Granularity, string From, string To)
{
    public const int DefaultDays = 7;

    /// <summary>The range, or null with the messages by field (<c>from</c>, <c>to</c>, <c>granularity</c>).</summary>
    public static UsageRange? Parse(string? from, string? to, string? granularity, DateTimeOffset now, Dictionary<string, string[]> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        var step = UsageGranularity.Day;
        granularity = string.IsNullOrWhiteSpace(granularity) ? null : granularity.Trim().ToLowerInvariant();
        if (granularity == "hour") step = UsageGranularity.Hour;
        else if (granularity is not (null or "day")) errors["granularity"] = ["must be hour or day"];

        var today = new DateTimeOffset(now.UtcDateTime.Date, TimeSpan.Zero);
        var end = Instant(to, "to", exclusiveEnd: true, errors) ?? today.AddDays(1);
        var start = Instant(from, "from", exclusiveEnd: false, errors) ?? end.AddDays(-DefaultDays);
        if (errors.Count > 0) return null;
        if (start >= end)
        {
            errors["to"] = ["must not be before From"];
            return null;
        }
        var max = step == UsageGranularity.Hour ? UsageStore.MaxHourlyRange : UsageStore.MaxDailyRange;
        // The store widens the range to whole hours or days; check the widened one so its refusal never surprises.
        var stepTicks = (step == UsageGranularity.Hour ? TimeSpan.FromHours(1) : TimeSpan.FromDays(1)).Ticks;
        var widenedStart = start.UtcTicks - start.UtcTicks % stepTicks;
        var widenedEnd = end.UtcTicks + (stepTicks - end.UtcTicks % stepTicks) % stepTicks;
        if (TimeSpan.FromTicks(widenedEnd - widenedStart) > max)
        {
            errors["from"] = [$"must be at most {max.TotalDays.ToString(CultureInfo.InvariantCulture)} days before To when showing {(step == UsageGranularity.Hour ? "hours" : "days")}"];
            return null;
        }
        return new UsageRange(start, end, step, Text(from) ?? Date(start), Text(to) ?? Date(end.AddDays(-1)));
    }

    static string? Text(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    static string Date(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>A date means the whole UTC day: from its start, or (as the end of the range) up to the next day.</summary>
    static DateTimeOffset? Instant(string? value, string field, bool exclusiveEnd, Dictionary<string, string[]> errors)
    {
        if (Text(value) is not { } text) return null;
        if (DateTime.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var day))
            return new DateTimeOffset(day, TimeSpan.Zero).AddDays(exclusiveEnd ? 1 : 0);
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var t)
            && t.Year is > 1970 and < 9999)
            return t;
        errors[field] = ["must be a date (yyyy-mm-dd) or an ISO-8601 date and time"];
        return null;
    }

    /// <summary>
    /// <c>GET /dashboard/projects/{id}/usage.csv?from=&amp;to=&amp;granularity=</c>: the page's series as a CSV download
    /// (<see cref="UsageStore.ToCsv"/>, as the admin API's). Needs the session like every dashboard page.
    /// </summary>
    public static IResult Csv(string projectId, ProjectStore projects, UsageStore usage, TimeProvider clock, string? from, string? to, string? granularity)
    {
        if (projects.Find(projectId) is null) return Http.Problem.NotFound($"There is no project {projectId}.");
        var errors = new Dictionary<string, string[]>();
        if (Parse(from, to, granularity, clock.GetUtcNow(), errors) is not { } range) return Http.Problem.Validation(errors);
        var series = usage.Series(projectId, range.Start, range.End, range.Granularity);
        var name = $"usage-{projectId}-{Date(series.From)}-{Date(series.To.AddTicks(-1))}-{range.Granularity.ToString().ToLowerInvariant()}.csv";
        return Results.File(System.Text.Encoding.UTF8.GetBytes(UsageStore.ToCsv(series)), "text/csv; charset=utf-8", name);
    }
}
