using DumGum.AccessKeys;
using DumGum.Guardrails;
using DumGum.Http;
using DumGum.Storage;

namespace DumGum.Conversations;

public static class EnqueueEndpoints
{
    public static RouteGroupBuilder MapContentCreation(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/cs/v1/content_creation").WithTags("content-creation");
        group.MapPost("/conversations/enqueue", Enqueue)
            .WithName("content-creation-conversation-enqueue")
            .WithSummary("Enqueue a conversation")
            .WithDescription("Accepts the request (204 after a durable commit); the reply arrives as webhook events.")
            .DocumentsJsonBody<EnqueueRequestDocument>()
            .Produces(StatusCodes.Status204NoContent)
            .ProducesProblem(400).ProducesProblem(401).ProducesProblem(409).ProducesProblem(413).ProducesProblem(415).ProducesProblem(429).ProducesProblem(503);
        return group;
    }

    static async Task<IResult> Enqueue(HttpContext http, AccessKeyAuth auth, EnqueueSchema schema, ConversationStore store,
        ConversationScheduler scheduler, BanLedger bans, TimeProvider clock, DumGumMetrics metrics)
    {
        var (project, denied) = auth.Authorize(http.Request);
        if (denied is not null) return denied;
        var (document, problem) = await JsonBody.ReadAsync(http.Request, EnqueueSchema.MaxBodyBytes, http.RequestAborted);
        if (problem is not null) return problem;
        using (document)
        {
            if (schema.Validate(document!.RootElement, out var errors) is not { } request) return Problem.Validation(errors);
            // A conversation under an active ban takes nothing new (decisions §3): 409 with the reason and the end.
            if (bans.Find(project!.Id, request.UserProfileId, request.PersonaProfileId, clock.GetUtcNow()) is { } ban)
                return BanLedger.ToProblem(ban);
            var parameters = ReplySettings.Merge(request.ReplyParameters, project.Config.DefaultReplyParameters);
            var key = new ConversationKey(project.Id, request.UserProfileId, request.PersonaProfileId);
            try
            {
                var accepted = await store.AcceptAsync(key, request.Canonical.ToJsonString(),
                    ReplySettings.BufferSeconds(parameters), ReplySettings.MaxProcessingTimeSeconds(parameters));
                scheduler.Accepted(accepted);
                metrics.Enqueued();
                return Results.NoContent();
            }
            catch (WriterBusyException)
            {
                // Durable accepting is behind its bound (docs/behaviour.md, "Overload"): refuse clearly, store nothing.
                return new Problem
                {
                    Status = 503, Slug = "overloaded", Title = "Too many requests are waiting to be stored",
                    Detail = "The server is accepting requests slower than they arrive; nothing was stored. Retry after the number of seconds in Retry-After.",
                    Headers = new Dictionary<string, string> { ["Retry-After"] = "1" },
                };
            }
            catch (StorageUnavailableException ex)
            {
                return Problem.Unavailable($"The request was not stored: {ex.Message}. Retry later.");
            }
        }
    }
}

/// <summary>
/// The enqueue body as the OpenAPI document describes it (the handler itself validates the raw JSON). Only the three
/// documented members are required; a class with init properties, so the others are listed as optional.
/// </summary>
public sealed class EnqueueRequestDocument
{
    public required string UserProfileId { get; init; }
    public required string PersonaProfileId { get; init; }
    public required string Language { get; init; }
    public IReadOnlyList<string>? AdditionalLanguages { get; init; }
    public string? UserProfileVersion { get; init; }
    public string? PersonaProfileVersion { get; init; }
    public Dictionary<string, object?>? Tags { get; init; }
    public bool? TestMode { get; init; }
    public Dictionary<string, object?>? ReplyParameters { get; init; }
}
