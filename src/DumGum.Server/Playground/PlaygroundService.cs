using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using DumGum.Conversations;
using DumGum.Customers;
using DumGum.Http;
using DumGum.Projects;
using Microsoft.Extensions.Options;

namespace DumGum.Playground;

/// <summary>A message to send as the user: <c>replyParameters</c> are the side panel's, over the project's defaults.</summary>
public sealed record PlaygroundSend(string? User, string? Persona, string? Text, string? Language, JsonObject? ReplyParameters);

/// <summary>What sending gave: the user's message, and the event sequence to read or stream after.</summary>
public sealed record PlaygroundSent(PlaygroundMessage Message, long After);

/// <summary>A playground chat as the operator sees it: the messages, and the events received after a sequence.</summary>
public sealed record PlaygroundConversation(string User, string Persona, IReadOnlyList<PlaygroundMessage> Messages,
    IReadOnlyList<PlaygroundEvent> Events, long Sequence)
{
    public JsonObject ToJson() => new()
    {
        ["user"] = User,
        ["persona"] = Persona,
        ["conversationUserProfileId"] = PlaygroundRouting.ConversationUserId(User),
        ["messages"] = new JsonArray(Messages.Select(m => (JsonNode?)m.ToJson()).ToArray()),
        ["events"] = new JsonArray(Events.Select(e => (JsonNode?)e.ToJson()).ToArray()),
        ["sequence"] = Sequence,
    };
}

/// <summary>
/// What the Playground page and the admin API do (same code for both): list the usable profiles, save one from JSON
/// or copy it from the project's Profile endpoint, send a message as the user through the same enqueue path as the
/// public API (always <c>testMode</c>: offline engine, cost 0, never billed), and read or stream the conversation.
/// </summary>
public sealed class PlaygroundService(
    PlaygroundStore store,
    PlaygroundCustomer customer,
    PlaygroundSignal signal,
    ProjectStore projects,
    CustomerClient customers,
    ConversationEnqueuer enqueuer,
    EnqueueSchema schema,
    TimeProvider clock,
    IOptions<OutboundOptions> outbound)
{
    /// <summary>Conversation user ids are at most 128 characters, prefix included.</summary>
    public static readonly int MaxUserIdLength = 128 - PlaygroundRouting.UserPrefix.Length;
    public const int MaxTextLength = 4000;
    /// <summary>How often a stream looks for events another node received (its own node wakes it at once).</summary>
    public static readonly TimeSpan StreamPoll = TimeSpan.FromSeconds(1);

    public Project? Project(string projectId) => projects.Find(projectId);

    public IReadOnlyList<PlaygroundProfile> Profiles(string projectId) => customer.Profiles(projectId);

    public static PlaygroundRole? ParseRole(string? role) => role?.ToUpperInvariant() switch
    {
        "USER" => PlaygroundRole.User,
        "PERSONA" => PlaygroundRole.Persona,
        _ => null,
    };

    /// <summary>Saves pasted JSON text (the page's form): a parse error is reported on <c>profile</c>.</summary>
    public Task<(PlaygroundProfile? Profile, Problem? Problem)> SaveProfileAsync(string projectId, PlaygroundRole role, string json, bool acceptInvalid)
    {
        JsonNode? parsed;
        // The same reading rule as every JSON body (docs/behaviour.md, "Malformed JSON").
        var utf8 = System.Text.Encoding.UTF8.GetBytes(json);
        if (Http.StrictJson.Check(utf8) is { } fault && fault.Path != "$")
            return Task.FromResult<(PlaygroundProfile?, Problem?)>((null, Problem.Field("profile", $"is not acceptable JSON: {fault.Path}: {fault.Message}")));
        try
        {
            parsed = JsonNode.Parse(utf8, documentOptions: Http.StrictJson.DocumentOptions);
        }
        catch (JsonException ex)
        {
            var where = ex.LineNumber is { } line ? $" (line {line + 1}, byte {ex.BytePositionInLine + 1})" : "";
            return Task.FromResult<(PlaygroundProfile?, Problem?)>((null, Problem.Field("profile", $"is not valid JSON{where}")));
        }
        return SaveProfileAsync(projectId, role, parsed, acceptInvalid, PlaygroundProfile.Pasted);
    }

    /// <summary>
    /// Saves a profile. It must be an object with a string <c>id</c>; and, unless <paramref name="acceptInvalid"/> (to
    /// watch how a run treats a bad profile), a <c>firstName</c> or <c>nickname</c>, as a run requires
    /// (docs/behaviour.md, "Profiles and history").
    /// </summary>
    public async Task<(PlaygroundProfile? Profile, Problem? Problem)> SaveProfileAsync(string projectId, PlaygroundRole role,
        JsonNode? profile, bool acceptInvalid, string source = PlaygroundProfile.Pasted)
    {
        if (projects.Find(projectId) is null) return (null, NotFound(projectId));
        if (profile is not JsonObject body) return (null, Problem.Field("profile", "must be a JSON object"));
        var errors = new Dictionary<string, string[]>();
        var id = body["id"] is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;
        var maxId = role == PlaygroundRole.User ? MaxUserIdLength : 128;
        if (string.IsNullOrEmpty(id)) errors["profile.id"] = ["is required, a string"];
        else if (id.Length > maxId) errors["profile.id"] = [$"must be at most {maxId} characters"];
        else if (id.Any(char.IsControl)) errors["profile.id"] = ["must not contain control characters"];
        else if (PlaygroundRouting.IsPlayground(id)) errors["profile.id"] = [$"must not start with '{PlaygroundRouting.UserPrefix}' (the Playground adds it)"];
        if (!acceptInvalid && PlaygroundStore.NameOf(body, "") == "")
            errors["profile.firstName"] = ["a firstName or a nickname is required (a run drops a profile without either: INVALID_PROFILE)"];
        if (errors.Count > 0) return (null, Problem.Validation(errors));
        var now = clock.GetUtcNow();
        await store.SaveProfileAsync(projectId, role, id!, body, source, now);
        return (new PlaygroundProfile(id!, role, PlaygroundStore.NameOf(body, id!), source, body, now), null);
    }

    /// <summary>Copies a profile from the project's own Profile endpoint (the call shows in the project logs).</summary>
    public async Task<(PlaygroundProfile? Profile, Problem? Problem)> CopyProfileAsync(string projectId, PlaygroundRole role,
        string? profileId, CancellationToken cancellationToken)
    {
        if (projects.Find(projectId) is not { } project) return (null, NotFound(projectId));
        if (string.IsNullOrEmpty(profileId)) return (null, Problem.Field("profileId", "is required"));
        var url = ProfileCache.AppendQuery(project.Config.ProfileEndpointUrl, "profileId", profileId);
        JsonObject response;
        try
        {
            response = await customers.GetJsonAsync(project, CallLog.Profile, url, null, null,
                clock.GetUtcNow() + outbound.Value.RequestTimeout, cancellationToken);
        }
        catch (Exception ex) when (ex is CustomerEndpointException or TimeoutException)
        {
            return (null, new Problem
            {
                Status = 502, Slug = "customer-endpoint-failed", Title = "The project's Profile endpoint failed",
                Detail = $"Copying profile '{profileId}' failed: {ex.Message}. See the project logs.",
            });
        }
        if (response["profile"] is not JsonObject profile)
            return (null, Problem.Field("profile", "the Profile endpoint's response has no \"profile\" object"));
        return await SaveProfileAsync(projectId, role, profile.DeepClone(), acceptInvalid: false, PlaygroundProfile.Copied);
    }

    public async Task<Problem?> DeleteProfileAsync(string projectId, PlaygroundRole role, string profileId)
    {
        if (projects.Find(projectId) is null) return NotFound(projectId);
        return await store.DeleteProfileAsync(projectId, role, profileId) ? null
            : Problem.NotFound($"The Playground of project {projectId} has no saved {PlaygroundStore.RoleText(role).ToLowerInvariant()} '{profileId}'.");
    }

    /// <summary>
    /// Sends a message as the user: appended to the playground history, then enqueued like a customer's request would be
    /// (<see cref="ConversationEnqueuer"/>), with <c>testMode: true</c> and <c>bufferSeconds: 0</c>. A refused enqueue
    /// (a ban: 409) leaves the message in the chat, as a customer's app would.
    /// </summary>
    public async Task<(PlaygroundSent? Sent, Problem? Problem)> SendAsync(string projectId, PlaygroundSend send)
    {
        if (projects.Find(projectId) is not { } project) return (null, NotFound(projectId));
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrEmpty(send.User)) errors["user"] = ["is required"];
        else if (customer.FindProfile(projectId, PlaygroundRole.User, send.User) is null)
            errors["user"] = [$"'{send.User}' is not a playground user of this project; paste or copy one first"];
        if (string.IsNullOrEmpty(send.Persona)) errors["persona"] = ["is required"];
        else if (customer.FindProfile(projectId, PlaygroundRole.Persona, send.Persona) is null)
            errors["persona"] = [$"'{send.Persona}' is not a playground persona of this project; paste or copy one first"];
        if (string.IsNullOrWhiteSpace(send.Text)) errors["text"] = ["is required"];
        else if (send.Text.Length > MaxTextLength) errors["text"] = [$"must be at most {MaxTextLength} characters"];

        var replyParameters = (JsonObject?)send.ReplyParameters?.DeepClone() ?? [];
        replyParameters["bufferSeconds"] = 0;   // an operator waits for the reply; nothing else is coming to batch
        var request = new JsonObject
        {
            ["userProfileId"] = PlaygroundRouting.ConversationUserId(send.User ?? ""),
            ["personaProfileId"] = send.Persona ?? "",
            ["language"] = string.IsNullOrEmpty(send.Language) ? "EN" : send.Language,
            ["testMode"] = true,
            ["tags"] = new JsonObject { ["source"] = "playground" },
            ["replyParameters"] = replyParameters,
        };
        using var document = JsonSerializer.SerializeToDocument(request);
        // Checked before the message is stored, so a bad side panel does not leave a message nobody will answer.
        if (schema.Validate(document.RootElement, out var schemaErrors) is null)
            foreach (var (path, messages) in schemaErrors)
                if (path is not ("userProfileId" or "personaProfileId")) errors[path] = messages;
        if (errors.Count > 0) return (null, Problem.Validation(errors));

        var after = store.LatestSequence(projectId, send.User!, send.Persona!);
        var message = new PlaygroundMessage(Ids.New("pm_", 16), PlaygroundMessage.User, clock.GetUtcNow(), send.Text, null);
        await store.AppendMessageAsync(projectId, send.User!, send.Persona!, message);
        return await enqueuer.EnqueueAsync(project, document.RootElement) is { } refused
            ? (null, refused)
            : (new PlaygroundSent(message, after), null);
    }

    public (PlaygroundConversation? Conversation, Problem? Problem) Read(string projectId, string? user, string? persona, long after)
    {
        if (Check(projectId, user, persona) is { } problem) return (null, problem);
        var events = store.Events(projectId, user!, persona!, after);
        var sequence = events.Count > 0 ? events[^1].Sequence : Math.Max(after, store.LatestSequence(projectId, user!, persona!));
        return (new PlaygroundConversation(user!, persona!, store.History(projectId, user!, persona!), events, sequence), null);
    }

    public async Task<Problem?> ClearAsync(string projectId, string? user, string? persona)
    {
        if (Check(projectId, user, persona) is { } problem) return problem;
        await store.ClearAsync(projectId, user!, persona!);
        return null;
    }

    /// <summary>Checks a stream's arguments before the response starts (then problems can still be answered).</summary>
    public Problem? Check(string projectId, string? user, string? persona)
    {
        if (projects.Find(projectId) is null) return NotFound(projectId);
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrEmpty(user)) errors["user"] = ["is required"];
        if (string.IsNullOrEmpty(persona)) errors["persona"] = ["is required"];
        return errors.Count > 0 ? Problem.Validation(errors) : null;
    }

    /// <summary>The pair's events after <paramref name="after"/> as they arrive, until <paramref name="cancellationToken"/>.</summary>
    public async IAsyncEnumerable<PlaygroundEvent> StreamAsync(string projectId, string user, string persona, long after,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            var wake = signal.Next;
            var events = store.Events(projectId, user, persona, after);
            foreach (var e in events)
            {
                after = e.Sequence;
                yield return e;
            }
            if (events.Count > 0) continue;
            try
            {
                await wake.WaitAsync(StreamPoll, clock, cancellationToken);
            }
            catch (TimeoutException) { }
            catch (OperationCanceledException) { yield break; }
        }
    }

    static Problem NotFound(string projectId) => Problem.NotFound($"There is no project {projectId}.");
}
