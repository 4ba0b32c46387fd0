using System.Globalization;
using System.Text.Json;

namespace LoadGen;

/// <summary>Human summaries, and the enqueue benchmark's verdict against its goals.</summary>
static class Report
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    static string F(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    static string N(double? v) => v?.ToString("F2", CultureInfo.InvariantCulture) ?? "?";

    public static string Human(LoadResult r)
    {
        var l = r.LatencyMs;
        var lines = new List<string>
        {
            F($"[{r.Label}] {r.Mode} loop, {r.Connections} connections{(r.TargetRate is { } t ? F($", target {t:F0} req/s") : "")}, {r.DurationSeconds:F0} s (+{r.WarmupSeconds:F0} s warm-up)"),
            F($"  throughput {r.Throughput:F0} req/s ({r.Ok} x 204 in the window); all 204: {(r.AllOk ? "yes" : "NO")}"),
            F($"  latency ms{(r.Mode == "open" ? " (from intended send time)" : "")}: p50 {l.P50:F2}  p90 {l.P90:F2}  p99 {l.P99:F2}  p99.9 {l.P999:F2}  max {l.Max:F2}  (n={l.Count})"),
        };
        if (r.ServiceTimeMs is { } s) lines.Add(F($"  service time ms (actual send -> response): p50 {s.P50:F2}  p99 {s.P99:F2}  max {s.Max:F2}"));
        if (r.ScheduleLagMs is { } g) lines.Add(F($"  schedule lag ms (intended -> actual send): p50 {g.P50:F2}  p99 {g.P99:F2}  max {g.Max:F2}; unsent {r.Unsent}"));
        if (r.Statuses.Keys.Any(k => k != "204") || r.Errors.Count > 0)
            lines.Add("  statuses " + string.Join(", ", r.Statuses.Select(kv => $"{kv.Key}: {kv.Value}")) +
                      (r.Errors.Count > 0 ? "; errors " + string.Join(", ", r.Errors.Select(kv => $"{kv.Key}: {kv.Value}")) : ""));
        foreach (var (status, body) in r.ErrorSamples) lines.Add(F($"  sample {status}: {body}"));
        var c = r.Cpu;
        lines.Add(Cpu(c));
        return string.Join('\n', lines);
    }

    public static string Cpu(CpuSampler.CpuUse c) =>
        F($"  cpu (cores of {c.Cores}): server {N(c.ServerCores)}, load generator {c.LoadGenCores:F2}{(c.CustomerCores is { } cu ? F($", bench customer {cu:F2}") : "")}, other processes {N(c.OtherCores)}, whole machine {N(c.MachineBusyCores)}, stolen {N(c.StealCores)}{(c.TieringCores is { } j ? F($"; server's background JIT (tiering) {j:F2}") : "")}") +
          (c.WatchedThread is { } w ? F($"\n  thread {w.Name}: running {w.Running:P0} of the time, runnable but waiting for a CPU {w.WaitingForCpu:P0}") : "");

    public sealed record WriteBatches(double Commits, double Items, double MeanItemsPerCommit, double CommitsPerSecond);

    public sealed record EnqueueVerdict(DateTimeOffset Date, double BareThroughput, double DumGumThroughput, double Ratio,
        double OpenRate, double OpenThroughput, double OpenP50Ms, double OpenP99Ms, double OpenP999Ms, bool AllOk,
        WriteBatches? ClosedWriteBatches, WriteBatches? OpenWriteBatches,
        Dictionary<string, bool> Goals, LoadResult Bare, LoadResult DumGumClosed, LoadResult DumGumOpen);

    public static EnqueueVerdict Enqueue(LoadResult bare, LoadResult closed, LoadResult open, WriteBatches? closedBatches, WriteBatches? openBatches)
    {
        var ratio = Math.Round(closed.Throughput / bare.Throughput, 3);
        var goals = new Dictionary<string, bool>
        {
            ["durable enqueues/s >= 10000"] = closed.Throughput >= 10_000,
            ["DumGum / bare >= 0.5"] = ratio >= 0.5,
            ["p99 at half load <= 15 ms"] = open.LatencyMs.P99 <= 15,
            ["every answer 204"] = closed.AllOk && open.AllOk,
        };
        return new EnqueueVerdict(DateTimeOffset.UtcNow, bare.Throughput, closed.Throughput, ratio, open.TargetRate ?? 0,
            open.Throughput, open.LatencyMs.P50, open.LatencyMs.P99, open.LatencyMs.P999, closed.AllOk && open.AllOk,
            closedBatches, openBatches, goals, bare, closed, open);
    }

    public static string Human(EnqueueVerdict v)
    {
        var lines = new List<string>
        {
            "==================== enqueue benchmark ====================",
            F($"bare Kestrel, closed loop:        {v.BareThroughput,10:F0} req/s"),
            F($"DumGum, closed loop (durable):    {v.DumGumThroughput,10:F0} enqueues/s   ratio DumGum/bare {v.Ratio:F2}"),
            F($"DumGum, open loop at {v.OpenRate:F0} req/s:  p50 {v.OpenP50Ms:F2} ms  p99 {v.OpenP99Ms:F2} ms  p99.9 {v.OpenP999Ms:F2} ms  (achieved {v.OpenThroughput:F0} req/s)"),
        };
        if (v.ClosedWriteBatches is { } b)
            lines.Add(F($"write batches, closed loop: {b.CommitsPerSecond:F0} commits/s, {b.MeanItemsPerCommit:F1} items per commit"));
        if (v.OpenWriteBatches is { } o)
            lines.Add(F($"write batches, open loop:   {o.CommitsPerSecond:F0} commits/s, {o.MeanItemsPerCommit:F1} items per commit"));
        foreach (var (goal, met) in v.Goals) lines.Add($"goal {goal,-32} {(met ? "met" : "NOT MET")}");
        return string.Join('\n', lines);
    }

    /// <summary>The write_batch histogram between two /metrics scrapes (Prometheus text format).</summary>
    public static WriteBatches? Batches(string? before, string? after, double seconds)
    {
        if (before is null || after is null) return null;
        static (double Sum, double Count)? Read(string path)
        {
            double? sum = null, count = null;
            foreach (var line in File.ReadLines(path))
            {
                if (!line.StartsWith("dumgum_storage_write_batch", StringComparison.Ordinal)) continue;
                var name = line.Split('{', ' ')[0];
                var value = double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
                if (name.EndsWith("_sum", StringComparison.Ordinal)) sum = value;
                else if (name.EndsWith("_count", StringComparison.Ordinal)) count = value;
            }
            return sum is { } s && count is { } c ? (s, c) : null;
        }
        var (s0, c0) = Read(before) ?? (0, 0);
        if (Read(after) is not var (s1, c1)) return null;
        var commits = c1 - c0;
        var items = s1 - s0;
        return new WriteBatches(commits, items, commits > 0 ? Math.Round(items / commits, 1) : 0, Math.Round(commits / seconds, 1));
    }
}
