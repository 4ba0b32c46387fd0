using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using DumGum.Http;
using DumGum.Http.Validation;
using DumGum.Projects;
using DumGum.Storage;
using DumGum.Webhooks;
using DumGum.Memory;

namespace DumGum.Admin;

/// <summary>The documented Memory object as the admin API returns it (exactly the webhook's members and formats).</summary>
public sealed record MemoryResponse(
    string UniqueIdentifier,
    string Target,
    string Category,
    string Description,
    string? EventStartDate,
    string? EventEndDate,
    string SourceText,
    string Timestamp,
    IReadOnlyList<string> Tags)
{
    public static MemoryResponse From(MemoryItem m) => new(m.UniqueIdentifier, m.Target, m.Category, m.Description,
        MemoryStore.FormatDate(m.EventStartDate), MemoryStore.FormatDate(m.EventEndDate), m.SourceText, Events.FormatInstant(m.Timestamp), m.Tags);
}

public sealed record MemoryListResponse(string UserProfileId, string PersonaProfileId, IReadOnlyList<MemoryResponse> Items);

/// <summary>A memory written by the operator: PUT needs target, category and description; PATCH changes the members sent.</summary>
public sealed class MemoryWriteRequest
{
    /// <summary><c>USER</c> or <c>PERSONA</c>.</summary>
    public string? Target { get; init; }
    /// <summary>A documented category, <c>OTHER</c>, or any other UPPER_SNAKE_CASE name.</summary>
    public string? Category { get; init; }
    public string? Description { get; init; }
    /// <summary>YYYY-MM-DD, only with category EVENT.</summary>
    public string? EventStartDate { get; init; }
    public string? EventEndDate { get; init; }
    public string? SourceText { get; init; }
    /// <summary>At most 10.</summary>
    public IReadOnlyList<string>? Tags { get; init; }
}

/// <summary>What a user's erasure removed, per kind of record.</summary>
public sealed record UserErasureResponse(string UserProfileId, long Memories, long Answers, long Runs, long LogEntries,
    long PendingEnqueues, long UndeliveredEvents, long Bans, long CachedProfiles);

/// <summary>
/// The admin API of long-term memory (docs/memory.md, "Admin API"): a pair's memories, listed, written and deleted (each
/// change sent to the memory webhook like a run's), and the erasure of everything stored about one user.
/// </summary>
public static partial class MemoryAdmin
{
    /// <summary>Reason of a deletion made through the admin API or the dashboard.</summary>
    public const string OperatorReason = "Removed by the operator";

    public static void MapMemoryAdmin(this RouteGroupBuilder admin)
    {
        admin.MapGet("/projects/{id}/memories", List).WithName("ListMemories")
            .WithSummary("A user/persona pair's long-term memories, newest first, as the documented Memory objects.")
            .Produces<MemoryListResponse>().ProducesProblem(400).ProducesProblem(404);
        admin.MapPut("/projects/{id}/memories/{uniqueIdentifier}", Put).WithName("PutMemory")
            .WithSummary("Creates or replaces one memory of a pair; sent to the memory webhook when it changed something.")
            .DocumentsJsonBody<MemoryWriteRequest>().Produces<MemoryResponse>().ProducesProblem(400).ProducesProblem(404);
        admin.MapPatch("/projects/{id}/memories/{uniqueIdentifier}", Patch).WithName("PatchMemory")
            .WithSummary("Changes the members sent of one memory of a pair; sent to the memory webhook when it changed something.")
            .DocumentsJsonBody<MemoryWriteRequest>().Produces<MemoryResponse>().ProducesProblem(400).ProducesProblem(404);
        admin.MapDelete("/projects/{id}/memories/{uniqueIdentifier}", Delete).WithName("DeleteMemory")
            .WithSummary("Deletes one memory of a pair; sent to the memory webhook as a deletion.")
            .Produces(204).ProducesProblem(400).ProducesProblem(404);
        admin.MapDelete("/projects/{id}/users/{userProfileId}", Erase).WithName("EraseUser")
            .WithSummary("Erases everything stored about one user across all personas: memories, answers, runs, log entries, pending work, bans.")
            .Produces<UserErasureResponse>().ProducesProblem(404);
    }

    [GeneratedRegex("^[a-z0-9]+(_[a-z0-9]+)*$")]
    private static partial Regex SnakeCase();

    static Problem NotFound(string id) => Problem.NotFound($"There is no project {id}.");

    /// <summary>The project and pair of a request, or the problem: both ids are required query parameters.</summary>
    static (Project? Project, ConversationKey? Key, Problem? Problem) Pair(string id, string? userProfileId, string? personaProfileId,
        ProjectStore projects, string? uniqueIdentifier = null)
    {
        if (projects.Find(id) is not { } project) return (null, null, NotFound(id));
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(userProfileId)) errors["userProfileId"] = ["is required (query parameter)"];
        if (string.IsNullOrWhiteSpace(personaProfileId)) errors["personaProfileId"] = ["is required (query parameter)"];
        if (uniqueIdentifier is not null && (uniqueIdentifier.Length > 200 || !SnakeCase().IsMatch(uniqueIdentifier)))
            errors["uniqueIdentifier"] = ["must be snake_case (lowercase letters and digits joined by single underscores), at most 200 characters"];
        return errors.Count > 0 ? (null, null, Problem.Validation(errors)) : (project, new ConversationKey(id, userProfileId!, personaProfileId!), null);
    }

    static IResult List(string id, string? userProfileId, string? personaProfileId, ProjectStore projects, MemoryStore memories)
    {
        var (_, key, problem) = Pair(id, userProfileId, personaProfileId, projects);
        if (problem is not null) return problem;
        return Results.Ok(new MemoryListResponse(key!.UserProfileId, key.PersonaProfileId, [.. memories.List(key).Select(MemoryResponse.From)]));
    }

    static Task<IResult> Put(string id, string uniqueIdentifier, string? userProfileId, string? personaProfileId, HttpContext http,
        ProjectStore projects, MemoryEditor editor) => WriteAsync(id, uniqueIdentifier, userProfileId, personaProfileId, http, projects, editor, patch: false);

    static Task<IResult> Patch(string id, string uniqueIdentifier, string? userProfileId, string? personaProfileId, HttpContext http,
        ProjectStore projects, MemoryEditor editor) => WriteAsync(id, uniqueIdentifier, userProfileId, personaProfileId, http, projects, editor, patch: true);

    static async Task<IResult> WriteAsync(string id, string uniqueIdentifier, string? userProfileId, string? personaProfileId, HttpContext http,
        ProjectStore projects, MemoryEditor editor, bool patch)
    {
        var (project, key, problem) = Pair(id, userProfileId, personaProfileId, projects, uniqueIdentifier);
        if (problem is not null) return problem;
        var (body, bodyProblem) = await CheckedBody.ReadAsync(http, Rule(patch));
        if (bodyProblem is not null) return bodyProblem;
        var (saved, errors) = await editor.WriteAsync(project!, key!, uniqueIdentifier, body!, patch);
        if (errors is not null) return Problem.Validation(errors);
        return saved is null
            ? Problem.NotFound($"The pair {key!.UserProfileId} / {key.PersonaProfileId} has no memory {uniqueIdentifier}.")
            : Results.Ok(MemoryResponse.From(saved));
    }

    static async Task<IResult> Delete(string id, string uniqueIdentifier, string? userProfileId, string? personaProfileId,
        ProjectStore projects, MemoryEditor editor)
    {
        var (project, key, problem) = Pair(id, userProfileId, personaProfileId, projects, uniqueIdentifier);
        if (problem is not null) return problem;
        return await editor.DeleteAsync(project!, key!, uniqueIdentifier)
            ? Results.NoContent()
            : Problem.NotFound($"The pair {key!.UserProfileId} / {key.PersonaProfileId} has no memory {uniqueIdentifier}.");
    }

    static async Task<IResult> Erase(string id, string userProfileId, ProjectStore projects, MemoryEditor editor) =>
        projects.Find(id) is null ? NotFound(id) : Results.Ok(await editor.EraseUserAsync(id, userProfileId));

    /// <summary>The rules of a memory body (PUT: all required members; PATCH: only those sent), for the API and the dashboard.</summary>
    public static ObjectRule Rule(bool patch) => new(
        new Field("target", new EnumRule([MemoryTargets.User, MemoryTargets.Persona]), Required: !patch),
        new Field("category", new CategoryRule(), Required: !patch),
        new Field("description", new StringRule(1, 500), Required: !patch),
        new Field("eventStartDate", new DateRule()),
        new Field("eventEndDate", new DateRule()),
        new Field("sourceText", new TextRule(4000)),
        new Field("tags", new ArrayRule(new StringRule(1, 64), MemoryMerge.MaxTags)));

    /// <summary>A category: the documented ones and OTHER, or any other UPPER_SNAKE_CASE name (kept as it is).</summary>
    sealed class CategoryRule : JsonRule
    {
        public override JsonNode? Check(JsonElement value, string path, Errors errors)
        {
            if (value.ValueKind == JsonValueKind.String && value.GetString() is { } s && MemoryCategories.IsWellFormed(s)) return JsonValue.Create(s);
            errors.Add(path, $"must be UPPER_SNAKE_CASE, e.g. one of: {string.Join(", ", MemoryCategories.All)}");
            return null;
        }
    }

    sealed class DateRule : JsonRule
    {
        public override JsonNode? Check(JsonElement value, string path, Errors errors)
        {
            if (value.ValueKind == JsonValueKind.String
                && DateOnly.TryParseExact(value.GetString(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _))
                return JsonValue.Create(value.GetString());
            errors.Add(path, "must be a date as YYYY-MM-DD");
            return null;
        }
    }

    /// <summary>Free text that may span lines (a chat message), bounded.</summary>
    sealed class TextRule(int max) : JsonRule
    {
        public override JsonNode? Check(JsonElement value, string path, Errors errors)
        {
            if (value.ValueKind != JsonValueKind.String) { errors.Add(path, $"must be a string, not {Kind(value)}"); return null; }
            if (value.GetString()!.Length > max) { errors.Add(path, $"must be at most {max} characters long"); return null; }
            return JsonValue.Create(value.GetString());
        }
    }
}

/// <summary>
/// Operator changes to memory, shared by the admin API and the dashboard: each one is written with its memory webhook
/// event in one transaction, like a run's merge.
/// </summary>
public sealed class MemoryEditor(WriteQueue writes, MemoryStore memories, DeliveryDispatcher deliveries, TimeProvider clock)
{
    /// <summary>
    /// PUT (replace or create) or PATCH (change the members sent; null when there is no such memory). The errors name
    /// the field when the result breaks a rule only the whole memory can show (dates without EVENT, end before start).
    /// </summary>
    public async Task<(MemoryItem? Saved, IDictionary<string, string[]>? Errors)> WriteAsync(Project project, ConversationKey key,
        string uniqueIdentifier, JsonObject body, bool patch)
    {
        var current = memories.List(key).FirstOrDefault(m => m.UniqueIdentifier == uniqueIdentifier);
        if (patch && current is null) return (null, null);
        var category = (string?)body["category"] ?? current!.Category;
        var start = body.ContainsKey("eventStartDate") ? Date(body["eventStartDate"]) : patch ? current!.EventStartDate : null;
        var end = body.ContainsKey("eventEndDate") ? Date(body["eventEndDate"]) : patch ? current!.EventEndDate : null;
        var errors = new Dictionary<string, string[]>();
        if (category != MemoryCategories.Event && (start is not null || end is not null))
            errors[start is not null ? "eventStartDate" : "eventEndDate"] = ["is only used for category EVENT"];
        else if (start is not null && end is not null && end < start) errors["eventEndDate"] = ["must not be before eventStartDate"];
        if (errors.Count > 0) return (null, errors);
        var item = new MemoryItem
        {
            UniqueIdentifier = uniqueIdentifier,
            Target = (string?)body["target"] ?? current!.Target,
            Category = category,
            Description = (string?)body["description"] ?? current!.Description,
            EventStartDate = start, EventEndDate = end,
            SourceText = (string?)body["sourceText"] ?? current?.SourceText ?? "",
            Timestamp = clock.GetUtcNow(),
            Tags = body["tags"] is JsonArray tags ? [.. tags.Select(t => (string)t!)] : current?.Tags ?? [],
            // An operator's memory keeps the slot it had (so a later contradiction still replaces it).
            Slot = current?.Slot,
        };
        var (saved, emitted) = await writes.WriteAsync(w =>
        {
            var stored = MemoryStore.Load(w, key);
            var before = stored.FirstOrDefault(m => m.UniqueIdentifier == uniqueIdentifier);
            // Writing what is already there changes nothing: no write, no event (like a restated fact in a chat).
            if (before is not null && MemoryMerge.SameFact(before, item) && before.SourceText == item.SourceText) return (before, new List<Delivery>());
            var change = new MemoryChange([item], [], [item, .. stored.Where(m => m.UniqueIdentifier != uniqueIdentifier)]);
            MemoryStore.Save(w, key, change);
            return (item, Emit(w, project, key, change));
        });
        deliveries.Enqueue(emitted);
        return (saved, null);
    }

    public async Task<bool> DeleteAsync(Project project, ConversationKey key, string uniqueIdentifier)
    {
        var (found, emitted) = await writes.WriteAsync(w =>
        {
            if (!MemoryStore.Delete(w, key, uniqueIdentifier)) return (false, new List<Delivery>());
            var change = new MemoryChange([], [new DeletedMemory(uniqueIdentifier, MemoryAdmin.OperatorReason)], MemoryStore.Load(w, key));
            return (true, Emit(w, project, key, change));
        });
        deliveries.Enqueue(emitted);
        return found;
    }

    List<Delivery> Emit(WriteQueue.Writer w, Project project, ConversationKey key, MemoryChange change)
    {
        if (change.IsEmpty || project.Config.MemoryWebhookUrl is null) return [];
        // The event travels in the conversation's memory lane, after what its runs sent; a pair that never chatted gets its row now.
        var conversationId = w.Command("""
                INSERT INTO conversations(project_id, user_profile_id, persona_profile_id) VALUES(@p, @u, @s)
                ON CONFLICT(project_id, user_profile_id, persona_profile_id) DO NOTHING RETURNING id
                """)
            .With("@p", key.ProjectId).With("@u", key.UserProfileId).With("@s", key.PersonaProfileId).ExecuteScalar().AsInt64()
            ?? (long)w.Command("SELECT id FROM conversations WHERE project_id = @p AND user_profile_id = @u AND persona_profile_id = @s")
                .With("@p", key.ProjectId).With("@u", key.UserProfileId).With("@s", key.PersonaProfileId).ExecuteScalar()!;
        return MemoryEvents.Emit(w, Projects.PlaygroundRouting.For(project, key.UserProfileId), conversationId, key, 0, change, clock.GetUtcNow()) is { } d ? [d] : [];
    }

    static DateOnly? Date(JsonNode? node) =>
        node is null ? null : DateOnly.ParseExact((string)node!, "yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>
    /// Erases one user of a project across all personas (docs/memory.md, "Erasing a user"). The user's conversations
    /// keep only their bare row (ids and lease), and their lease token moves on, so a run in flight cannot write its
    /// outcome afterwards: it finds nothing left to serve.
    /// </summary>
    public Task<UserErasureResponse> EraseUserAsync(string projectId, string userProfileId) => writes.WriteAsync(w =>
    {
        long Run(string sql) => w.Command(sql).With("@p", projectId).With("@u", userProfileId).ExecuteNonQuery();
        const string Conversations = "(SELECT id FROM conversations WHERE project_id = @p AND user_profile_id = @u)";
        var memoryRows = Run("DELETE FROM memories WHERE project_id = @p AND user_profile_id = @u");
        var answers = Run($"DELETE FROM answers WHERE project_id = @p AND conversation_id IN {Conversations}");
        var runs = Run("DELETE FROM runs WHERE project_id = @p AND user_profile_id = @u");
        var logs = Run("DELETE FROM call_logs WHERE project_id = @p AND user_profile_id = @u");
        var enqueues = Run($"DELETE FROM enqueues WHERE conversation_id IN {Conversations}");
        var events = Run($"DELETE FROM deliveries WHERE status = 'pending' AND project_id = @p AND conversation_id IN {Conversations}");
        // Sent and given-up events go too: their bodies hold the answers' text (the Response explorer shows them).
        Run($"DELETE FROM deliveries WHERE project_id = @p AND conversation_id IN {Conversations}");
        var bans = Run("DELETE FROM bans WHERE project_id = @p AND user_profile_id = @u");
        var profiles = Run("DELETE FROM profiles WHERE project_id = @p AND profile_id = @u");
        Run("UPDATE conversations SET lease_token = lease_token + 1, lease_owner = NULL, lease_until = NULL WHERE project_id = @p AND user_profile_id = @u");
        return new UserErasureResponse(userProfileId, memoryRows, answers, runs, logs, enqueues, events, bans, profiles);
    });
}
