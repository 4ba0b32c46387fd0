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
    IDictionary<int, string> ErrorSamples);

static class Load
{
    /// <summary>
    /// Closed loop: <paramref name="connections"/> workers, each with one request in flight at a time, for
    /// warm-up + duration. Throughput counts 204s completed inside the measured window; latency is send → response
    /// for requests sent inside it.
    /// </summary>
    public static async Task<LoadResult> ClosedAsync(string label, Sender sender, Uri url, byte[][] bodies, int connections,
        double warmup, double duration, CpuSampler cpu)
    {
        var startedAt = DateTimeOffset.UtcNow;
        var start = Time.Now;
        var measureStart = start + Time.FromSeconds(warmup);
        var end = measureStart + Time.FromSeconds(duration);
        var monitor = Monitor(cpu, measureStart, end);

        async Task<(Latencies, Outcomes, long)> Worker(int id)
        {
            var random = new Random(7919 * id + 17);
            var latencies = new Latencies();
            var outcomes = new Outcomes();
            long okInWindow = 0;
            while (true)
            {
                var t0 = Time.Now;
                if (t0 >= end) break;
                try
                {
                    var status = await sender.SendAsync(Pick(random, bodies), CancellationToken.None);
                    var t1 = Time.Now;
                    if (t0 >= measureStart)
                    {
                        latencies.Add(t1 - t0);
                        outcomes.Status(status);
                    }
                    if (status == 204 && t1 >= measureStart && t1 < end) okInWindow++;
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                {
                    if (t0 >= measureStart) outcomes.Error(ex);
                    await Task.Delay(10);
                }
            }
            return (latencies, outcomes, okInWindow);
        }

        var results = await Task.WhenAll(Enumerable.Range(0, connections).Select(i => Task.Run(() => Worker(i))));
        var all = new Latencies();
        var outcomesAll = new Outcomes();
        foreach (var (l, o, _) in results)
        {
            all.AddAll(l);
            outcomesAll.Add(o);
        }
        var ok = results.Sum(r => r.Item3);
        return Result("closed", label, url, connections, null, warmup, duration, startedAt, all.Count, ok, ok / duration,
            outcomesAll, all.Summarize(), null, null, 0, await monitor, sender);
    }

    /// <summary>
    /// Open loop at a fixed rate: a pacer thread releases one ticket per 1/rate seconds (in batches every ~1 ms), each
    /// carrying its intended send time; <paramref name="connections"/> workers take tickets and send. Latency is
    /// measured from the intended send time, so a stalled server is charged for the requests it delayed
    /// (coordinated omission). Tickets still unsent <paramref name="drain"/> seconds after the end are counted as unsent.
    /// </summary>
    /// <summary>--distinct: every request takes the next body in order (each user once), for distinct conversations.</summary>
    public static bool Distinct { get; set; }
    static long next = -1;

    static byte[] Pick(Random random, byte[][] bodies) =>
        Distinct ? bodies[Interlocked.Increment(ref next) % bodies.Length] : bodies[random.Next(bodies.Length)];

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

        async Task<(Latencies, Latencies, Latencies, Outcomes, long)> Worker(int id)
        {
            var random = new Random(7919 * id + 17);
            var latencies = new Latencies();
            var service = new Latencies();
            var lag = new Latencies();
            var outcomes = new Outcomes();
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
                try
                {
                    var status = await sender.SendAsync(Pick(random, bodies), CancellationToken.None);
                    var t1 = Time.Now;
                    if (!measured) continue;
                    latencies.Add(t1 - intended);
                    service.Add(t1 - t0);
                    lag.Add(t0 - intended);
                    outcomes.Status(status);
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                {
                    if (measured) outcomes.Error(ex);
                }
            }
            return (latencies, service, lag, outcomes, unsent);
        }

        var results = await Task.WhenAll(Enumerable.Range(0, connections).Select(i => Task.Run(() => Worker(i))));
        pacer.Join();
        var all = new Latencies();
        var serviceAll = new Latencies();
        var lagAll = new Latencies();
        var outcomesAll = new Outcomes();
        foreach (var (l, s, g, o, _) in results)
        {
            all.AddAll(l);
            serviceAll.AddAll(s);
            lagAll.AddAll(g);
            outcomesAll.Add(o);
        }
        var unsentAll = results.Sum(r => r.Item5);
        return Result("open", label, url, connections, rate, warmup, duration, startedAt, all.Count, outcomesAll.Ok,
            outcomesAll.Ok / duration, outcomesAll, all.Summarize(), serviceAll.Summarize(), lagAll.Summarize(), unsentAll,
            await monitor, sender);
    }

    static async Task<CpuSampler.CpuUse> Monitor(CpuSampler cpu, long from, long to)
    {
        await Time.UntilAsync(from);
        cpu.Start();
        await Time.UntilAsync(to);
        return cpu.Stop();
    }

    static LoadResult Result(string mode, string label, Uri url, int connections, double? rate, double warmup, double duration,
        DateTimeOffset startedAt, long completed, long ok, double throughput, Outcomes outcomes, Latencies.Summary latency,
        Latencies.Summary? service, Latencies.Summary? lag, long unsent, CpuSampler.CpuUse cpu, Sender sender) =>
        new(mode, label, url.ToString(), connections, rate, warmup, duration, startedAt, completed, ok, Math.Round(throughput, 1),
            outcomes.NotOk == 0 && unsent == 0 && ok > 0,
            outcomes.Statuses.ToDictionary(s => s.Key.ToString(CultureInfo.InvariantCulture), s => s.Value),
            outcomes.Errors, latency, service, lag, unsent, cpu, sender.Samples);
}
