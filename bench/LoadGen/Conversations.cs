using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;

namespace LoadGen;

/// <summary>
/// The end-to-end benchmark's bookkeeping (run-conversations.sh): after a load of distinct conversations, waits
/// until the bench customer has heard of every accepted one, counts accepted vs answered, and computes the rate of
/// answered conversations from the first enqueue sent to the last conversation answered.
/// </summary>
static class Conversations
{
    /// <summary>
    /// One phase's conversations. <c>Answered</c>: accepted conversations that got an <c>answer.created</c>;
    /// <c>Dropped</c>: accepted ones that got only a <c>conversation.dropped</c>; <c>Lost</c> = accepted − answered
    /// (drops included: a drop is not an answer). <c>PerSecond</c> = answered ÷ (first enqueue sent → the last of
    /// them answered), both read from this machine's wall clock (the generator and the customer are separate processes).
    /// </summary>
    public sealed record Answered(string Label, long Accepted, long AnsweredCount, long Dropped, long Lost, long AnsweredNotAccepted,
        DateTimeOffset? FirstSendAt, DateTimeOffset? LastAnsweredAt, double? SpanSeconds, double? PerSecond,
        double WaitedSeconds, string StoppedBecause, IReadOnlyList<string> LostExamples, CpuSampler.CpuUse WaitCpu);

    sealed record Stats(long Answered, long? MsSinceLastEvent, Dictionary<string, long> Events);

    sealed record ConversationStats(string UserProfileId, string PersonaProfileId, long Answers, long Drops, long? AnsweredAtUnixMs);

    static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    /// <summary>
    /// Polls the customer's cheap <c>/stats</c> every 0.5 s; once its answered count, less the
    /// <paramref name="already"/> answered before this load, reaches the accepted count, reads the
    /// per-conversation list and stops when every accepted conversation is answered or dropped. Otherwise stops after
    /// <paramref name="quiet"/> s without any event (a delivery retry comes well within 10 s) or <paramref name="maxWait"/> s.
    /// </summary>
    public static async Task<Answered> WaitAsync(Uri customer, LoadResult load, string acceptedFile, string persona, string userPrefix,
        long already, double quiet, double maxWait, CpuSampler cpu)
    {
        var accepted = (await File.ReadAllLinesAsync(acceptedFile)).Where(l => l.Length > 0).ToHashSet(StringComparer.Ordinal);
        using var http = new HttpClient { BaseAddress = customer, Timeout = TimeSpan.FromSeconds(30) };
        var start = Time.Now;
        cpu.Start();
        string stopped;
        Dictionary<string, ConversationStats>? list = null;
        var lastPrint = 0.0;
        while (true)
        {
            var stats = (await http.GetFromJsonAsync<Stats>("stats", Web))!;
            var elapsed = Time.ToSeconds(Time.Now - start);
            list = null;
            if (stats.Answered - already >= accepted.Count)
            {
                list = await ListAsync(http, persona);
                if (accepted.All(u => list.TryGetValue(u, out var c) && c.Answers + c.Drops > 0))
                {
                    stopped = "every accepted conversation answered or dropped";
                    break;
                }
            }
            var sinceLast = (stats.MsSinceLastEvent ?? (long)(elapsed * 1000)) / 1000.0;
            if (elapsed - lastPrint >= 5)
            {
                lastPrint = elapsed;
                Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"[{load.Label}] waiting {elapsed,5:F1} s: answered or dropped {stats.Answered - already} of {accepted.Count} accepted; quiet {sinceLast:F1} s"));
            }
            if (sinceLast >= quiet && elapsed >= quiet) { stopped = $"no event for {quiet} s"; break; }
            if (elapsed >= maxWait) { stopped = $"waited the maximum {maxWait} s"; break; }
            await Task.Delay(500);
        }
        var waited = Time.ToSeconds(Time.Now - start);
        var waitCpu = cpu.Stop();
        list ??= await ListAsync(http, persona);

        long answered = 0, dropped = 0;
        long? lastAnsweredAt = null;
        var examples = new List<string>();
        foreach (var user in accepted)
        {
            if (list.TryGetValue(user, out var c) && c.Answers > 0)
            {
                answered++;
                if (c.AnsweredAtUnixMs is { } at && at > (lastAnsweredAt ?? 0)) lastAnsweredAt = at;
                continue;
            }
            if (c is { Drops: > 0 }) dropped++;
            if (examples.Count < 10) examples.Add(c is null ? $"{user}: no event at all" : $"{user}: dropped, no answer");
        }
        var notAccepted = list.Keys.Count(u => u.StartsWith(userPrefix, StringComparison.Ordinal) && !accepted.Contains(u));
        var first = load.All.FirstSendAt;
        DateTimeOffset? last = lastAnsweredAt is { } ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null;
        double? span = first is { } f && last is { } l ? Math.Round((l - f).TotalSeconds, 3) : null;
        double? perSecond = span is > 0 ? Math.Round(answered / span.Value, 1) : null;
        return new Answered(load.Label, accepted.Count, answered, dropped, accepted.Count - answered, notAccepted, first, last,
            span, perSecond, Math.Round(waited, 1), stopped, examples, waitCpu);
    }

    static async Task<Dictionary<string, ConversationStats>> ListAsync(HttpClient http, string persona) =>
        (await http.GetFromJsonAsync<List<ConversationStats>>("stats/conversations", Web))!
            .Where(c => c.PersonaProfileId == persona)
            .ToDictionary(c => c.UserProfileId, StringComparer.Ordinal);

    public static Answered Read(string path) =>
        JsonSerializer.Deserialize<Answered>(File.ReadAllText(path), Report.Json) ?? throw new ArgumentException($"{path} is empty");

    static string F(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    public static string Human(string label, Answered a) => string.Join('\n', new[]
    {
        F($"[{label}] accepted {a.Accepted}, answered {a.AnsweredCount}, dropped {a.Dropped}, lost (accepted - answered) {a.Lost}; answered but never accepted (the 204 did not reach the generator) {a.AnsweredNotAccepted}"),
        F($"  first enqueue -> last answer {(a.SpanSeconds is { } s ? F($"{s:F2} s") : "?")}: {(a.PerSecond is { } r ? F($"{r:F0}") : "?")} answered conversations/s; waited {a.WaitedSeconds:F1} s after the load ({a.StoppedBecause})"),
        Report.Cpu(a.WaitCpu).Replace("  cpu", "  cpu while waiting", StringComparison.Ordinal),
    }.Concat(a.LostExamples.Select(e => "  not answered: " + e)));

    /// <summary>One phase in the summary: what the generator sent and saw (all requests, warm-up included), latency over the measured window, and the answers.</summary>
    public sealed record Phase(string Label, string Loop, int Connections, double? OfferedRate, double LoadSeconds, long Sent,
        long Accepted, long Refused503, long OtherStatuses, long Errors, long Unsent, Latencies.Summary LatencyMs,
        long Answered, long Dropped, long Lost, double? AnsweredPerSecond, string StoppedBecause,
        CpuSampler.CpuUse LoadCpu, CpuSampler.CpuUse WaitCpu);

    public sealed record ConversationsVerdict(DateTimeOffset Date, double BareThroughput, double BareP99Ms, Phase Capacity,
        Phase Overload, long Lost, Dictionary<string, bool> Goals, LoadResult Bare);

    static Phase ToPhase(LoadResult load, Answered answered)
    {
        var statuses = load.All.Statuses;
        var refused = statuses.GetValueOrDefault("503");
        return new Phase(load.Label, load.Mode, load.Connections, load.TargetRate, load.WarmupSeconds + load.DurationSeconds,
            load.All.Sent, load.All.Accepted, refused, statuses.Where(s => s.Key is not ("204" or "503")).Sum(s => s.Value),
            load.All.Errors.Values.Sum(), load.Unsent, load.LatencyMs, answered.AnsweredCount, answered.Dropped, answered.Lost,
            answered.PerSecond, answered.StoppedBecause, load.Cpu, answered.WaitCpu);
    }

    /// <summary>Was the overload phase offered (at least) twice the capacity measured, as the goal requires? (The script's default.)</summary>
    static bool TwiceCapacity(Phase capacity, Phase overload) =>
        capacity.AnsweredPerSecond is { } c && overload.OfferedRate >= Math.Floor(c) * 2;

    public static ConversationsVerdict Verdict(LoadResult bare, LoadResult capacityLoad, Answered capacity, LoadResult overloadLoad, Answered overload)
    {
        var c = ToPhase(capacityLoad, capacity);
        var o = ToPhase(overloadLoad, overload);
        var goals = new Dictionary<string, bool>
        {
            ["answered conversations/s >= 2000"] = c.AnsweredPerSecond >= 2000,
            // unsent tickets were never measured: a p99 that leaves them out would flatter the server
            ["enqueue p99 <= 50 ms at 2 x capacity"] = TwiceCapacity(c, o) && o.LatencyMs.Count > 0 && o.LatencyMs.P99 <= 50 && o.Unsent == 0,
            ["every accepted enqueue answered"] = c.Lost == 0 && o.Lost == 0 && c.Accepted > 0 && o.Accepted > 0,
        };
        return new ConversationsVerdict(DateTimeOffset.UtcNow, bare.Throughput, bare.LatencyMs.P99, c, o, c.Lost + o.Lost, goals, bare);
    }

    public static string Human(ConversationsVerdict v)
    {
        var c = v.Capacity;
        var o = v.Overload;
        var lines = new List<string>
        {
            "==================== end-to-end conversations (issue 9, point 7) ====================",
            F($"baseline, bare Kestrel ({v.Bare.Mode} loop, {v.Bare.Connections} connections): {v.BareThroughput:F0} req/s, p99 {v.BareP99Ms:F2} ms"),
            F($"capacity: {c.Sent} distinct conversations sent ({c.Loop} loop, {c.Connections} connections, {c.LoadSeconds:F0} s at most)"),
            F($"  accepted {c.Accepted}, 503 {c.Refused503}, other statuses {c.OtherStatuses}, connection errors {c.Errors}"),
            F($"  answered {c.Answered}, dropped {c.Dropped}, lost (accepted - answered) {c.Lost}"),
            F($"  CAPACITY: {(c.AnsweredPerSecond is { } r ? F($"{r:F0}") : "?")} answered conversations/s (first enqueue sent -> last conversation answered)"),
            F($"overload: offered {o.OfferedRate:F0} enqueues/s{(TwiceCapacity(c, o) ? " = 2 x capacity" : " (NOT 2 x capacity: set by OVERLOAD_RATE)")} ({o.Loop} loop, {o.Connections} connections, {o.LoadSeconds:F0} s)"),
            F($"  sent {o.Sent}, accepted {o.Accepted}, 503 {o.Refused503}, other statuses {o.OtherStatuses}, connection errors {o.Errors}, unsent (measured window) {o.Unsent}"),
            F($"  enqueue latency from the intended send time (measured window, 204 and 503 alike, n={o.LatencyMs.Count}): p50 {o.LatencyMs.P50:F2} ms, p95 {o.LatencyMs.P95:F2} ms, p99 {o.LatencyMs.P99:F2} ms, max {o.LatencyMs.Max:F2} ms"),
            F($"  answered {o.Answered}, dropped {o.Dropped}, lost (accepted - answered) {o.Lost}; end to end {(o.AnsweredPerSecond is { } r2 ? F($"{r2:F0}") : "?")} answered conversations/s"),
            "capacity, while sending:  " + Report.Cpu(c.LoadCpu).Trim(),
            "capacity, while draining: " + Report.Cpu(c.WaitCpu).Trim(),
            "overload, measured window: " + Report.Cpu(o.LoadCpu).Trim(),
        };
        foreach (var (goal, met) in v.Goals) lines.Add($"goal {goal,-40} {(met ? "met" : "NOT MET")}");
        lines.Add(v.Lost == 0 ? "every accepted enqueue was answered" : F($"LOST: {v.Lost} accepted enqueue(s) never answered"));
        return string.Join('\n', lines);
    }
}
