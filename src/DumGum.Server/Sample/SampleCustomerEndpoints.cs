using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using DumGum.Http;
using DumGum.Replies.Checks;

namespace DumGum.Sample;

/// <summary>
/// The sample customer's side of the contract (docs/behaviour.md, "Projects and customer endpoints") plus two conveniences for a person with curl: a way to write as
/// a user (<c>POST /sample/messages</c>, which enqueues like a real app would) and an inbox of what DumGum delivered.
/// Unauthenticated on purpose: it is mapped in Development only.
/// </summary>
public static class SampleCustomerEndpoints
{
    /// <summary>The named client the enqueue call uses, so the host can tune it.</summary>
    public const string HttpClientName = "sample-customer";

    const int MaxBodyBytes = 1024 * 1024;
    const string EnqueuePath = "/cs/v1/content_creation/conversations/enqueue";
    static readonly TimeSpan EnqueueTimeout = TimeSpan.FromSeconds(10);

    public static IEndpointRouteBuilder MapSampleCustomer(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/sample").WithTags("Sample customer").ExcludeFromDescription();
        group.MapGet("/profile", GetProfile);
        group.MapGet("/history", GetHistory);
        group.MapPost("/incoming", ReceiveAsync);
        group.MapGet("/inbox", GetInbox);
        group.MapGet("/profiles", ListProfiles);
        group.MapPost("/messages", SendMessageAsync);
        return app;
    }

    static IResult GetProfile(string? profileId, SampleCustomer customer)
    {
        if (string.IsNullOrEmpty(profileId)) return Problem.Field("profileId", "is required");
        return customer.FindProfile(profileId) is { } profile
            ? Results.Json(new JsonObject { ["profile"] = profile })
            : Problem.NotFound($"There is no sample profile '{profileId}'; see GET /sample/profiles.");
    }

    static IResult GetHistory(string? userProfileId, string? personaProfileId, SampleCustomer customer)
    {
        if (string.IsNullOrEmpty(userProfileId)) return Problem.Field("userProfileId", "is required");
        if (string.IsNullOrEmpty(personaProfileId)) return Problem.Field("personaProfileId", "is required");
        var messages = customer.History(userProfileId, personaProfileId).Select(m => (JsonNode?)m.ToJson()).ToArray();
        return Results.Json(new JsonObject { ["messages"] = new JsonArray(messages) });
    }

    // Always 204, even for a bad signature: the inbox is where a person sees what went wrong, and DumGum retrying a
    // delivery it signed with another secret would not fix anything.
    static async Task<IResult> ReceiveAsync(HttpRequest request, SampleCustomer customer, CancellationToken cancellationToken)
    {
        if (await ReadBodyAsync(request, cancellationToken) is not { } body) return Problem.TooLarge(MaxBodyBytes);
        customer.Receive(request.Headers["webhook-id"], request.Headers["webhook-timestamp"],
            request.Headers["webhook-signature"], body);
        return Results.NoContent();
    }

    static IResult GetInbox(string? userProfileId, string? personaProfileId, string? @event, SampleCustomer customer)
    {
        var events = customer.Inbox(Blank(userProfileId), Blank(personaProfileId), Blank(@event))
            .Select(e => (JsonNode?)e.ToJson()).ToArray();
        return Results.Json(new JsonArray(events));
    }

    static IResult ListProfiles(SampleCustomer customer) =>
        Results.Json(new JsonArray(customer.Profiles.Select(p => (JsonNode?)new JsonObject
        {
            ["id"] = p.Id,
            ["name"] = p.Name,
            ["role"] = p.Role == SampleRole.User ? "USER" : "PERSONA",
            ["timeZone"] = p.TimeZone,
            ["language"] = p.Language,
        }).ToArray()));

    static readonly Lazy<LanguageDetector> OwnDetector = new(() => new LanguageDetector());

    static async Task<IResult> SendMessageAsync(HttpRequest request, SampleCustomer customer, IHttpClientFactory httpClients,
        CancellationToken cancellationToken)
    {
        var (document, problem) = await JsonBody.ReadAsync(request, MaxBodyBytes, cancellationToken);
        if (problem is not null) return problem;
        JsonNode? parsed;
        using (document) parsed = JsonNode.Parse(document!.RootElement.GetRawText(), documentOptions: StrictJson.DocumentOptions);
        if (parsed is not JsonObject body) return Problem.Field("$", "must be a JSON object");

        var userProfileId = Str(body, "userProfileId");
        var personaProfileId = Str(body, "personaProfileId");
        var text = Str(body, "text");
        var language = Str(body, "language");
        if (string.IsNullOrEmpty(userProfileId)) return Problem.Field("userProfileId", "is required");
        if (!customer.IsUser(userProfileId))
            return Problem.Field("userProfileId", $"'{userProfileId}' is not a sample user; see GET /sample/profiles");
        if (string.IsNullOrEmpty(personaProfileId)) return Problem.Field("personaProfileId", "is required");
        if (!customer.IsPersona(personaProfileId))
            return Problem.Field("personaProfileId", $"'{personaProfileId}' is not a sample persona; see GET /sample/profiles");
        if (string.IsNullOrWhiteSpace(text)) return Problem.Field("text", "is required");
        if (customer.Connection is not { } connection)
            return new Problem
            {
                Status = 503, Slug = "sample-not-connected", Title = "The sample customer is not connected",
                Detail = "The sample customer has no project or access key yet; it is set up when the server starts in Development.",
                Headers = new Dictionary<string, string> { ["Retry-After"] = "1" },
            };

        // Like an app that does not know its users' language: detect it from the message, among the languages the offline
        // engine writes; else the sample user's own language; else English. The response says which it was.
        var languageSource = "given";
        if (string.IsNullOrWhiteSpace(language))
        {
            // The server's shared detector (Lingua keeps its models once per process); a host without one gets its own.
            var detector = request.HttpContext.RequestServices.GetService<LanguageDetector>() ?? OwnDetector.Value;
            (language, languageSource) = detector.Guess(text, DumGum.Replies.OfflineChatClient.Languages) is { } detected
                ? (detected, "detected")
                : customer.Profiles.FirstOrDefault(p => p.Id == userProfileId)?.Language is { } own ? (own, "userProfile") : ("EN", "default");
        }

        var message = customer.AddUserMessage(userProfileId, personaProfileId, text);

        // A real app tells DumGum over the public API that the conversation has news; the sample does the same, with
        // its own key, so the call goes through authentication and rate limiting like anyone else's.
        using var enqueue = new HttpRequestMessage(HttpMethod.Post, new Uri(connection.ApiBaseUrl + EnqueuePath))
        {
            Content = JsonContent.Create(new JsonObject
            {
                ["userProfileId"] = userProfileId,
                ["personaProfileId"] = personaProfileId,
                ["language"] = language,
            }),
        };
        enqueue.Headers.Authorization = new AuthenticationHeaderValue("Bearer", connection.AccessKey);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(EnqueueTimeout);
        try
        {
            using var response = await httpClients.CreateClient(HttpClientName).SendAsync(enqueue, timeout.Token);
            var result = new JsonObject
            {
                ["messageId"] = message.Id, ["enqueueStatus"] = (int)response.StatusCode, ["language"] = language,
                ["languageSource"] = languageSource,
            };
            // Show why DumGum refused, so a person does not have to dig through logs.
            if (!response.IsSuccessStatusCode) result["enqueueProblem"] = await ReadJsonOrTextAsync(response, timeout.Token);
            return Results.Json(result, statusCode: StatusCodes.Status202Accepted);
        }
        catch (Exception e) when (e is HttpRequestException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return new Problem
            {
                Status = 502, Slug = "sample-enqueue-failed", Title = "The sample customer could not reach the enqueue API",
                Detail = $"The message {message.Id} was stored, but calling {connection.ApiBaseUrl}{EnqueuePath} failed: {e.GetType().Name}.",
                Extensions = new Dictionary<string, object?> { ["messageId"] = message.Id },
            };
        }
    }

    static async Task<JsonNode?> ReadJsonOrTextAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        if (text.Length == 0) return null;
        try
        {
            return JsonNode.Parse(text);
        }
        catch (JsonException)
        {
            return text.Length <= 2000 ? text : text[..2000];
        }
    }

    static async Task<byte[]?> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > MaxBodyBytes) return null;
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }

    static string? Blank(string? s) => string.IsNullOrEmpty(s) ? null : s;

    static string? Str(JsonObject o, string name) =>
        o.TryGetPropertyValue(name, out var n) && n is JsonValue v && v.GetValueKind() == JsonValueKind.String
            ? v.GetValue<string>() : null;
}
