using DumGum.AccessKeys;
using DumGum.Http;

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

    static async Task<IResult> Enqueue(HttpContext http, AccessKeyAuth auth, ConversationEnqueuer enqueuer)
    {
        var (project, denied) = auth.Authorize(http.Request);
        if (denied is not null) return denied;
        var (document, problem) = await JsonBody.ReadAsync(http.Request, EnqueueSchema.MaxBodyBytes, http.RequestAborted);
        if (problem is not null) return problem;
        using (document)
            return await enqueuer.EnqueueAsync(project!, document!.RootElement) ?? Results.NoContent();
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
