using System.Text.Json.Nodes;
using DumGum.AccessKeys;
using DumGum.Guardrails;
using DumGum.Http;
using DumGum.Http.Validation;
using DumGum.Replies;
using DumGum.Webhooks;
using Microsoft.AspNetCore.Http.HttpResults;

namespace DumGum.Conversations;

/// <summary>
/// The synchronous endpoints (docs/behaviour.md, "Synchronous endpoints"): the answer comes back in the HTTP response. Profiles and messages are
/// sent inline, so no customer endpoint is ever called, and no event is sent.
/// </summary>
public static class GenerateEndpoints
{
    /// <summary>Maps generate on the content-creation group, which has checked the access key already.</summary>
    public static void MapGenerate(this RouteGroupBuilder group)
    {
        group.MapGatedJsonPost<GenerateRequestDocument>("/conversations/generate", Generate, 409, 502, 504)
            .WithName("content-creation-conversation-generate")
            .WithSummary("Generate a reply")
            .WithDescription("Writes the persona's reply to the inline history, with both profiles inline, and returns its answers " +
                             "(one per message of a split reply) exactly as answer.created would carry them. No customer endpoint " +
                             "is called and no event is sent; guardrails apply and bans are recorded for the pair.");
    }

    static async Task<Results<JsonText<GenerateResponseDocument>, Problem, EmptyHttpResult>> Generate(HttpContext http,
        GenerateSchema schema, ReplyPipeline pipeline, BanLedger bans, TimeProvider clock, ILoggerFactory logs)
    {
        var project = http.CallerProject();
        var acceptedAt = clock.GetUtcNow();
        var (request, problem) = await CheckedBody.ReadAsync<GenerateRequest>(http, EnqueueSchema.MaxBodyBytes, schema.Validate);
        if (request is null) return problem!;

        var settings = request.Settings;
        var key = new ConversationKey(project.Id, request.User.Id, request.Persona.Id);
        var merged = ReplySettings.Merge(settings.ReplyParameters, project.Config.DefaultReplyParameters);

        // As for enqueue: a pair under an active ban answers 409 and nothing is generated.
        if (bans.Find(project.Id, key.UserProfileId, key.PersonaProfileId, acceptedAt) is { } ban) return BanLedger.ToProblem(ban);

        // The same steps as a conversation run: SoulEngine, Vision Link (a rejected picture is only left out: there is
        // no event here), the reply, guardrails with bans recorded for the pair (docs/behaviour.md, "Synchronous endpoints").
        var inputs = new ReplyInputs(project, key, request.User, request.Persona, request.History, settings,
            ReplyParameters.From(merged), acceptedAt, acceptedAt);
        var written = false;
        var limit = ReplySettings.MaxProcessingTimeSeconds(merged);
        return await WithinDeadline.RespondAsync<GenerateResponseDocument>(http, TimeSpan.FromSeconds(limit), clock,
            async deadline =>
            {
                var composed = await pipeline.RunAsync(inputs, () => written = true, deadline);
                // Typing pauses are not waited for here: the caller shows the answers itself.
                var answers = composed.Answers.Select(a => a.Answer).ToList();
                return new JsonObject { ["answers"] = AnswerJson.From(answers) }.ToJsonString();
            },
            () => new Problem
            {
                Status = 504, Slug = "generation-timeout", Title = "The reply took too long",
                Detail = $"No reply was written within maxProcessingTimeSeconds ({limit} s).",
            },
            ex =>
            {
                if (written) return null;   // past the reply, a failure (the ban ledger's) is not the engine's
                logs.CreateLogger(typeof(GenerateEndpoints).FullName!).LogWarning(ex, "Project {ProjectId}: synchronous generation failed", project.Id);
                return new Problem
                {
                    Status = 502, Slug = "generation-failed", Title = "The reply could not be written",
                    Detail = "The reply engine failed; nothing was charged. Retry later.",
                };
            });
    }
}

// The bodies as the OpenAPI document describes them (the handlers validate the raw JSON themselves). Classes with
// init properties, so that only the `required` members are listed as required.

/// <summary>A Profile (docs/behaviour.md, "Profiles and history"): <c>id</c> and one of <c>firstName</c>/<c>nickname</c>; unknown fields are accepted and kept.</summary>
public sealed class ProfileDocument
{
    public required string Id { get; init; }
    public string? FirstName { get; init; }
    public string? Nickname { get; init; }
    public string? Gender { get; init; }
    public string? Version { get; init; }
    public string? Description { get; init; }
    public string? Birthdate { get; init; }
    public string? CountryCode { get; init; }
    public string? City { get; init; }
    public string? PostalCode { get; init; }
    public string? TimeZone { get; init; }
    public Dictionary<string, object?>? Features { get; init; }
    public string? Personality { get; init; }
    public string? MainPictureUrl { get; init; }
    public IReadOnlyList<string>? Pictures { get; init; }
    public IReadOnlyList<string>? PrivatePictures { get; init; }
    public IReadOnlyList<Dictionary<string, object?>>? Children { get; init; }
    public IReadOnlyList<Dictionary<string, object?>>? Pets { get; init; }
}

/// <summary>A chat-history Message (docs/behaviour.md, "Profiles and history"), newest shape or compat <c>type</c> (TEXT | ACTION_POKE).</summary>
public sealed class HistoryMessageDocument
{
    public string? Id { get; init; }
    /// <summary>USER | PERSONA</summary>
    public required string Sender { get; init; }
    public required DateTimeOffset Date { get; init; }
    public string? Text { get; init; }
    public IReadOnlyList<string>? PictureUrls { get; init; }
    public bool? Poke { get; init; }
    public IReadOnlyList<GiftDocument>? Gifts { get; init; }
    public string? Sticker { get; init; }
    public string? Type { get; init; }
}

public sealed class GiftDocument
{
    public string? Name { get; init; }
    public string? Tier { get; init; }
}

public sealed class GenerateRequestDocument
{
    public required ProfileDocument UserProfile { get; init; }
    public required ProfileDocument PersonaProfile { get; init; }
    /// <summary>At most 1000; none = the persona opens the conversation.</summary>
    public IReadOnlyList<HistoryMessageDocument>? Messages { get; init; }
    public required string Language { get; init; }
    public IReadOnlyList<string>? AdditionalLanguages { get; init; }
    public Dictionary<string, object?>? ReplyParameters { get; init; }
    public Dictionary<string, object?>? Tags { get; init; }
    public bool? TestMode { get; init; }
}

/// <summary>An Answer (docs/behaviour.md, "Events") exactly as <c>answer.created</c> carries it.</summary>
public sealed class AnswerDocument
{
    public required string Id { get; init; }
    public required string UserProfileId { get; init; }
    public required string PersonaProfileId { get; init; }
    public required string Type { get; init; }
    public required Dictionary<string, object?> Tags { get; init; }
    public required string Cost { get; init; }
    public required int ResponseTime { get; init; }
    public required int SequenceNumber { get; init; }
    public required string CreatedAt { get; init; }
    public required string? Text { get; init; }
    public required string? PictureUrl { get; init; }
    public required string? ConversationStopReason { get; init; }
    public required string? ConversationStoppedUntil { get; init; }
    public required string? ParentAnswerId { get; init; }
    public required string ReplyMode { get; init; }
}

public sealed class GenerateResponseDocument
{
    public required IReadOnlyList<AnswerDocument> Answers { get; init; }
}
