using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using DumGum.Http;

namespace DumGum.Playground;

/// <summary>
/// The Playground over HTTP, twice with the same handlers: under <c>/admin/v1/projects/{projectId}/playground</c> with
/// the admin token, and under <c>/dashboard/api/projects/{projectId}/playground</c> for the page's script (session
/// cookie, antiforgery header on every change). Both call <see cref="PlaygroundService"/>, as does the page itself.
/// </summary>
public static class PlaygroundEndpoints
{
    const int MaxBodyBytes = 256 * 1024;

    /// <summary>The admin API's playground routes, on the admin group (which checks the token).</summary>
    public static void MapPlaygroundAdmin(this RouteGroupBuilder admin)
    {
        var group = admin.MapGroup("/projects/{projectId}/playground").WithTags("playground");
        group.MapGet("/profiles", ListProfiles).WithName("playground-profiles")
            .WithSummary("List the personas and users the Playground can use")
            .Produces<PlaygroundProfilesDocument>().ProducesProblem(404);
        group.MapPost("/profiles", SaveProfile).WithName("playground-profile-save")
            .WithSummary("Save a playground profile from JSON")
            .WithDescription("The profile must be an object with an id and a firstName or nickname (unless acceptInvalid, to watch a run drop it with INVALID_PROFILE).")
            .DocumentsJsonBody<PlaygroundProfileDocument>().Produces<PlaygroundSavedProfileDocument>(201).ProducesProblem(400).ProducesProblem(404).ProducesProblem(415);
        group.MapPost("/profiles/copy", CopyProfile).WithName("playground-profile-copy")
            .WithSummary("Copy a profile from the project's Profile endpoint into the Playground")
            .DocumentsJsonBody<PlaygroundCopyDocument>().Produces<PlaygroundSavedProfileDocument>(201).ProducesProblem(400).ProducesProblem(404).ProducesProblem(502);
        group.MapDelete("/profiles/{role}/{profileId}", DeleteProfile).WithName("playground-profile-delete")
            .WithSummary("Delete a saved playground profile").Produces(204).ProducesProblem(400).ProducesProblem(404);
        group.MapPost("/messages", Send).WithName("playground-message-send")
            .WithSummary("Send a message as the playground user")
            .WithDescription("Appends it to the playground chat and enqueues the conversation in test mode (offline engine, cost 0) with bufferSeconds 0; the reply arrives as events (see /conversation and /stream).")
            .DocumentsJsonBody<PlaygroundSendDocument>().Produces<PlaygroundSentDocument>(202)
            .ProducesProblem(400).ProducesProblem(404).ProducesProblem(409).ProducesProblem(415).ProducesProblem(503);
        group.MapGet("/conversation", Read).WithName("playground-conversation")
            .WithSummary("Read a playground chat and the events received after a sequence number")
            .Produces<PlaygroundConversationDocument>().ProducesProblem(400).ProducesProblem(404);
        group.MapDelete("/conversation", Clear).WithName("playground-conversation-clear")
            .WithSummary("Forget a playground chat and its events").Produces(204).ProducesProblem(400).ProducesProblem(404);
        group.MapGet("/stream", Stream).WithName("playground-stream")
            .WithSummary("The events of a playground chat as Server-Sent Events")
            .WithDescription("Each event received (answer.processing, answer.created, conversation.dropped) as it arrives: the SSE event type is its name, the id its sequence, the data its JSON. Resumes after `after` or Last-Event-ID.")
            .Produces<string>(200, "text/event-stream").ProducesProblem(400).ProducesProblem(404);
    }

    /// <summary>
    /// The page's script routes on <paramref name="group"/>, which the dashboard's <c>/dashboard/api</c> group gives
    /// (<c>Dashboard/DashboardApi</c>): it requires the session and checks the antiforgery header
    /// (<c>RequestVerificationToken</c>) on every change. The live stream, sending, and reading.
    /// </summary>
    public static RouteGroupBuilder MapPlaygroundApi(this RouteGroupBuilder group)
    {
        group.MapGet("/stream", Stream);
        group.MapPost("/messages", Send);
        group.MapGet("/conversation", Read);
        return group;
    }

    static IResult ListProfiles(string projectId, PlaygroundService playground)
    {
        if (playground.Project(projectId) is null) return Problem.NotFound($"There is no project {projectId}.");
        var profiles = playground.Profiles(projectId);
        return Json(new JsonObject
        {
            ["personas"] = Array(profiles.Where(p => p.Role == PlaygroundRole.Persona).Select(p => p.ToJson())),
            ["users"] = Array(profiles.Where(p => p.Role == PlaygroundRole.User).Select(p => p.ToJson())),
        });
    }

    static async Task<IResult> SaveProfile(string projectId, HttpContext http, PlaygroundService playground)
    {
        var (body, problem) = await ReadObjectAsync(http);
        if (problem is not null) return problem;
        if (PlaygroundService.ParseRole(Str(body!, "role")) is not { } role) return Problem.Field("role", "must be USER or PERSONA");
        var (saved, refused) = await playground.SaveProfileAsync(projectId, role, body!["profile"], body["acceptInvalid"] is JsonValue v && v.GetValueKind() == JsonValueKind.True);
        return refused ?? Results.Json(saved!.ToJson(withBody: true), statusCode: 201);
    }

    static async Task<IResult> CopyProfile(string projectId, HttpContext http, PlaygroundService playground)
    {
        var (body, problem) = await ReadObjectAsync(http);
        if (problem is not null) return problem;
        if (PlaygroundService.ParseRole(Str(body!, "role")) is not { } role) return Problem.Field("role", "must be USER or PERSONA");
        var (saved, refused) = await playground.CopyProfileAsync(projectId, role, Str(body!, "profileId"), http.RequestAborted);
        return refused ?? Results.Json(saved!.ToJson(withBody: true), statusCode: 201);
    }

    static async Task<IResult> DeleteProfile(string projectId, string role, string profileId, PlaygroundService playground)
    {
        if (PlaygroundService.ParseRole(role) is not { } parsed) return Problem.Field("role", "must be USER or PERSONA");
        return await playground.DeleteProfileAsync(projectId, parsed, profileId) ?? Results.NoContent();
    }

    static async Task<IResult> Send(string projectId, HttpContext http, PlaygroundService playground)
    {
        var (body, problem) = await ReadObjectAsync(http);
        if (problem is not null) return problem;
        if (body!["replyParameters"] is { } p && p is not JsonObject) return Problem.Field("replyParameters", "must be an object");
        var (sent, refused) = await playground.SendAsync(projectId, new PlaygroundSend(Str(body, "user"), Str(body, "persona"),
            Str(body, "text"), Str(body, "language"), body["replyParameters"] as JsonObject));
        if (refused is not null) return refused;
        return Results.Json(new JsonObject { ["message"] = sent!.Message.ToJson(), ["after"] = sent.After }, statusCode: 202);
    }

    static IResult Read(string projectId, string? user, string? persona, string? after, PlaygroundService playground)
    {
        if (ParseAfter(after, null) is not { } from) return Problem.Field("after", "must be a sequence number (0 or more)");
        var (conversation, problem) = playground.Read(projectId, user, persona, from);
        return problem ?? Json(conversation!.ToJson());
    }

    static async Task<IResult> Clear(string projectId, string? user, string? persona, PlaygroundService playground) =>
        await playground.ClearAsync(projectId, user, persona) ?? Results.NoContent();

    static IResult Stream(string projectId, string? user, string? persona, string? after, HttpContext http, PlaygroundService playground)
    {
        if (ParseAfter(after, http.Request.Headers["Last-Event-ID"].ToString()) is not { } from)
            return Problem.Field("after", "must be a sequence number (0 or more)");
        if (playground.Check(projectId, user, persona) is { } problem) return problem;
        return new EventStream(playground.StreamAsync(projectId, user!, persona!, from, http.RequestAborted));
    }

    /// <summary>
    /// <c>text/event-stream</c>, flushed at once (a client sees the stream open before the first event) and after every
    /// event: the event type is the event's name, the id its sequence (a reconnecting EventSource resumes from it).
    /// </summary>
    sealed class EventStream(IAsyncEnumerable<PlaygroundEvent> events) : IResult
    {
        public async Task ExecuteAsync(HttpContext httpContext)
        {
            var response = httpContext.Response;
            response.ContentType = "text/event-stream";
            response.Headers.CacheControl = "no-cache, no-store";
            // Proxies that buffer (nginx) would hold the events back until the stream ends.
            response.Headers["X-Accel-Buffering"] = "no";
            httpContext.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpResponseBodyFeature>()?.DisableBuffering();
            var aborted = httpContext.RequestAborted;
            try
            {
                await response.WriteAsync("retry: 2000\n\n", aborted);
                await response.Body.FlushAsync(aborted);
                await foreach (var e in events.WithCancellation(aborted))
                {
                    await response.WriteAsync(string.Create(CultureInfo.InvariantCulture,
                        $"id: {e.Sequence}\nevent: {e.Event}\ndata: {e.ToJson().ToJsonString()}\n\n"), aborted);
                    await response.Body.FlushAsync(aborted);
                }
            }
            catch (OperationCanceledException) when (aborted.IsCancellationRequested)
            {
                // The client went away: the stream simply ends.
            }
        }
    }

    /// <summary><c>after</c> wins over a reconnecting EventSource's <c>Last-Event-ID</c>; neither means from the start.</summary>
    static long? ParseAfter(string? after, string? lastEventId)
    {
        var text = !string.IsNullOrEmpty(lastEventId) ? lastEventId : after;
        if (!string.IsNullOrEmpty(after) && !string.IsNullOrEmpty(lastEventId)
            && long.TryParse(after, NumberStyles.None, CultureInfo.InvariantCulture, out var a)
            && long.TryParse(lastEventId, NumberStyles.None, CultureInfo.InvariantCulture, out var l))
            return Math.Max(a, l);
        if (string.IsNullOrEmpty(text)) return 0;
        return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : null;
    }

    static async Task<(JsonObject? Body, Problem? Problem)> ReadObjectAsync(HttpContext http)
    {
        var (document, problem) = await JsonBody.ReadAsync(http.Request, MaxBodyBytes, http.RequestAborted);
        if (problem is not null) return (null, problem);
        using (document)
            return JsonNode.Parse(document!.RootElement.GetRawText()) is JsonObject o ? (o, null) : (null, Problem.Field("$", "the body must be a JSON object"));
    }

    static IResult Json(JsonObject body) => Results.Text(body.ToJsonString(), "application/json");

    static JsonArray Array(IEnumerable<JsonObject> items) => new(items.Select(i => (JsonNode?)i).ToArray());

    static string? Str(JsonObject o, string name) =>
        o[name] is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;
}

/// <summary>The playground bodies and answers as the OpenAPI document describes them.</summary>
public sealed record PlaygroundProfileDocument(string Role, Dictionary<string, object?> Profile, bool? AcceptInvalid);

public sealed record PlaygroundCopyDocument(string Role, string ProfileId);

public sealed record PlaygroundSendDocument(string User, string Persona, string Text, string? Language, Dictionary<string, object?>? ReplyParameters);

public sealed record PlaygroundProfileSummary(string Id, string Role, string Name, string Source, DateTimeOffset UpdatedAt);

/// <summary>A saved playground profile as the admin API answers it: the summary and the profile JSON.</summary>
public sealed record PlaygroundSavedProfileDocument(string Id, string Role, string Name, string Source, DateTimeOffset UpdatedAt, Dictionary<string, object?> Profile);

public sealed record PlaygroundProfilesDocument(PlaygroundProfileSummary[] Personas, PlaygroundProfileSummary[] Users);

public sealed record PlaygroundMessageDocument(string Id, string Sender, DateTimeOffset Date, string? Text, string[]? PictureUrls);

public sealed record PlaygroundSentDocument(PlaygroundMessageDocument Message, long After);

public sealed record PlaygroundEventDocument(long Sequence, string Event, string WebhookId, bool SignatureValid, DateTimeOffset ReceivedAt, Dictionary<string, object?> Body);

public sealed record PlaygroundConversationDocument(string User, string Persona, string ConversationUserProfileId,
    PlaygroundMessageDocument[] Messages, PlaygroundEventDocument[] Events, long Sequence);
