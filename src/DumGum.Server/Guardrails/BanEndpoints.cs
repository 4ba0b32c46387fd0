using DumGum.Http;
using DumGum.Http.Validation;
using DumGum.Projects;

namespace DumGum.Guardrails;

/// <summary>The admin routes of bans: list a project's active bans, lift one (docs/behaviour.md, "Guardrails, stop reasons and bans").</summary>
public static class BanEndpoints
{
    public static RouteGroupBuilder MapBanAdmin(this RouteGroupBuilder group)
    {
        ArgumentNullException.ThrowIfNull(group);
        group.MapGet("/projects/{id}/bans", List)
            .WithName("ListBans")
            .WithSummary("A project's active bans, newest offence first, paged by limit (1–1000, default 100) and the after cursor (nextAfter).")
            .Produces<BanListDocument>()
            .ProducesProblem(400).ProducesProblem(404);
        group.MapDelete("/projects/{id}/bans/{banId}", Lift)
            .WithName("LiftBan")
            .WithSummary("Lifts a ban at once on every node and resets that reason's offence counter.")
            .Produces(204)
            .ProducesProblem(404);
        return group;
    }

    static IResult List(string id, ProjectStore projects, BanAdmin bans, string? limit, string? after, string? userProfileId,
        string? personaProfileId)
    {
        if (projects.Find(id) is null) return Problem.NotFound($"There is no project {id}.");
        var errors = new Dictionary<string, string[]>();
        var take = Paging.Limit(limit, errors);
        if (after is not null && !BanAdmin.IsValidCursor(after))
            errors["after"] = ["must be the nextAfter of the previous page"];
        if (errors.Count > 0) return Problem.Validation(errors);
        var page = bans.ListActive(id, take, after, Empty(userProfileId), Empty(personaProfileId));
        return Results.Ok(new BanListDocument(page.Items, page.NextAfter));
    }

    static async Task<IResult> Lift(string id, string banId, ProjectStore projects, BanAdmin bans) =>
        projects.Find(id) is null ? Problem.NotFound($"There is no project {id}.")
        : await bans.LiftAsync(id, banId) ? Results.NoContent()
        : Problem.NotFound($"Project {id} has no ban {banId}.");

    static string? Empty(string? s) => string.IsNullOrEmpty(s) ? null : s;
}

/// <summary>A page of bans as the admin API answers it.</summary>
public sealed record BanListDocument(IReadOnlyList<BanEntry> Items, string? NextAfter);
