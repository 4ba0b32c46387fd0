using System.Collections.Concurrent;
using System.Text;
using System.Text.Json.Nodes;
using DumGum.Webhooks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace DumGum.Tests.Infrastructure;

public sealed record ReceivedEvent(string WebhookId, long Timestamp, string Signature, string Body, JsonObject Json, DateTimeOffset ReceivedAt)
{
    public string Event => (string)Json["event"]!;
    public JsonObject Data => Json["data"]!.AsObject();
}

public sealed record ReceivedCall(string Path, string Query, IReadOnlyDictionary<string, string> Headers, DateTimeOffset At);

/// <summary>
/// A customer's three endpoints as a real HTTP server on a loopback port. Profiles and histories are set by the
/// test; hooks inject failures; every call and every event is recorded.
/// </summary>
public sealed class FakeCustomer : IAsyncDisposable
{
    readonly WebApplication app;

    public ConcurrentDictionary<string, JsonObject> Profiles { get; } = new();
    public ConcurrentDictionary<(string User, string Persona), List<JsonObject>> Histories { get; } = new();
    public ConcurrentQueue<ReceivedCall> Calls { get; } = new();
    public ConcurrentQueue<ReceivedEvent> Attempts { get; } = new();
    public ConcurrentQueue<ReceivedEvent> Events { get; } = new();
    /// <summary>Events POSTed to <see cref="MemoryUrl"/> (the memory webhook), with the headers of each call in <see cref="Calls"/>.</summary>
    public ConcurrentQueue<ReceivedEvent> MemoryEvents { get; } = new();
    /// <summary>The memory webhook's answer status (default 204).</summary>
    public Func<ReceivedEvent, int>? MemoryStatus { get; set; }

    /// <summary>Runs before the history answer; return a status code to answer with instead, or null to answer normally.</summary>
    public Func<HttpContext, Task<int?>>? HistoryHook { get; set; }
    public Func<HttpContext, Task<int?>>? ProfileHook { get; set; }
    /// <summary>The body of an answer a hook chose (none when null).</summary>
    public string? HookedBody { get; set; }

    IResult Hooked(int status) => HookedBody is null ? Results.StatusCode(status) : Results.Text(HookedBody, "application/json", statusCode: status);
    /// <summary>Decides the status of an incoming event POST (default 204).</summary>
    public Func<ReceivedEvent, int>? IncomingStatus { get; set; }
    /// <summary>
    /// Runs (after the attempt is recorded) before <see cref="IncomingStatus"/>; may wait (the token is the request's
    /// abort). Return a status code to answer with, or null to let <see cref="IncomingStatus"/> decide.
    /// </summary>
    public Func<ReceivedEvent, CancellationToken, Task<int?>>? IncomingHook { get; set; }
    /// <summary>A <c>Retry-After</c> value to send with the answer to an incoming event (none when it returns null).</summary>
    public Func<ReceivedEvent, string?>? IncomingRetryAfter { get; set; }

    FakeCustomer(WebApplication app) => this.app = app;

    public string BaseUrl { get; private set; } = "";
    public string ProfileUrl => BaseUrl + "/profile";
    public string HistoryUrl => BaseUrl + "/history";
    public string IncomingUrl => BaseUrl + "/incoming";
    public string MemoryUrl => BaseUrl + "/memory";

    public static async Task<FakeCustomer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var customer = new FakeCustomer(app);
        customer.Map();
        await app.StartAsync();
        customer.BaseUrl = app.Urls.First().TrimEnd('/');
        return customer;
    }

    void Map()
    {
        app.MapGet("/profile", async (HttpContext http) =>
        {
            Record(http);
            if (ProfileHook is not null && await ProfileHook(http) is { } status) return Hooked(status);
            var id = http.Request.Query["profileId"].ToString();
            return Profiles.TryGetValue(id, out var p) ? Results.Text(new JsonObject { ["profile"] = p.DeepClone() }.ToJsonString(), "application/json") : Results.NotFound();
        });
        app.MapGet("/history", async (HttpContext http) =>
        {
            Record(http);
            if (HistoryHook is not null && await HistoryHook(http) is { } status) return Results.StatusCode(status);
            var key = (http.Request.Query["userProfileId"].ToString(), http.Request.Query["personaProfileId"].ToString());
            var messages = new JsonArray();
            if (Histories.TryGetValue(key, out var list))
                lock (list) foreach (var m in list) messages.Add(m.DeepClone());
            return Results.Text(new JsonObject { ["messages"] = messages }.ToJsonString(), "application/json");
        });
        app.MapPost("/memory", async (HttpContext http) =>
        {
            Record(http);
            var received = await ReadEventAsync(http);
            var status = MemoryStatus?.Invoke(received) ?? 204;
            if (status is >= 200 and < 300) MemoryEvents.Enqueue(received);
            return Results.StatusCode(status);
        });
        app.MapPost("/incoming", async (HttpContext http) =>
        {
            Record(http);
            using var reader = new StreamReader(http.Request.Body, Encoding.UTF8);
            var body = await reader.ReadToEndAsync();
            var received = new ReceivedEvent(http.Request.Headers["webhook-id"].ToString(),
                long.Parse(http.Request.Headers["webhook-timestamp"].ToString(), System.Globalization.CultureInfo.InvariantCulture),
                http.Request.Headers["webhook-signature"].ToString(), body, JsonNode.Parse(body)!.AsObject(), DateTimeOffset.UtcNow);
            Attempts.Enqueue(received);
            var hooked = IncomingHook is null ? null : await IncomingHook(received, http.RequestAborted);
            var status = hooked ?? IncomingStatus?.Invoke(received) ?? 204;
            if (status is >= 200 and < 300) Events.Enqueue(received);
            if (IncomingRetryAfter?.Invoke(received) is { } retryAfter) http.Response.Headers.RetryAfter = retryAfter;
            return Results.StatusCode(status);
        });
    }

    static async Task<ReceivedEvent> ReadEventAsync(HttpContext http)
    {
        using var reader = new StreamReader(http.Request.Body, Encoding.UTF8);
        var body = await reader.ReadToEndAsync();
        return new ReceivedEvent(http.Request.Headers["webhook-id"].ToString(),
            long.Parse(http.Request.Headers["webhook-timestamp"].ToString(), System.Globalization.CultureInfo.InvariantCulture),
            http.Request.Headers["webhook-signature"].ToString(), body, JsonNode.Parse(body)!.AsObject(), DateTimeOffset.UtcNow);
    }

    /// <summary>Waits until the memory webhook has accepted at least <paramref name="count"/> events.</summary>
    public async Task<List<ReceivedEvent>> WaitForMemoryEventsAsync(int count = 1, double seconds = 20)
    {
        var until = DateTime.UtcNow.AddSeconds(seconds);
        while (true)
        {
            var found = MemoryEvents.ToList();
            if (found.Count >= count) return found;
            if (DateTime.UtcNow > until) throw new TimeoutException($"expected {count} memory events, got {found.Count}");
            await Task.Delay(25, TestContext.Current.CancellationToken);
        }
    }

    void Record(HttpContext http) => Calls.Enqueue(new ReceivedCall(http.Request.Path, http.Request.QueryString.Value ?? "",
        http.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase), DateTimeOffset.UtcNow));

    public int CallCount(string path) => Calls.Count(c => c.Path == path);

    /// <summary>Profile endpoint calls for exactly <paramref name="profileId"/>.</summary>
    public int ProfileCallCount(string profileId) => Calls.Count(c => c.Path == "/profile"
        && Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(c.Query).TryGetValue("profileId", out var v) && v == profileId);

    /// <summary>Waits until at least <paramref name="count"/> calls to <paramref name="path"/> were received.</summary>
    public async Task<List<ReceivedCall>> WaitForCallsAsync(string path, int count = 1, double seconds = 20)
    {
        var until = DateTime.UtcNow.AddSeconds(seconds);
        while (true)
        {
            var found = Calls.Where(c => c.Path == path).ToList();
            if (found.Count >= count) return found;
            if (DateTime.UtcNow > until) throw new TimeoutException($"expected {count} calls to {path}, got {found.Count}");
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }
    }

    public void AddMessage(string user, string persona, JsonObject message)
    {
        var list = Histories.GetOrAdd((user, persona), _ => []);
        lock (list) list.Add(message);
    }

    /// <summary>A user and a persona with valid profiles, and a first message from the user.</summary>
    public void AddPair(string user, string persona, string firstMessage)
    {
        Profiles[user] = Profile(user, "Tomas");
        Profiles[persona] = Profile(persona, "Marta");
        AddUserText(user, persona, firstMessage);
    }

    public void AddUserText(string user, string persona, string text) => AddMessage(user, persona, new JsonObject
    {
        ["id"] = "m-" + Guid.NewGuid().ToString("N")[..8], ["sender"] = "USER",
        ["date"] = DateTimeOffset.UtcNow.ToString("O"), ["text"] = text,
    });

    public static JsonObject Profile(string id, string firstName, string timeZone = "Europe/Madrid", string? version = "v1",
        DateTimeOffset? expiresAt = null) => new()
    {
        ["id"] = id, ["firstName"] = firstName, ["gender"] = "WOMAN", ["version"] = version, ["birthdate"] = "1994-08-21",
        ["timeZone"] = timeZone, ["countryCode"] = "ES", ["city"] = "Valencia",
        ["expiresAt"] = (expiresAt ?? DateTimeOffset.UtcNow.AddDays(1)).ToString("O"),
    };

    /// <summary>Waits until the events matching <paramref name="match"/> number at least <paramref name="count"/>.</summary>
    public async Task<List<ReceivedEvent>> WaitForEventsAsync(Func<ReceivedEvent, bool> match, int count = 1, double seconds = 20)
    {
        var until = DateTime.UtcNow.AddSeconds(seconds);
        while (true)
        {
            var found = Events.Where(match).ToList();
            if (found.Count >= count) return found;
            if (DateTime.UtcNow > until)
                throw new TimeoutException($"expected {count} matching events, got {found.Count}; all events: " +
                                           string.Join(", ", Events.Select(e => e.Event)));
            await Task.Delay(25, TestContext.Current.CancellationToken);
        }
    }

    public Task<List<ReceivedEvent>> WaitForEventAsync(string name, string? user = null, int count = 1, double seconds = 20) =>
        WaitForEventsAsync(e => e.Event == name && (user is null || UserOf(e) == user), count, seconds);

    public static string? UserOf(ReceivedEvent e) =>
        (string?)(e.Data["userProfileId"] ?? e.Data["answer"]?["userProfileId"]);

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
