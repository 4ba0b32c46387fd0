using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;

// A well-behaved customer for the benchmarks. DumGum calls it for profiles and chat history and POSTs its events to
// /incoming; it records, per conversation (userProfileId, personaProfileId), the highest tag "seq" carried by an
// answer.created (data.answer.tags.seq) or a conversation.dropped (data.tags.seq). GET /stats and
// GET /stats/conversations tell what it saw, so a benchmark can decide whether every accepted enqueue was answered.
// It also counts conversations answered (the first answer.created or conversation.dropped of each) and the wall-clock
// times of the first and last such, so an end-to-end rate can be computed against the generator's send times.
var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.ClearProviders();
var app = builder.Build();

var conversations = new ConcurrentDictionary<(string User, string Persona), Conversation>();
var counters = new Counters();
var clock = Stopwatch.StartNew();
var startedAt = DateTimeOffset.UtcNow;

app.MapGet("/profile", (string? profileId) =>
{
    Interlocked.Increment(ref counters.ProfileCalls);
    if (string.IsNullOrEmpty(profileId)) return Results.BadRequest();
    return Results.Json(new { profile = new { id = profileId, firstName = "Bench", timeZone = "Europe/Paris", version = "v1" } });
});

app.MapGet("/history", () =>
{
    Interlocked.Increment(ref counters.HistoryCalls);
    return Results.Json(new { messages = Array.Empty<object>() });
});

app.MapPost("/incoming", async (HttpContext http) =>
{
    JsonDocument document;
    try
    {
        document = await JsonDocument.ParseAsync(http.Request.Body, cancellationToken: http.RequestAborted);
    }
    catch (JsonException)
    {
        Interlocked.Increment(ref counters.Unreadable);
        return Results.BadRequest();
    }
    using (document)
    {
        var root = document.RootElement;
        var name = root.TryGetProperty("event", out var e) && e.ValueKind == JsonValueKind.String ? e.GetString() : null;
        if (!root.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Object)
        {
            Interlocked.Increment(ref counters.Unreadable);
            return Results.BadRequest();
        }
        var owner = name == "answer.created" && data.TryGetProperty("answer", out var answer) ? answer : data;
        var user = Text(owner, "userProfileId");
        var persona = Text(owner, "personaProfileId");
        if (user is null || persona is null)
        {
            Interlocked.Increment(ref counters.Unreadable);
            return Results.BadRequest();
        }
        long? seq = owner.TryGetProperty("tags", out var tags) && tags.ValueKind == JsonValueKind.Object
                    && tags.TryGetProperty("seq", out var s) && s.ValueKind == JsonValueKind.Number && s.TryGetInt64(out var n)
            ? n : null;
        var conversation = conversations.GetOrAdd((user, persona), _ => new Conversation());
        bool firstAnswer;
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        lock (conversation)
        {
            firstAnswer = name is "answer.created" or "conversation.dropped" && conversation.Answers + conversation.Drops == 0;
            if (firstAnswer) conversation.AnsweredAtUnixMs = now;
            switch (name)
            {
                case "answer.processing": conversation.Processing++; break;
                case "answer.created": conversation.Answers++; break;
                case "conversation.dropped": conversation.Drops++; break;
                default: conversation.Other++; break;
            }
            if (name is "answer.created" or "conversation.dropped" && seq > conversation.MaxSeq) conversation.MaxSeq = seq.Value;
            conversation.LastEventMs = clock.ElapsedMilliseconds;
        }
        if (firstAnswer)
        {
            Interlocked.Increment(ref counters.Answered);
            Interlocked.CompareExchange(ref counters.FirstAnsweredAt, now, 0);
            long last;
            do last = Interlocked.Read(ref counters.LastAnsweredAt);
            while (now > last && Interlocked.CompareExchange(ref counters.LastAnsweredAt, now, last) != last);
        }
        switch (name)
        {
            case "answer.processing": Interlocked.Increment(ref counters.Processing); break;
            case "answer.created": Interlocked.Increment(ref counters.Answers); break;
            case "conversation.dropped": Interlocked.Increment(ref counters.Drops); break;
            default: Interlocked.Increment(ref counters.Other); break;
        }
        Interlocked.Exchange(ref counters.LastEventMs, clock.ElapsedMilliseconds);
        return Results.NoContent();
    }
});

app.MapGet("/stats", () =>
{
    var last = Interlocked.Read(ref counters.LastEventMs);
    return Results.Json(new
    {
        startedAt,
        conversations = conversations.Count,
        // conversations that got an answer.created or a conversation.dropped, and when the first and last of those
        // first answers arrived (Unix ms, this machine's clock)
        answered = Interlocked.Read(ref counters.Answered),
        firstAnsweredAtUnixMs = Interlocked.Read(ref counters.FirstAnsweredAt) is var f and > 0 ? f : (long?)null,
        lastAnsweredAtUnixMs = Interlocked.Read(ref counters.LastAnsweredAt) is var l and > 0 ? l : (long?)null,
        events = new Dictionary<string, long>
        {
            ["answer.processing"] = Interlocked.Read(ref counters.Processing),
            ["answer.created"] = Interlocked.Read(ref counters.Answers),
            ["conversation.dropped"] = Interlocked.Read(ref counters.Drops),
            ["other"] = Interlocked.Read(ref counters.Other),
        },
        unreadable = Interlocked.Read(ref counters.Unreadable),
        profileCalls = Interlocked.Read(ref counters.ProfileCalls),
        historyCalls = Interlocked.Read(ref counters.HistoryCalls),
        msSinceLastEvent = last < 0 ? (long?)null : clock.ElapsedMilliseconds - last,
    });
});

app.MapGet("/stats/conversations", () =>
{
    var now = clock.ElapsedMilliseconds;
    var list = new List<object>(conversations.Count);
    foreach (var ((user, persona), c) in conversations)
        lock (c)
            list.Add(new
            {
                userProfileId = user, personaProfileId = persona, maxSeq = c.MaxSeq, answers = c.Answers, drops = c.Drops,
                processing = c.Processing, msSinceLastEvent = now - c.LastEventMs,
                answeredAtUnixMs = c.AnsweredAtUnixMs == 0 ? (long?)null : c.AnsweredAtUnixMs,
            });
    return Results.Json(list);
});

app.MapGet("/healthz", () => Results.Ok());

await app.RunAsync();

static string? Text(JsonElement o, string name) =>
    o.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

sealed class Conversation
{
    public long MaxSeq = -1;
    public long Answers;
    public long Drops;
    public long Processing;
    public long Other;
    public long LastEventMs;
    public long AnsweredAtUnixMs;   // when its first answer.created or conversation.dropped arrived
}

sealed class Counters
{
    public long Processing;
    public long Answers;
    public long Drops;
    public long Other;
    public long Unreadable;
    public long ProfileCalls;
    public long HistoryCalls;
    public long LastEventMs = -1;
    public long Answered;
    public long FirstAnsweredAt;
    public long LastAnsweredAt;
}
