using DumGum.AccessKeys;
using DumGum.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace DumGum.Conversations;

public static class EnqueueEndpoints
{
    /// <summary>Maps enqueue on the content-creation group, which has checked the access key already.</summary>
    public static void MapEnqueue(this RouteGroupBuilder group)
    {
        group.MapGatedJsonPost<EnqueueRequestDocument>("/conversations/enqueue", Enqueue, 409, 503)
            .WithName("content-creation-conversation-enqueue")
            .WithSummary("Enqueue a conversation")
            .WithDescription("Accepts the request (204 after a durable commit); the reply arrives as webhook events.");
    }

    static async Task<Results<NoContent, Problem>> Enqueue(HttpContext http, ConversationEnqueuer enqueuer)
    {
        var (document, problem) = await JsonBody.ReadAsync(http.Request, EnqueueSchema.MaxBodyBytes, http.RequestAborted);
        if (problem is not null) return problem;
        using (document)
        {
            if (await enqueuer.EnqueueAsync(http.CallerProject(), document!.RootElement) is { } refused) return refused;
        }
        return TypedResults.NoContent();
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
