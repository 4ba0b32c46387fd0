using DumGum.AccessKeys;
using DumGum.Conversations;
using DumGum.Http.Validation;
using DumGum.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace DumGum.Suggestions;

/// <summary>
/// <c>POST …/suggestion</c>: three messages the user could send, in the HTTP response. Profiles and messages are sent
/// inline, so no customer endpoint is ever called, and no event is sent.
/// </summary>
public static class SuggestionEndpoints
{
    /// <summary>Maps the suggestion endpoint on the content-creation group, which has checked the access key already.</summary>
    public static void MapSuggestion(this RouteGroupBuilder group)
    {
        group.MapGatedJsonPost<IcebreakerSuggestionRequest>("/suggestion", Suggest, 502, 504)
            .WithName("content-creation-suggestion-generate")
            .WithSummary("Generate suggestions")
            .WithDescription("Three messages the user could send to the persona, in the request's language: ICEBREAKER when " +
                             "messages is empty, FOLLOW_UP otherwise. No customer endpoint is called and no event is sent.");
    }

    static async Task<Results<JsonText<SuggestionResponse>, Problem, EmptyHttpResult>> Suggest(HttpContext http,
        SuggestionWriter writer, TimeProvider clock, ILogger<SuggestionWriter> log)
    {
        var project = http.CallerProject();
        var (request, problem) = await CheckedBody.ReadAsync<SuggestionRequest>(http, EnqueueSchema.MaxBodyBytes, SuggestionSchema.Validate);
        if (request is null) return problem!;
        return await WithinDeadline.RespondAsync<SuggestionResponse>(http, SuggestionWriter.Timeout, clock,
            async deadline => (await writer.WriteAsync(request, project.Id, deadline)).ToJson().ToJsonString(),
            () => new Problem
            {
                Status = 504, Slug = "suggestion-timeout", Title = "The suggestions took too long",
                Detail = $"No suggestions were written within {SuggestionWriter.Timeout.TotalSeconds:0} s. Retry later.",
            },
            ex =>
            {
                if (ex is not SuggestionFailedException) return null;
                log.LogWarning(ex, "Project {ProjectId}: suggestions failed", project.Id);
                return new Problem
                {
                    Status = 502, Slug = "suggestion-failed", Title = "The suggestions could not be written",
                    Detail = "The model could not be reached or failed; nothing was charged. Retry later.",
                };
            });
    }
}


// The bodies as the OpenAPI document describes them (the handler validates the raw JSON itself), with the documented
// schema names (IcebreakerSuggestionRequest, SuggestionResponse). Classes with init properties, so that only the
// `required` members are listed as required.

/// <summary>A SuggestionMessage (docs/behaviour.md, "Synchronous endpoints").</summary>
public sealed class SuggestionMessageDocument
{
    /// <summary>USER (the person the suggestions are for) | PERSONA</summary>
    public required string Role { get; init; }
    public string? Content { get; init; }
    public DateTimeOffset? CreatedAt { get; init; }
}

public sealed class IcebreakerSuggestionRequest
{
    public required ProfileDocument UserProfile { get; init; }
    public required ProfileDocument PersonaProfile { get; init; }
    public required string Language { get; init; }
    /// <summary>Oldest first; empty or missing = ICEBREAKER.</summary>
    public IReadOnlyList<SuggestionMessageDocument>? Messages { get; init; }
    public bool? TestMode { get; init; }
}

public sealed class SuggestionDocument
{
    public required string Text { get; init; }
}

/// <summary><c>mode</c> is ICEBREAKER or FOLLOW_UP; always three suggestions.</summary>
public sealed class SuggestionResponse
{
    public required string Mode { get; init; }
    public required IReadOnlyList<SuggestionDocument> Suggestions { get; init; }
}
