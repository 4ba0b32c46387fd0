using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using DumGum.Projects;
using DumGum.Sample;
using DumGum.Storage;
using DumGum.Webhooks;
using Microsoft.AspNetCore.WebUtilities;

namespace DumGum.Playground;

/// <summary>
/// The built-in customer of the Playground: answers the Profile, Chat History and Incoming Content calls of playground
/// conversations from the playground tables, in-process. The calls still go through the real client code (custom
/// headers, retries, caps, signing, project logs); only the last hop is replaced (<see cref="PlaygroundHandler"/>).
/// Like a real customer it verifies every delivery's Standard Webhooks signature, and only a verified
/// <c>answer.created</c> reaches the chat.
/// </summary>
public sealed class PlaygroundCustomer(
    PlaygroundStore store,
    ProjectStore projects,
    SampleCustomer samples,
    IHostEnvironment environment,
    PlaygroundSignal signal,
    TimeProvider clock)
{
    readonly DateTimeOffset samplesSince = clock.GetUtcNow();

    /// <summary>The sample personas and users are ready to use in Development, as they are for <c>/sample</c>.</summary>
    public bool SamplesAvailable => environment.IsDevelopment();

    /// <summary>The profiles of the project the Playground can use: saved ones, then samples not shadowed by a saved one.</summary>
    public IReadOnlyList<PlaygroundProfile> Profiles(string projectId)
    {
        var saved = store.Profiles(projectId);
        if (!SamplesAvailable) return saved;
        var list = saved.ToList();
        foreach (var info in samples.Profiles)
        {
            var role = info.Role == SampleRole.User ? PlaygroundRole.User : PlaygroundRole.Persona;
            if (!saved.Any(p => p.Role == role && p.Id == info.Id) && Sample(role, info.Id) is { } sample) list.Add(sample);
        }
        return list;
    }

    public PlaygroundProfile? FindProfile(string projectId, PlaygroundRole role, string profileId) =>
        (store.Profiles(projectId, role, profileId) is [var saved, ..] ? saved : null) ?? Sample(role, profileId);

    PlaygroundProfile? Sample(PlaygroundRole role, string id)
    {
        if (!SamplesAvailable || !(role == PlaygroundRole.User ? samples.IsUser(id) : samples.IsPersona(id))) return null;
        var body = samples.FindProfile(id)!;
        body.Remove("version");
        body.Remove("expiresAt");
        return new PlaygroundProfile(id, role, PlaygroundStore.NameOf(body, id), PlaygroundProfile.Sample, body, samplesSince);
    }

    /// <summary>One request to <c>http://playground.dumgum.invalid/{projectId}/{profile|history|incoming}</c>.</summary>
    public async Task<HttpResponseMessage> HandleAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var segments = request.RequestUri!.AbsolutePath.Trim('/').Split('/');
        if (segments.Length != 2) return Status(request, HttpStatusCode.NotFound, "no such playground endpoint");
        var project = projects.Find(Uri.UnescapeDataString(segments[0]));
        if (project is null) return Status(request, HttpStatusCode.NotFound, "no such project");
        var query = QueryHelpers.ParseQuery(request.RequestUri.Query);
        string? Query(string name) => query.TryGetValue(name, out var v) && v.Count > 0 ? v[0] : null;

        return (request.Method.Method, segments[1]) switch
        {
            ("GET", PlaygroundRouting.ProfileEndpoint) => Profile(request, project, Query("profileId")),
            ("GET", PlaygroundRouting.HistoryEndpoint) => History(request, project, Query("userProfileId"), Query("personaProfileId")),
            ("POST", PlaygroundRouting.IncomingEndpoint) => await ReceiveAsync(request, project, cancellationToken),
            _ => Status(request, HttpStatusCode.NotFound, "no such playground endpoint"),
        };
    }

    HttpResponseMessage Profile(HttpRequestMessage request, Project project, string? profileId)
    {
        if (string.IsNullOrEmpty(profileId)) return Status(request, HttpStatusCode.BadRequest, "profileId is required");
        var role = PlaygroundRouting.IsPlayground(profileId) ? PlaygroundRole.User : PlaygroundRole.Persona;
        var profile = FindProfile(project.Id, role, PlaygroundRouting.PlaygroundUserId(profileId));
        if (profile is null) return Status(request, HttpStatusCode.NotFound, $"the playground has no {PlaygroundStore.RoleText(role).ToLowerInvariant()} '{profileId}'");
        var body = (JsonObject)profile.Body.DeepClone();
        // The run asks for the user under the conversation's (prefixed) id; a profile must carry the id it was asked for.
        body["id"] = profileId;
        // Its own version, so nothing keyed by persona version (SoulEngine's style cards) mixes it up with the project's
        // real profile of the same id, and a re-pasted profile is a new version.
        body["version"] = "playground-" + profile.UpdatedAt.ToUnixMs().ToString(CultureInfo.InvariantCulture);
        return Json(request, new JsonObject { ["profile"] = body });
    }

    HttpResponseMessage History(HttpRequestMessage request, Project project, string? userProfileId, string? personaProfileId)
    {
        if (string.IsNullOrEmpty(userProfileId) || string.IsNullOrEmpty(personaProfileId))
            return Status(request, HttpStatusCode.BadRequest, "userProfileId and personaProfileId are required");
        var messages = store.History(project.Id, PlaygroundRouting.PlaygroundUserId(userProfileId), personaProfileId);
        return Json(request, new JsonObject { ["messages"] = new JsonArray(messages.Select(m => (JsonNode?)m.ToJson()).ToArray()) });
    }

    async Task<HttpResponseMessage> ReceiveAsync(HttpRequestMessage request, Project project, CancellationToken cancellationToken)
    {
        var body = request.Content is null ? [] : await request.Content.ReadAsByteArrayAsync(cancellationToken);
        var now = clock.GetUtcNow();
        var webhookId = Header(request, "webhook-id");
        var signatureValid = SignatureProblem(project, webhookId, Header(request, "webhook-timestamp"), Header(request, "webhook-signature"), body, now) is null;

        JsonObject? envelope;
        try
        {
            envelope = JsonNode.Parse(body) as JsonObject;
        }
        catch (JsonException)
        {
            envelope = null;
        }
        var data = envelope?["data"] as JsonObject;
        var answer = data?["answer"] as JsonObject;
        var user = Str(data, "userProfileId") ?? Str(answer, "userProfileId");
        var persona = Str(data, "personaProfileId") ?? Str(answer, "personaProfileId");
        var name = Str(envelope, "event");
        if (webhookId is null || name is null || user is null || persona is null)
            return Status(request, HttpStatusCode.BadRequest, "not an event of a playground conversation");

        PlaygroundMessage? reply = null;
        if (signatureValid && name == Events.AnswerCreated && Str(answer, "id") is { } answerId
            && (Str(answer, "text") is not null || Str(answer, "pictureUrl") is not null))
        {
            var date = DateTimeOffset.TryParse(Str(answer, "createdAt"), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) ? at : now;
            reply = new PlaygroundMessage(answerId, PlaygroundMessage.Persona, date, Str(answer, "text"), Str(answer, "pictureUrl"));
        }
        await store.ReceiveAsync(project.Id, PlaygroundRouting.PlaygroundUserId(user), persona, webhookId, name,
            Encoding.UTF8.GetString(body), signatureValid, now, reply).WaitAsync(cancellationToken);
        signal.Pulse();
        // 204 even for a bad signature: the stream shows it, and a retry signed with the same secret would not help.
        return new HttpResponseMessage(HttpStatusCode.NoContent) { RequestMessage = request };
    }

    /// <summary>Null when the delivery is signed by one of the project's current secrets within Standard Webhooks' 5-minute window.</summary>
    static string? SignatureProblem(Project project, string? webhookId, string? timestamp, string? signature, byte[] body, DateTimeOffset now)
    {
        if (webhookId is null || timestamp is null || signature is null) return "webhook-id, webhook-timestamp or webhook-signature is missing";
        if (!long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)) return "webhook-timestamp is not a number";
        if (Math.Abs(now.ToUnixTimeSeconds() - seconds) > SampleCustomer.TimestampTolerance.TotalSeconds) return "webhook-timestamp is too far from now";
        return project.SigningSecrets(now).Any(s => WebhookSigner.Verify(s, webhookId, seconds, body, signature))
            ? null : "no signature matches the project's webhook secret";
    }

    static string? Header(HttpRequestMessage request, string name) =>
        request.Headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;

    static HttpResponseMessage Json(HttpRequestMessage request, JsonObject body) => new(HttpStatusCode.OK)
    {
        RequestMessage = request,
        Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"),
    };

    static HttpResponseMessage Status(HttpRequestMessage request, HttpStatusCode status, string detail) => new(status)
    {
        RequestMessage = request,
        Content = new StringContent(new JsonObject { ["detail"] = detail }.ToJsonString(), Encoding.UTF8, "application/json"),
    };

    static string? Str(JsonObject? o, string name) =>
        o is not null && o.TryGetPropertyValue(name, out var n) && n is JsonValue v && v.GetValueKind() == JsonValueKind.String
            ? v.GetValue<string>() : null;
}

/// <summary>
/// On the <c>customers</c> HttpClient, before the connection handler and its address guard: requests for the
/// playground host are answered by <see cref="PlaygroundCustomer"/> and never reach the network.
/// </summary>
public sealed class PlaygroundHandler(PlaygroundCustomer customer) : DelegatingHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        request.RequestUri is { } uri && string.Equals(uri.Host, PlaygroundRouting.Host, StringComparison.OrdinalIgnoreCase)
            ? customer.HandleAsync(request, cancellationToken)
            : base.SendAsync(request, cancellationToken);
}

/// <summary>
/// Wakes the streams of this node when the playground customer received an event. Events received on another node
/// (PostgreSQL, the run went there) are found by the streams' one-second poll.
/// </summary>
public sealed class PlaygroundSignal
{
    TaskCompletionSource next = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes at the next <see cref="Pulse"/>; take it before reading, so no event slips between.</summary>
    public Task Next => Volatile.Read(ref next).Task;

    public void Pulse() => Interlocked.Exchange(ref next, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
}
