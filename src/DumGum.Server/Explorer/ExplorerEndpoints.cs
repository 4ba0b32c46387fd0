using System.Globalization;
using DumGum.Http;
using DumGum.Projects;
using DumGum.Webhooks;

namespace DumGum.Explorer;

/// <summary>
/// The admin API of the Response explorer and the Usage page (docs/dashboard-data.md): the same <see cref="RunStore"/>
/// and <see cref="UsageStore"/> calls as the dashboard pages, under the admin group (admin token).
/// </summary>
public static class ExplorerEndpoints
{
    static readonly string[] Outcomes = [RunRecord.Answer, RunRecord.Drop];
    static readonly string[] DropReasonValues = [DropReasons.Timeout, DropReasons.GenerationFailed, DropReasons.CustomerEndpointFailed, DropReasons.InvalidProfile];

    public static void MapExplorer(this RouteGroupBuilder admin)
    {
        admin.MapGet("/projects/{id}/runs", Runs).WithName("ListRuns")
            .WithSummary("Finished runs, newest first, with filters; page backwards with before=nextBefore.")
            .Produces<RunPage>().ProducesProblem(400).ProducesProblem(404);
        admin.MapGet("/projects/{id}/runs/{runId}", Run).WithName("GetRun")
            .WithSummary("One run: its answer parts, the prompt itemisation, every event sent and each delivery attempt.")
            .Produces<RunDetail>().ProducesProblem(404);
        admin.MapGet("/projects/{id}/answers/{answerId}/run", RunOfAnswer).WithName("GetRunOfAnswer")
            .WithSummary("The run that sent an answer (any of its parts), as GetRun.")
            .Produces<RunDetail>().ProducesProblem(404);
        admin.MapGet("/projects/{id}/usage", Usage).WithName("GetUsage")
            .WithSummary("Usage per hour or UTC day: answers, drops by reason, tokens, cost, time to answer p50/p95, customer errors.")
            .Produces<UsageSeries>().ProducesProblem(400).ProducesProblem(404);
        admin.MapGet("/projects/{id}/usage.csv", UsageCsv).WithName("GetUsageCsv")
            .WithSummary("The usage series as CSV, one line per hour or day.")
            .Produces<string>(200, "text/csv").ProducesProblem(400).ProducesProblem(404);
    }

    static IResult Runs(string id, ProjectStore projects, RunStore runs, string? userProfileId, string? personaProfileId,
        string? outcome, string? stopReason, string? dropReason, string? model, string? testMode, string? since, string? until,
        string? before, string? limit)
    {
        if (projects.Find(id) is null) return NotFound(id);
        var errors = new Dictionary<string, string[]>();
        var take = 50;
        if (limit is not null && (!int.TryParse(limit, CultureInfo.InvariantCulture, out take) || take is < 1 or > RunQuery.MaxLimit))
            errors["limit"] = [$"must be an integer from 1 to {RunQuery.MaxLimit}"];
        if (outcome is not null && !Outcomes.Contains(outcome)) errors["outcome"] = [$"must be one of: {string.Join(", ", Outcomes)}"];
        if (dropReason is not null && !DropReasonValues.Contains(dropReason))
            errors["dropReason"] = [$"must be one of: {string.Join(", ", DropReasonValues)}"];
        bool? test = null;
        if (testMode is not null)
        {
            if (bool.TryParse(testMode, out var t)) test = t;
            else errors["testMode"] = ["must be true or false"];
        }
        var sinceTime = Time(since, "since", errors);
        var untilTime = Time(until, "until", errors);
        long? beforeId = null;
        if (before is not null)
        {
            if (long.TryParse(before, CultureInfo.InvariantCulture, out var b)) beforeId = b;
            else errors["before"] = ["must be a run id (the nextBefore of the previous page)"];
        }
        if (errors.Count > 0) return Problem.Validation(errors);
        return Results.Ok(runs.Query(new RunQuery(id)
        {
            UserProfileId = userProfileId, PersonaProfileId = personaProfileId, Outcome = outcome, StopReason = stopReason,
            DropReason = dropReason, Model = model, TestMode = test, Since = sinceTime, Until = untilTime, Before = beforeId, Limit = take,
        }));
    }

    static IResult Run(string id, string runId, ProjectStore projects, RunStore runs)
    {
        if (projects.Find(id) is null) return NotFound(id);
        return long.TryParse(runId, CultureInfo.InvariantCulture, out var run) && runs.Find(id, run) is { } found
            ? Results.Ok(found)
            : Problem.NotFound($"Project {id} has no run {runId}.");
    }

    static IResult RunOfAnswer(string id, string answerId, ProjectStore projects, RunStore runs)
    {
        if (projects.Find(id) is null) return NotFound(id);
        return runs.FindRunIdByAnswer(id, answerId) is { } run && runs.Find(id, run) is { } found
            ? Results.Ok(found)
            : Problem.NotFound($"Project {id} has no run that sent answer {answerId}.");
    }

    static IResult Usage(string id, ProjectStore projects, UsageStore usage, TimeProvider clock, string? from, string? to, string? granularity) =>
        (IResult?)Series(id, projects, usage, clock, from, to, granularity, out var series) ?? Results.Ok(series);

    static IResult UsageCsv(string id, ProjectStore projects, UsageStore usage, TimeProvider clock, string? from, string? to, string? granularity) =>
        (IResult?)Series(id, projects, usage, clock, from, to, granularity, out var series)
        ?? Results.Text(UsageStore.ToCsv(series!), "text/csv; charset=utf-8");

    /// <summary>
    /// Reads the range (ISO-8601; <c>to</c> defaults to now, <c>from</c> to 24 hours before <c>to</c> by the hour, 30
    /// days by the day) and the granularity (<c>hour</c>, the default, or <c>day</c>); a problem names the bad parameter.
    /// </summary>
    static Problem? Series(string id, ProjectStore projects, UsageStore usage, TimeProvider clock, string? from, string? to,
        string? granularity, out UsageSeries? series)
    {
        series = null;
        if (projects.Find(id) is null) return NotFound(id);
        var errors = new Dictionary<string, string[]>();
        var step = UsageGranularity.Hour;
        if (granularity is "day") step = UsageGranularity.Day;
        else if (granularity is not (null or "hour")) errors["granularity"] = ["must be hour or day"];
        var fromTime = Time(from, "from", errors);
        var toTime = Time(to, "to", errors) ?? clock.GetUtcNow();
        if (errors.Count > 0) return Problem.Validation(errors);
        var start = fromTime ?? toTime - (step == UsageGranularity.Hour ? TimeSpan.FromHours(24) : TimeSpan.FromDays(30));
        var max = step == UsageGranularity.Hour ? UsageStore.MaxHourlyRange : UsageStore.MaxDailyRange;
        if (start >= toTime) return Problem.Field("from", "must be before to");
        if (toTime - start > max) return Problem.Field("from", $"the range may span at most {max.TotalDays} days with granularity {step.ToString().ToLowerInvariant()}");
        try
        {
            series = usage.Series(id, start, toTime, step);
            return null;
        }
        catch (ArgumentException ex)
        {
            // Widening to whole hours or days can just tip a range over the maximum.
            return Problem.Field("from", ex.Message);
        }
    }

    static DateTimeOffset? Time(string? value, string name, Dictionary<string, string[]> errors)
    {
        if (value is null) return null;
        if (DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t)) return t;
        errors[name] = ["must be an ISO-8601 date-time"];
        return null;
    }

    static Problem NotFound(string id) => Problem.NotFound($"There is no project {id}.");
}
