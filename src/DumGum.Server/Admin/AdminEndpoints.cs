using System.Globalization;
using System.Text.Json.Nodes;
using DumGum.AccessKeys;
using DumGum.Conversations;
using DumGum.Customers;
using DumGum.Explorer;
using DumGum.Guardrails;
using DumGum.Http;
using DumGum.Http.Validation;
using DumGum.Memory;
using DumGum.Playground;
using DumGum.Projects;
using DumGum.Webhooks;
using Microsoft.Extensions.Options;

namespace DumGum.Admin;

/// <summary>The operator's API: projects, their access keys and their logs. Every route needs the admin token.</summary>
public static class AdminEndpoints
{
    public static RouteGroupBuilder MapAdmin(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/admin/v1").WithTags("admin");
        group.AddEndpointFilter(async (context, next) =>
            context.HttpContext.RequestServices.GetRequiredService<AdminAuth>().Check(context.HttpContext.Request) is { } denied
                ? denied : await next(context));

        group.MapGet("/projects", ListProjects)
            .WithName("ListProjects")
            .WithSummary("Projects, oldest first, paged by limit (1–1000, default 100) and the after cursor (nextAfter, a project id).")
            .Produces<ProjectListResponse>().ProducesProblem(400);
        group.MapPost("/projects", CreateProject).WithName("CreateProject").WithSummary("Creates a project; its settings are checked as they are saved.")
            .DocumentsJsonBody<ProjectCreateRequest>().Produces<ProjectResponse>(201).ProducesProblem(400);
        group.MapGet("/projects/{id}", (string id, ProjectStore projects) =>
            projects.Find(id) is { } p ? Results.Ok(ToJson(p)) : NotFound(id))
            .WithName("GetProject").WithSummary("One project with its settings and webhook secret.").Produces<ProjectResponse>().ProducesProblem(404);
        group.MapPatch("/projects/{id}", UpdateProject).WithName("UpdateProject").WithSummary("Changes the members sent; rotates the webhook secret on request.")
            .DocumentsJsonBody<ProjectPatchRequest>().Produces<ProjectResponse>().ProducesProblem(400).ProducesProblem(404);

        group.MapPost("/projects/{id}/access-keys", CreateKey).WithName("CreateAccessKey").WithSummary("Creates an access key; the key is shown in this answer only.")
            .DocumentsJsonBody<AccessKeyCreateRequest>().Produces<AccessKeyCreatedResponse>(201).ProducesProblem(400).ProducesProblem(404);
        group.MapGet("/projects/{id}/access-keys", (string id, ProjectStore projects, AccessKeyStore keys) =>
            projects.Find(id) is null ? NotFound(id) : Results.Ok(new AccessKeyListResponse([.. keys.List(id).Select(KeyJson)])))
            .WithName("ListAccessKeys").WithSummary("The project's access keys (hints only, never the keys).").Produces<AccessKeyListResponse>().ProducesProblem(404);
        group.MapDelete("/projects/{id}/access-keys/{keyId}", async (string id, string keyId, ProjectStore projects, AccessKeyStore keys, CancellationToken ct) =>
            projects.Find(id) is null ? NotFound(id)
            : await keys.RevokeAsync(id, keyId, ct) ? Results.NoContent()
            : Problem.NotFound($"Project {id} has no access key {keyId}."))
            .WithName("RevokeAccessKey").WithSummary("Revokes an access key at once.").Produces(204).ProducesProblem(404);

        group.MapGet("/projects/{id}/logs", Logs).WithName("ListLogs")
            .WithSummary("Every call to the customer's endpoints, newest first, with filters; page backwards with before=nextBefore.")
            .Produces<LogPageResponse>().ProducesProblem(400).ProducesProblem(404);
        group.MapGet("/projects/{id}/answers/{answerId}", (string id, string answerId, ProjectStore projects, AnswerStore answers) =>
            projects.Find(id) is null ? NotFound(id)
            : answers.Find(id, answerId) is { } found ? Results.Text(found.ToJsonString(), "application/json")
            : Problem.NotFound($"Project {id} has no answer {answerId}."))
            .WithName("GetAnswer").WithSummary("One answer as answer.created carried it, with the prompt itemisation.")
            .Produces<AnswerRecordResponse>().ProducesProblem(404);
        group.MapExplorer();
        group.MapBanAdmin();
        group.MapEndpointTest();
        group.MapPlaygroundAdmin();
        group.MapMemoryAdmin();
        group.MapStatus();
        return group;
    }

    static Problem NotFound(string id) => Problem.NotFound($"There is no project {id}.");

    static IResult ListProjects(ProjectStore projects, string? limit, string? after)
    {
        var errors = new Dictionary<string, string[]>();
        var take = Paging.Limit(limit, errors);
        if (after is not null && projects.Find(after) is null) errors["after"] = ["must be a project id (the nextAfter of the previous page)"];
        if (errors.Count > 0) return Problem.Validation(errors);
        var page = projects.Page(take, after);
        return Results.Ok(new ProjectListResponse([.. page.Items.Select(ToJson)], page.NextAfter));
    }

    static async Task<IResult> CreateProject(HttpContext http, ProjectAdmin admin)
    {
        var (document, problem) = await JsonBody.ReadAsync(http.Request, 256 * 1024, http.RequestAborted);
        if (problem is not null) return problem;
        using (document)
        {
            var change = await admin.CreateAsync(document!.RootElement, http.RequestAborted);
            return change.Project is { } project
                ? Results.Created($"/admin/v1/projects/{project.Id}", ToJson(project))
                : Problem.Validation(change.Errors!);
        }
    }

    static async Task<IResult> UpdateProject(string id, HttpContext http, ProjectStore projects, ProjectAdmin admin)
    {
        if (projects.Find(id) is not { } project) return NotFound(id);
        var (document, problem) = await JsonBody.ReadAsync(http.Request, 256 * 1024, http.RequestAborted);
        if (problem is not null) return problem;
        using (document)
        {
            var change = await admin.UpdateAsync(project, document!.RootElement, http.RequestAborted);
            return change.Project is { } updated ? Results.Ok(ToJson(updated)) : Problem.Validation(change.Errors!);
        }
    }

    static async Task<IResult> CreateKey(string id, HttpContext http, ProjectStore projects, AccessKeyStore keys)
    {
        if (projects.Find(id) is null) return NotFound(id);
        var (body, problem) = await CheckedBody.ReadAsync(http, ProjectRules.NewKey);
        if (problem is not null) return problem;
        var (info, key) = await keys.CreateAsync(id, (string)body!["name"]!, http.RequestAborted);
        return Results.Created($"/admin/v1/projects/{id}/access-keys/{info.Id}",
            new AccessKeyCreatedResponse(info.Id, info.Name, key, info.Hint, info.CreatedAt));
    }

    static IResult Logs(string id, ProjectStore projects, CallLog callLog, string? kind, string? status, string? userProfileId,
        string? personaProfileId, string? since, string? until, string? before, string? limit)
    {
        if (projects.Find(id) is null) return NotFound(id);
        var errors = new Dictionary<string, string[]>();
        var take = 100;
        if (limit is not null && (!int.TryParse(limit, CultureInfo.InvariantCulture, out take) || take is < 1 or > 1000))
            errors["limit"] = ["must be an integer from 1 to 1000"];
        string[] kinds = [CallLog.Profile, CallLog.History, CallLog.Incoming, Replies.Vision.VisionLink.LogKind, CallLog.MemoryWebhook];
        if (kind is not null && !kinds.Contains(kind)) errors["kind"] = [$"must be one of: {string.Join(", ", kinds)}"];
        if (status is not null && status is not ("ok" or "error") && !int.TryParse(status, CultureInfo.InvariantCulture, out _))
            errors["status"] = ["must be ok, error or an HTTP status code"];
        DateTimeOffset? sinceTime = null;
        if (since is not null)
        {
            if (DateTimeOffset.TryParse(since, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t)) sinceTime = t;
            else errors["since"] = ["must be an ISO-8601 date-time"];
        }
        DateTimeOffset? untilTime = null;
        if (until is not null)
        {
            if (DateTimeOffset.TryParse(until, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t)) untilTime = t;
            else errors["until"] = ["must be an ISO-8601 date-time"];
        }
        long? beforeId = null;
        if (before is not null)
        {
            if (long.TryParse(before, CultureInfo.InvariantCulture, out var b)) beforeId = b;
            else errors["before"] = ["must be a log entry id (the nextBefore of the previous page)"];
        }
        if (errors.Count > 0) return Problem.Validation(errors);
        var items = callLog.Query(new CallLogQuery(id, kind, status, userProfileId, personaProfileId, sinceTime, beforeId, take) { Until = untilTime });
        return Results.Ok(new LogPageResponse(items, items.Count == take ? items[^1].Id : null));
    }

    static ProjectResponse ToJson(Project p) => ProjectResponse.From(p);

    static AccessKeyResponse KeyJson(AccessKeyInfo k) => new(k.Id, k.Name, k.Hint, k.CreatedAt, k.LastUsedAt, k.RevokedAt);
}
