using System.Diagnostics;
using System.Globalization;
using System.Threading.Channels;

namespace LoadGen;

/// <summary>The result of one closed- or open-loop phase, as written to the JSON file.</summary>
sealed record LoadResult(
    string Mode,
    string Label,
    string Url,
    int Connections,
    double? TargetRate,
    double WarmupSeconds,
    double DurationSeconds,
    DateTimeOffset StartedAt,
    long Completed,
    long Ok,
    double Throughput,
    bool AllOk,
    Dictionary<string, long> Statuses,
    Dictionary<string, long> Errors,
    Latencies.Summary LatencyMs,
    Latencies.Summary? ServiceTimeMs,
    Latencies.Summary? ScheduleLagMs,
    long Unsent,
    CpuSampler.CpuUse Cpu,
    IDictionary<int, string> ErrorSamples,
    Load.Totals All);

static class Load
{
    /// <summary>
    /// Every request of the phase, warm-up and drain included (the window's figures above count only the measured
    /// window): how many were sent, their statuses and errors, <c>Accepted</c> = the 204s, and the wall-clock times of
    /// the first send and the last response, for an end-to-end rate computed against another process's clock.
    /// </summary>
    public sealed record Totals(long Sent, long Accepted, Dictionary<string, long> Statuses, Dictionary<string, long> Errors,
        DateTimeOffset? FirstSendAt, DateTimeOffset? LastResponseAt);

    /// <summary>What every worker records for the whole phase: outcomes, the users accepted, first send, last response.</summary>
    sealed class Tally
    {
        public readonly Outcomes Outcomes = new();
        public readonly List<int> Accepted = [];
        public long Sent;
        public long FirstSend = long.MaxValue;
        public long LastResponse = long.MinValue;

        public void Record(int user, long t0, long t1, int status)
        {
            Sent++;
            FirstSend = Math.Min(FirstSend, t0);
            LastResponse = Math.Max(LastResponse, t1);
            Outcomes.Status(status);
            if (status == 204) Accepted.Add(user);
        }

        public void Failed(long t0, Exception ex)
        {
            Sent++;
            FirstSend = Math.Min(FirstSend, t0);
            Outcomes.Error(ex);
        }
    }

    /// <summary>Where the users accepted (204) are written, one id per line; null: not written.</summary>
    public static string? AcceptedFile { get; set; }

    /// <summary>The user id of each body, in the same order (for <see cref="AcceptedFile"/>).</summary>
    public static string[] Users { get; set; } = [];

    static async Task<Totals> MergeAsync(IEnumerable<Tally> tallies)
    {
        // A UTC anchor for Stopwatch timestamps: both clocks read now, the offset applied to each timestamp.
        var utcNow = DateTimeOffset.UtcNow;
        var ticksNow = Time.Now;
        DateTimeOffset? Utc(long t) => t is long.MaxValue or long.MinValue ? null : utcNow + TimeSpan.FromSeconds(Time.ToSeconds(t - ticksNow));
        var outcomes = new Outcomes();
        var accepted = new HashSet<int>();
        long sent = 0, first = long.MaxValue, last = long.MinValue;
        foreach (var t in tallies)
        {
            outcomes.Add(t.Outcomes);
            accepted.UnionWith(t.Accepted);
            sent += t.Sent;
            first = Math.Min(first, t.FirstSend);
            last = Math.Max(last, t.LastResponse);
        }
        if (AcceptedFile is { } file)
            await File.WriteAllLinesAsync(file, accepted.Order().Select(i => Users.Length > i ? Users[i] : i.ToString(CultureInfo.InvariantCulture)));
        return new Totals(sent, outcomes.Ok, outcomes.Statuses.ToDictionary(s => s.Key.ToString(CultureInfo.InvariantCulture), s => s.Value),
            outcomes.Errors, Utc(first), Utc(last));
    }

    /// <summary>
    /// Closed loop: <paramref name="connections"/> workers, each with one request in flight at a time, for
    /// warm-up + duration, or until <paramref name="total"/> requests were sent (0: no count bound), whichever comes
    /// first. Throughput counts 204s completed inside the measured window (cut short by the count bound); latency is
    /// send → response for requests sent inside it.
    /// </summary>
    public static async Task<LoadResult> ClosedAsync(string label, Sender sender, Uri url, byte[][] bodies, int connections,
        double warmup, double duration, long total, CpuSampler cpu)
    {
        var startedAt = DateTimeOffset.UtcNow;
        var start = Time.Now;
        var measureStart = start + Time.FromSeconds(warmup);
        var end = measureStart + Time.FromSeconds(duration);
        var workersDone = new TaskCompletionSource();
        var monitor = Monitor(cpu, measureStart, end, workersDone.Task);
        long taken = 0;

        async Task<(Latencies, Outcomes, long, Tally)> Worker(int id)
        {
            var random = new Random(7919 * id + 17);
            var latencies = new Latencies();
            var outcomes = new Outcomes();
            var tally = new Tally();
            long okInWindow = 0;
            while (true)
            {
                var t0 = Time.Now;
                if (t0 >= end) break;
                if (total > 0 && Interlocked.Increment(ref taken) > total) break;
                var (user, body) = Pick(random, bodies);
                try
                {
                    var status = await sender.SendAsync(body, CancellationToken.None);
                    var t1 = Time.Now;
                    tally.Record(user, t0, t1, status);
                    if (t0 >= measureStart)
                    {
                        latencies.Add(t1 - t0);
                        outcomes.Status(status);
                    }
                    if (status == 204 && t1 >= measureStart && t1 < end) okInWindow++;
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                {
                    tally.Failed(t0, ex);
                    if (t0 >= measureStart) outcomes.Error(ex);
                    await Task.Delay(10);
                }
            }
            return (latencies, outcomes, okInWindow, tally);
        }

        var results = await Task.WhenAll(Enumerable.Range(0, connections).Select(i => Task.Run(() => Worker(i))));
        var finished = Time.Now;
        workersDone.SetResult();
        var all = new Latencies();
        var outcomesAll = new Outcomes();
        foreach (var (l, o, _, _) in results)
        {
            all.AddAll(l);
            outcomesAll.Add(o);
        }
        var ok = results.Sum(r => r.Item3);
        var measured = Math.Max(1e-3, Time.ToSeconds(Math.Min(end, finished) - measureStart));
        return Result("closed", label, url, connections, null, warmup, duration, startedAt, all.Count, ok, ok / measured,
            outcomesAll, all.Summarize(), null, null, 0, await monitor, sender, await MergeAsync(results.Select(r => r.Item4)));
    }

    /// <summary>--distinct: every request takes the next body in order (each user once), for distinct conversations.</summary>
    public static bool Distinct { get; set; }
    static long next = -1;

    static (int User, byte[] Body) Pick(Random random, byte[][] bodies)
    {
        var i = Distinct ? (int)(Interlocked.Increment(ref next) % bodies.Length) : random.Next(bodies.Length);
        return (i, bodies[i]);
    }

    /// <summary>
    /// Open loop at a fixed rate: a pacer thread releases one ticket per 1/rate seconds (in batches every ~1 ms), each
    /// carrying its intended send time; <paramref name="connections"/> workers take tickets and send. Latency is
    /// measured from the intended send time, so a stalled server is charged for the requests it delayed
    /// (coordinated omission). Tickets still unsent <paramref name="drain"/> seconds after the end are counted as unsent.
    /// </summary>
    public static async Task<LoadResult> OpenAsync(string label, Sender sender, Uri url, byte[][] bodies, int connections,
        double rate, double warmup, double duration, double drain, CpuSampler cpu)
    {
        var startedAt = DateTimeOffset.UtcNow;
        var start = Time.Now + Time.FromSeconds(0.05);
        var measureStart = start + Time.FromSeconds(warmup);
        var end = measureStart + Time.FromSeconds(duration);
        var drainDeadline = end + Time.FromSeconds(drain);
        var total = (long)Math.Round((warmup + duration) * rate);
        var interval = Stopwatch.Frequency / rate;
        var tickets = Channel.CreateUnbounded<long>(new UnboundedChannelOptions { SingleWriter = true });
        var monitor = Monitor(cpu, measureStart, end);

        var pacer = new Thread(() =>
        {
            long i = 0;
            while (i < total)
            {
                var now = Time.Now;
                while (i < total)
                {
                    var intended = start + (long)(i * interval);
                    if (intended > now) break;
                    tickets.Writer.TryWrite(intended);
                    i++;
                }
                if (i < total) Thread.Sleep(1);
            }
            tickets.Writer.Complete();
        }) { IsBackground = true, Name = "pacer", Priority = ThreadPriority.AboveNormal };
        pacer.Start();

        async Task<(Latencies, Latencies, Latencies, Outcomes, long, Tally)> Worker(int id)
        {
            var random = new Random(7919 * id + 17);
            var latencies = new Latencies();
            var service = new Latencies();
            var lag = new Latencies();
            var outcomes = new Outcomes();
            var tally = new Tally();
            long unsent = 0;
            while (true)
            {
                long intended;
                try
                {
                    intended = await tickets.Reader.ReadAsync();
                }
                catch (ChannelClosedException)
                {
                    break;
                }
                var t0 = Time.Now;
                var measured = intended >= measureStart && intended < end;
                if (t0 > drainDeadline)
                {
                    if (measured) unsent++;
                    continue;
                }
                var (user, body) = Pick(random, bodies);
                try
                {
                    var status = await sender.SendAsync(body, CancellationToken.None);
                    var t1 = Time.Now;
                    tally.Record(user, t0, t1, status);
                    if (!measured) continue;
                    latencies.Add(t1 - intended);
                    service.Add(t1 - t0);
                    lag.Add(t0 - intended);
                    outcomes.Status(status);
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                {
                    tally.Failed(t0, ex);
                    if (measured) outcomes.Error(ex);
                }
            }
            return (latencies, service, lag, outcomes, unsent, tally);
        }

        var results = await Task.WhenAll(Enumerable.Range(0, connections).Select(i => Task.Run(() => Worker(i))));
        pacer.Join();
        var all = new Latencies();
        var serviceAll = new Latencies();
        var lagAll = new Latencies();
        var outcomesAll = new Outcomes();
        foreach (var (l, s, g, o, _, _) in results)
        {
            all.AddAll(l);
            serviceAll.AddAll(s);
            lagAll.AddAll(g);
            outcomesAll.Add(o);
        }
        var unsentAll = results.Sum(r => r.Item5);
        return Result("open", label, url, connections, rate, warmup, duration, startedAt, all.Count, outcomesAll.Ok,
            outcomesAll.Ok / duration, outcomesAll, all.Summarize(), serviceAll.Summarize(), lagAll.Summarize(), unsentAll,
            await monitor, sender, await MergeAsync(results.Select(r => r.Item6)));
    }

    /// <summary>CPU use from <paramref name="from"/> to <paramref name="to"/>, or until <paramref name="stopEarly"/> completes.</summary>
    static async Task<CpuSampler.CpuUse> Monitor(CpuSampler cpu, long from, long to, Task? stopEarly = null)
    {
        await Time.UntilAsync(from);
        cpu.Start();
        var until = Time.UntilAsync(to);
        await (stopEarly is null ? until : Task.WhenAny(until, stopEarly));
        return cpu.Stop();
    }

    static LoadResult Result(string mode, string label, Uri url, int connections, double? rate, double warmup, double duration,
        DateTimeOffset startedAt, long completed, long ok, double throughput, Outcomes outcomes, Latencies.Summary latency,
        Latencies.Summary? service, Latencies.Summary? lag, long unsent, CpuSampler.CpuUse cpu, Sender sender, Totals totals) =>
        new(mode, label, url.ToString(), connections, rate, warmup, duration, startedAt, completed, ok, Math.Round(throughput, 1),
            outcomes.NotOk == 0 && unsent == 0 && ok > 0,
            outcomes.Statuses.ToDictionary(s => s.Key.ToString(CultureInfo.InvariantCulture), s => s.Value),
            outcomes.Errors, latency, service, lag, unsent, cpu, sender.Samples, totals);
}
