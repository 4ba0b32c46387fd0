using System.Collections.Concurrent;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace DumGum.Tests.Infrastructure;

/// <summary>One scripted answer of the fake model server.</summary>
/// <param name="Content">The assistant message content (ignored when <paramref name="Status"/> is not 200 or <paramref name="RawBody"/> is set).</param>
/// <param name="Status">HTTP status; anything but 200 answers with an OpenAI-style error body.</param>
/// <param name="PromptTokens">Reported <c>usage.prompt_tokens</c>; null leaves <c>usage</c> out.</param>
/// <param name="CompletionTokens">Reported <c>usage.completion_tokens</c>.</param>
/// <param name="Delay">Wait before answering (honours the request's abort).</param>
/// <param name="RawBody">A body sent as is, for broken responses.</param>
/// <param name="Headers">Extra response headers (e.g. <c>Retry-After</c>).</param>
public sealed record ModelReply(
    string? Content = null,
    int Status = 200,
    int? PromptTokens = 100,
    int CompletionTokens = 20,
    TimeSpan Delay = default,
    string? RawBody = null,
    IReadOnlyDictionary<string, string>? Headers = null)
{
    /// <summary>The structured answer the prompt asks for, with <paramref name="parts"/> as the message(s).</summary>
    public static ModelReply Json(params string[] parts) => new(Structured(parts));

    public static string Structured(string[] parts, string? pictureId = null, bool poke = false, string? trueSignal = null)
    {
        var signals = new JsonObject();
        foreach (var name in DumGum.Replies.ReplyFormat.SignalNames) signals[name] = name == trueSignal;
        return new JsonObject
        {
            ["parts"] = new JsonArray([.. parts.Select(p => (JsonNode?)JsonValue.Create(p))]),
            ["pictureId"] = pictureId,
            ["poke"] = poke,
            ["signals"] = signals,
        }.ToJsonString();
    }

    public static ModelReply Text(string text) => new(text);

    public static ModelReply Error(int status, string? message = null) => new(message ?? $"fake error {status}", status);
}

/// <summary>A request the fake model server received: the JSON body and the headers.</summary>
public sealed record ModelRequest(JsonObject Body, IReadOnlyDictionary<string, string> Headers, DateTimeOffset At)
{
    public string? Model => (string?)Body["model"];
    public string? ResponseFormatType => (string?)Body["response_format"]?["type"];
    public bool Stream => (bool?)Body["stream"] ?? false;

    /// <summary>The chat messages as (role, text), whether content was sent as a string or as parts.</summary>
    public IReadOnlyList<(string Role, string Content)> Messages => Body["messages"] is JsonArray messages
        ? messages.OfType<JsonObject>().Select(m => ((string?)m["role"] ?? "", ContentOf(m["content"]))).ToList()
        : [];

    /// <summary>All message text, for "the prompt contains …" assertions.</summary>
    public string PromptText => string.Join("\n", Messages.Select(m => m.Content));

    static string ContentOf(JsonNode? content) => content switch
    {
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        JsonArray parts => string.Join("", parts.OfType<JsonObject>().Select(p => (string?)p["text"] ?? "")),
        _ => "",
    };
}

/// <summary>
/// An OpenAI-compatible chat completions server on a loopback port (<c>POST /v1/chat/completions</c>, non-streaming and
/// streaming, plus <c>GET /v1/models</c>). Every request is recorded; answers come from <see cref="Script"/> in order,
/// then from <see cref="Default"/>.
/// </summary>
public sealed class FakeModelServer : IAsyncDisposable
{
    readonly WebApplication app;
    int served;

    FakeModelServer(WebApplication app) => this.app = app;

    public ConcurrentQueue<ModelRequest> Requests { get; } = new();
    public ConcurrentQueue<ModelReply> Script { get; } = new();

    /// <summary>The answer when the script is empty (default: a friendly English structured reply).</summary>
    public Func<ModelRequest, ModelReply> Default { get; set; } = _ => ModelReply.Json("Hey you! I just got back from a long walk by the sea, how was your day?");

    public string BaseUrl { get; private set; } = "";

    /// <summary>What <c>Generation:Endpoint</c> is set to.</summary>
    public string Endpoint => BaseUrl + "/v1";

    public int Served => Volatile.Read(ref served);

    public static async Task<FakeModelServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var server = new FakeModelServer(app);
        server.Map();
        await app.StartAsync();
        server.BaseUrl = app.Urls.First().TrimEnd('/');
        return server;
    }

    public void Enqueue(params ModelReply[] replies)
    {
        foreach (var r in replies) Script.Enqueue(r);
    }

    void Map()
    {
        app.MapGet("/v1/models", () => Results.Text("""{"object":"list","data":[{"id":"fake","object":"model","owned_by":"tests"}]}""", "application/json"));
        app.MapPost("/v1/chat/completions", async (HttpContext http) =>
        {
            using var reader = new StreamReader(http.Request.Body, Encoding.UTF8);
            var text = await reader.ReadToEndAsync(http.RequestAborted);
            var request = new ModelRequest(JsonNode.Parse(text)!.AsObject(),
                http.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase), DateTimeOffset.UtcNow);
            Requests.Enqueue(request);
            var reply = Script.TryDequeue(out var scripted) ? scripted : Default(request);
            Interlocked.Increment(ref served);
            if (reply.Delay > TimeSpan.Zero) await Task.Delay(reply.Delay, http.RequestAborted);
            foreach (var (name, value) in reply.Headers ?? new Dictionary<string, string>()) http.Response.Headers[name] = value;

            if (reply.RawBody is not null)
            {
                http.Response.StatusCode = reply.Status;
                http.Response.ContentType = "application/json";
                await http.Response.WriteAsync(reply.RawBody, http.RequestAborted);
                return;
            }
            if (reply.Status != 200)
            {
                http.Response.StatusCode = reply.Status;
                http.Response.ContentType = "application/json";
                var error = new JsonObject
                {
                    ["error"] = new JsonObject { ["message"] = reply.Content, ["type"] = "fake_error", ["param"] = null, ["code"] = reply.Status },
                };
                await http.Response.WriteAsync(error.ToJsonString(), http.RequestAborted);
                return;
            }
            if (request.Stream) await StreamAsync(http, request, reply);
            else
            {
                http.Response.ContentType = "application/json";
                await http.Response.WriteAsync(Completion(request, reply).ToJsonString(), http.RequestAborted);
            }
        });
    }

    static JsonObject Completion(ModelRequest request, ModelReply reply)
    {
        var body = new JsonObject
        {
            ["id"] = "chatcmpl-" + Guid.NewGuid().ToString("N")[..12],
            ["object"] = "chat.completion",
            ["created"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
            ["model"] = request.Model,
            ["choices"] = new JsonArray(new JsonObject
            {
                ["index"] = 0,
                ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = reply.Content ?? "" },
                ["finish_reason"] = "stop",
            }),
        };
        if (Usage(reply) is { } usage) body["usage"] = usage;
        return body;
    }

    static JsonObject? Usage(ModelReply reply) => reply.PromptTokens is { } prompt
        ? new JsonObject { ["prompt_tokens"] = prompt, ["completion_tokens"] = reply.CompletionTokens, ["total_tokens"] = prompt + reply.CompletionTokens }
        : null;

    static async Task StreamAsync(HttpContext http, ModelRequest request, ModelReply reply)
    {
        http.Response.ContentType = "text/event-stream";
        var id = "chatcmpl-" + Guid.NewGuid().ToString("N")[..12];
        var created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        JsonObject Chunk(JsonObject delta, string? finish) => new()
        {
            ["id"] = id, ["object"] = "chat.completion.chunk", ["created"] = created, ["model"] = request.Model,
            ["choices"] = new JsonArray(new JsonObject { ["index"] = 0, ["delta"] = delta, ["finish_reason"] = finish }),
        };
        async Task Send(JsonObject chunk)
        {
            await http.Response.WriteAsync("data: " + chunk.ToJsonString() + "\n\n", http.RequestAborted);
            await http.Response.Body.FlushAsync(http.RequestAborted);
        }

        await Send(Chunk(new JsonObject { ["role"] = "assistant", ["content"] = "" }, null));
        var content = reply.Content ?? "";
        for (var i = 0; i < content.Length; i += 16)
            await Send(Chunk(new JsonObject { ["content"] = content.Substring(i, Math.Min(16, content.Length - i)) }, null));
        await Send(Chunk(new JsonObject(), "stop"));
        if ((bool?)request.Body["stream_options"]?["include_usage"] == true && Usage(reply) is { } usage)
            await Send(new JsonObject
            {
                ["id"] = id, ["object"] = "chat.completion.chunk", ["created"] = created, ["model"] = request.Model,
                ["choices"] = new JsonArray(), ["usage"] = usage,
            });
        await http.Response.WriteAsync("data: [DONE]\n\n", http.RequestAborted);
    }

    /// <summary>Waits until at least <paramref name="count"/> requests were received.</summary>
    public async Task<List<ModelRequest>> WaitForRequestsAsync(int count = 1, double seconds = 20)
    {
        var until = DateTime.UtcNow.AddSeconds(seconds);
        while (true)
        {
            var found = Requests.ToList();
            if (found.Count >= count) return found;
            if (DateTime.UtcNow > until) throw new TimeoutException($"expected {count} model requests, got {found.Count}");
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
