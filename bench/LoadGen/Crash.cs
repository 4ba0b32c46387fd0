using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace LoadGen;

/// <summary>
/// The crash test's load and its verification. Conversation k is (crash-u{k}, crash-p); its enqueues carry
/// tags.seq = 1, 2, 3, … Each conversation belongs to one worker, which sends its enqueues one at a time, so a
/// conversation's enqueues are committed in seq order and "the newest enqueue a run served" is its highest seq.
/// A failed request (connection error, non-204) is not accepted; its seq is simply skipped.
/// </summary>
static class Crash
{
    public const string Persona = "crash-p";
    public static string User(int k) => $"crash-u{k}";

    public sealed record LoadSummary(int Conversations, long Target, long Attempted, long Accepted, double Seconds,
        double AcceptedPerSecond, Dictionary<string, long> NonAcceptedStatuses, Dictionary<string, long> ConnectionErrors,
        double? FirstErrorAtSeconds, double? LastErrorAtSeconds, IDictionary<int, string> ErrorSamples);

    public static async Task<LoadSummary> LoadAsync(Sender sender, int conversations, int connections, long target, double maxSeconds,
        string bufferSeconds, string progressFile, string acceptedFile)
    {
        var seqs = new long[conversations];
        var accepted = Enumerable.Range(0, conversations).Select(_ => new List<long>()).ToArray();
        long acceptedCount = 0, attempted = 0;
        var start = Time.Now;
        var deadline = start + Time.FromSeconds(maxSeconds);
        long firstError = 0, lastError = 0;
        using var done = new CancellationTokenSource();

        async Task WriteProgressAsync()
        {
            while (!done.IsCancellationRequested)
            {
                var tmp = progressFile + ".tmp";
                await File.WriteAllTextAsync(tmp, Interlocked.Read(ref acceptedCount).ToString(CultureInfo.InvariantCulture));
                File.Move(tmp, progressFile, overwrite: true);
                await Task.Delay(100, CancellationToken.None);
            }
        }
        var progress = Task.Run(WriteProgressAsync);

        async Task<Outcomes> Worker(int w)
        {
            var owned = Enumerable.Range(0, conversations).Where(k => k % connections == w).ToArray();
            var outcomes = new Outcomes();
            if (owned.Length == 0) return outcomes;
            for (var p = 0; Interlocked.Read(ref acceptedCount) < target && Time.Now < deadline; p++)
            {
                var k = owned[p % owned.Length];
                var seq = ++seqs[k];
                Interlocked.Increment(ref attempted);
                try
                {
                    var status = await sender.SendAsync(Bodies.Enqueue(User(k), Persona, bufferSeconds, seq, "crash"), CancellationToken.None);
                    if (status == 204)
                    {
                        accepted[k].Add(seq);
                        Interlocked.Increment(ref acceptedCount);
                        continue;
                    }
                    outcomes.Status(status);
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                {
                    outcomes.Error(ex);
                    var now = Time.Now - start;
                    Interlocked.CompareExchange(ref firstError, now, 0);
                    Interlocked.Exchange(ref lastError, now);
                }
                await Task.Delay(20);   // the server is down or refusing: do not spin
            }
            return outcomes;
        }

        var results = await Task.WhenAll(Enumerable.Range(0, connections).Select(w => Task.Run(() => Worker(w))));
        var seconds = Time.ToSeconds(Time.Now - start);
        await done.CancelAsync();
        await progress;
        await File.WriteAllTextAsync(progressFile, acceptedCount.ToString(CultureInfo.InvariantCulture));

        var text = new StringBuilder();
        for (var k = 0; k < conversations; k++)
            text.Append(User(k)).Append(' ').Append(Persona).Append(' ')
                .AppendJoin(',', accepted[k].Select(s => s.ToString(CultureInfo.InvariantCulture))).Append('\n');
        await File.WriteAllTextAsync(acceptedFile, text.ToString());

        var outcomes = new Outcomes();
        foreach (var o in results) outcomes.Add(o);
        return new LoadSummary(conversations, target, attempted, acceptedCount, Math.Round(seconds, 2), Math.Round(acceptedCount / seconds, 1),
            outcomes.Statuses.ToDictionary(s => s.Key.ToString(CultureInfo.InvariantCulture), s => s.Value), outcomes.Errors,
            firstError == 0 ? null : Math.Round(Time.ToSeconds(firstError), 2), lastError == 0 ? null : Math.Round(Time.ToSeconds(lastError), 2),
            sender.Samples);
    }

    public sealed record Verdict(long Accepted, int Conversations, int ConversationsAnswered, int ConversationsWithLoss, long Lost,
        long AnswerCreated, long ConversationDropped, long AnswerProcessing, double WaitedSeconds, double? AllCoveredAfterSeconds,
        string StoppedBecause, IReadOnlyList<string> LostExamples, LoadSummary? Load);

    sealed record ConversationStats(string UserProfileId, string PersonaProfileId, long MaxSeq, long Answers, long Drops);

    sealed record Stats(Dictionary<string, long> Events, long? MsSinceLastEvent);

    /// <summary>
    /// Polls the fake customer until every conversation is covered and no event came for <paramref name="quiet"/>
    /// seconds, or, while some are not covered, until none came for <paramref name="longQuiet"/> seconds (longer than
    /// DumGum's 30 s lease, after which runs of the killed process resume), or <paramref name="maxWait"/> passed.
    /// </summary>
    public static async Task<Verdict> VerifyAsync(Uri customer, string acceptedFile, double quiet, double longQuiet, double maxWait,
        LoadSummary? load)
    {
        var accepted = new Dictionary<(string, string), long[]>();
        foreach (var line in await File.ReadAllLinesAsync(acceptedFile))
        {
            var parts = line.Split(' ');
            if (parts.Length < 2) continue;
            var seqs = parts.Length > 2 && parts[2].Length > 0
                ? parts[2].Split(',').Select(s => long.Parse(s, CultureInfo.InvariantCulture)).ToArray() : [];
            accepted[(parts[0], parts[1])] = seqs;
        }
        using var http = new HttpClient { BaseAddress = customer, Timeout = TimeSpan.FromSeconds(10) };
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        var start = Time.Now;
        double? allCoveredAfter = null;
        string stopped;
        Dictionary<(string, string), long> maxSeq;
        Stats stats;
        while (true)
        {
            stats = (await http.GetFromJsonAsync<Stats>("stats", options))!;
            var list = (await http.GetFromJsonAsync<List<ConversationStats>>("stats/conversations", options))!;
            maxSeq = list.ToDictionary(c => (c.UserProfileId, c.PersonaProfileId), c => c.MaxSeq);
            var uncovered = accepted.Count(a => a.Value.Length > 0 && a.Value[^1] > maxSeq.GetValueOrDefault(a.Key, -1));
            var elapsed = Time.ToSeconds(Time.Now - start);
            if (uncovered == 0) allCoveredAfter ??= elapsed;
            else allCoveredAfter = null;
            var sinceLast = (stats.MsSinceLastEvent ?? (long)(elapsed * 1000)) / 1000.0;
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"verify: {elapsed,6:F1}s  uncovered conversations {uncovered,5}  answer.created {stats.Events.GetValueOrDefault("answer.created"),7}  dropped {stats.Events.GetValueOrDefault("conversation.dropped"),5}  quiet {sinceLast:F1}s"));
            if (uncovered == 0 && sinceLast >= quiet) { stopped = $"all covered and quiet for {quiet} s"; break; }
            if (sinceLast >= longQuiet) { stopped = $"no event for {longQuiet} s (some conversations not covered)"; break; }
            if (elapsed >= maxWait) { stopped = $"waited the maximum {maxWait} s"; break; }
            await Task.Delay(1000);
        }

        long lost = 0;
        int answered = 0, withLoss = 0;
        var examples = new List<string>();
        foreach (var ((user, persona), seqs) in accepted)
        {
            if (seqs.Length == 0) continue;
            var max = maxSeq.GetValueOrDefault((user, persona), -1);
            var missing = seqs.Count(s => s > max);
            if (missing == 0) { answered++; continue; }
            lost += missing;
            withLoss++;
            if (examples.Count < 10) examples.Add($"{user}/{persona}: {missing} accepted seqs above max covered seq {max} (last accepted {seqs[^1]})");
        }
        return new Verdict(accepted.Values.Sum(s => (long)s.Length), accepted.Count(a => a.Value.Length > 0), answered, withLoss, lost,
            stats.Events.GetValueOrDefault("answer.created"), stats.Events.GetValueOrDefault("conversation.dropped"),
            stats.Events.GetValueOrDefault("answer.processing"), Math.Round(Time.ToSeconds(Time.Now - start), 1),
            allCoveredAfter is { } a ? Math.Round(a, 1) : null, stopped, examples, load);
    }
}
