using System.Globalization;
using System.Text;
using DumGum.Storage;
using DumGum.Webhooks;

namespace DumGum.Explorer;

[System.Text.Json.Serialization.JsonConverter(typeof(System.Text.Json.Serialization.JsonStringEnumConverter<UsageGranularity>))]
public enum UsageGranularity
{
    [System.Text.Json.Serialization.JsonStringEnumMemberName("hour")] Hour,
    [System.Text.Json.Serialization.JsonStringEnumMemberName("day")] Day,
}

/// <summary>Dropped runs by reason (docs/behaviour.md, "The enqueue flow").</summary>
public sealed record DropCounts(long Timeout, long GenerationFailed, long CustomerEndpointFailed, long InvalidProfile)
{
    public long Total => Timeout + GenerationFailed + CustomerEndpointFailed + InvalidProfile;
}

/// <summary>
/// Usage of one hour or day (UTC), or of a whole range (<see cref="UsageSeries.Totals"/>). <see cref="P50Ms"/> and
/// <see cref="P95Ms"/> are the time to answer (oldest accepted enqueue → answer created) of answered runs, read from
/// the fixed histogram (<see cref="UsageBuckets"/>); null without answers.
/// </summary>
/// <see cref="SelfHarmRuns"/>: answered runs flagged by the self-harm guardrail (docs/behaviour.md, "Self-harm").
public sealed record UsagePoint(DateTimeOffset Start, long Answers, DropCounts Drops, long InputTokens, long OutputTokens,
    decimal Cost, long CustomerCalls, long CustomerErrors, long? P50Ms, long? P95Ms, long SelfHarmRuns = 0)
{
    /// <summary>Failed customer calls (error, no status, 4xx/5xx) per call; null without calls.</summary>
    public double? CustomerErrorRate => CustomerCalls == 0 ? null : (double)CustomerErrors / CustomerCalls;
}

/// <summary>Every hour or day of [<see cref="From"/>, <see cref="To"/>), empty ones included, and the totals of the range.</summary>
public sealed record UsageSeries(string ProjectId, DateTimeOffset From, DateTimeOffset To, UsageGranularity Granularity,
    IReadOnlyList<UsagePoint> Points, UsagePoint Totals);

/// <summary>
/// The fixed, roughly log-spaced buckets of the time-to-answer histogram (inclusive upper bounds in ms; the last is
/// open). Fixed so that counts of any hours can be added up; a percentile is interpolated inside its bucket.
/// </summary>
public static class UsageBuckets
{
    public static readonly long[] UpperBoundsMs =
    [
        250, 500, 1_000, 2_000, 3_000, 5_000, 7_500, 10_000, 15_000, 20_000,
        30_000, 45_000, 60_000, 90_000, 120_000, 180_000, 300_000, 600_000, 1_800_000, long.MaxValue,
    ];

    public static int Of(long ms)
    {
        for (var i = 0; i < UpperBoundsMs.Length; i++)
            if (ms <= UpperBoundsMs[i]) return i;
        return UpperBoundsMs.Length - 1;
    }

    /// <summary>The <paramref name="p"/>-quantile (0..1] of the counts, linear within its bucket; the open bucket gives its lower bound.</summary>
    public static long? Percentile(long[] counts, double p)
    {
        ArgumentNullException.ThrowIfNull(counts);
        var total = counts.Sum();
        if (total == 0) return null;
        var rank = (long)Math.Ceiling(p * total);
        long seen = 0;
        for (var i = 0; i < counts.Length; i++)
        {
            if (counts[i] == 0 || seen + counts[i] < rank) { seen += counts[i]; continue; }
            var lower = i == 0 ? 0 : UpperBoundsMs[i - 1];
            if (i == counts.Length - 1) return lower;
            return lower + (long)Math.Round((UpperBoundsMs[i] - lower) * (double)(rank - seen) / counts[i]);
        }
        return UpperBoundsMs[^2];
    }
}

/// <summary>
/// The Usage page's data: counters per project and hour (<see cref="HourlyCounters"/>), added to in the transaction that
/// records each run's outcome (<see cref="RunRecord"/>) and each batch of call logs (Customers/CallLog.cs), so reading a
/// month is a few hundred rows, never a scan of runs.
/// </summary>
public sealed class UsageStore(Database database)
{
    const long HourMs = HourlyCounters.HourMs, DayMs = 24 * HourMs;

    /// <summary>The summed counter columns of usage_hourly that <see cref="Series"/> reads.</summary>
    const int Columns = 11;

    /// <summary>The longest range one series may span: 31 days by the hour, about three years by the day.</summary>
    public static readonly TimeSpan MaxHourlyRange = TimeSpan.FromDays(31), MaxDailyRange = TimeSpan.FromDays(1100);

    internal static void AddRun(WriteQueue.Writer w, string projectId, long createdAt, string? dropReason, long inputTokens,
        long outputTokens, long costMicros, long? timeToAnswerMs, bool selfHarm = false)
    {
        var hour = HourlyCounters.HourOf(createdAt);
        w.Command("""
                INSERT INTO usage_hourly(project_id, hour_start, node, answers, drops_timeout, drops_generation_failed,
                    drops_customer_endpoint_failed, drops_invalid_profile, input_tokens, output_tokens, cost_micros, self_harm_runs)
                VALUES(@p, @h, @n, @answers, @timeout, @failed, @customer, @invalid, @in, @out, @cost, @selfharm)
                ON CONFLICT(project_id, hour_start, node) DO UPDATE SET
                    answers = usage_hourly.answers + excluded.answers,
                    drops_timeout = usage_hourly.drops_timeout + excluded.drops_timeout,
                    drops_generation_failed = usage_hourly.drops_generation_failed + excluded.drops_generation_failed,
                    drops_customer_endpoint_failed = usage_hourly.drops_customer_endpoint_failed + excluded.drops_customer_endpoint_failed,
                    drops_invalid_profile = usage_hourly.drops_invalid_profile + excluded.drops_invalid_profile,
                    input_tokens = usage_hourly.input_tokens + excluded.input_tokens,
                    output_tokens = usage_hourly.output_tokens + excluded.output_tokens,
                    cost_micros = usage_hourly.cost_micros + excluded.cost_micros,
                    self_harm_runs = usage_hourly.self_harm_runs + excluded.self_harm_runs
                """)
            .With("@p", projectId).With("@h", hour).With("@n", HourlyCounters.Node(w))
            .With("@answers", dropReason is null ? 1L : 0L)
            .With("@timeout", dropReason == DropReasons.Timeout ? 1L : 0L)
            .With("@failed", dropReason == DropReasons.GenerationFailed ? 1L : 0L)
            .With("@customer", dropReason == DropReasons.CustomerEndpointFailed ? 1L : 0L)
            .With("@invalid", dropReason == DropReasons.InvalidProfile ? 1L : 0L)
            .With("@in", inputTokens).With("@out", outputTokens).With("@cost", costMicros)
            .With("@selfharm", selfHarm ? 1L : 0L).ExecuteNonQuery();
        if (timeToAnswerMs is not { } ms) return;
        w.Command("""
                INSERT INTO usage_latency(project_id, hour_start, node, bucket, answers) VALUES(@p, @h, @n, @b, 1)
                ON CONFLICT(project_id, hour_start, node, bucket) DO UPDATE SET answers = usage_latency.answers + excluded.answers
                """)
            .With("@p", projectId).With("@h", hour).With("@n", HourlyCounters.Node(w)).With("@b", (long)UsageBuckets.Of(ms)).ExecuteNonQuery();
    }

    /// <summary>
    /// The usage of [<paramref name="from"/>, <paramref name="to"/>), widened to whole hours or UTC days, one point per
    /// hour or day (empty ones included) and the totals. Throws <see cref="ArgumentException"/> for an empty or too long range.
    /// </summary>
    public UsageSeries Series(string projectId, DateTimeOffset from, DateTimeOffset to, UsageGranularity granularity)
    {
        var step = granularity == UsageGranularity.Hour ? HourMs : DayMs;
        var start = Floor(from.ToUnixMs(), step);
        var end = -Floor(-to.ToUnixMs(), step);
        if (end <= start) throw new ArgumentException("the range is empty: from must be before to", nameof(to));
        if (end - start > (long)(granularity == UsageGranularity.Hour ? MaxHourlyRange : MaxDailyRange).TotalMilliseconds)
            throw new ArgumentException($"the range is too long for {granularity.ToString().ToLowerInvariant()} points", nameof(to));

        var count = (int)((end - start) / step);
        var sums = new long[count, Columns];
        var buckets = new long[count, UsageBuckets.UpperBoundsMs.Length];
        using var connection = database.Open();
        using (var command = connection.Sql("""
                   SELECT hour_start, CAST(SUM(answers) AS BIGINT), CAST(SUM(drops_timeout) AS BIGINT), CAST(SUM(drops_generation_failed) AS BIGINT),
                          CAST(SUM(drops_customer_endpoint_failed) AS BIGINT), CAST(SUM(drops_invalid_profile) AS BIGINT),
                          CAST(SUM(input_tokens) AS BIGINT), CAST(SUM(output_tokens) AS BIGINT), CAST(SUM(cost_micros) AS BIGINT),
                          CAST(SUM(customer_calls) AS BIGINT), CAST(SUM(customer_errors) AS BIGINT), CAST(SUM(self_harm_runs) AS BIGINT)
                   FROM usage_hourly WHERE project_id = @p AND hour_start >= @from AND hour_start < @to GROUP BY hour_start
                   """).With("@p", projectId).With("@from", start).With("@to", end))
        using (var reader = command.ExecuteReader())
            while (reader.Read())
            {
                var i = (int)((reader.GetInt64(0) - start) / step);
                for (var c = 0; c < Columns; c++) sums[i, c] += reader.GetInt64(c + 1);
            }
        using (var command = connection.Sql("""
                   SELECT hour_start, bucket, CAST(SUM(answers) AS BIGINT) FROM usage_latency
                   WHERE project_id = @p AND hour_start >= @from AND hour_start < @to GROUP BY hour_start, bucket
                   """).With("@p", projectId).With("@from", start).With("@to", end))
        using (var reader = command.ExecuteReader())
            while (reader.Read())
            {
                var bucket = (int)reader.GetInt64(1);
                if (bucket >= 0 && bucket < UsageBuckets.UpperBoundsMs.Length)
                    buckets[(int)((reader.GetInt64(0) - start) / step), bucket] += reader.GetInt64(2);
            }

        var points = new List<UsagePoint>(count);
        var totalSums = new long[Columns];
        var totalBuckets = new long[UsageBuckets.UpperBoundsMs.Length];
        for (var i = 0; i < count; i++)
        {
            var s = Enumerable.Range(0, Columns).Select(c => sums[i, c]).ToArray();
            var b = Enumerable.Range(0, totalBuckets.Length).Select(c => buckets[i, c]).ToArray();
            for (var c = 0; c < Columns; c++) totalSums[c] += s[c];
            for (var c = 0; c < b.Length; c++) totalBuckets[c] += b[c];
            points.Add(Point((start + i * step).FromUnixMs(), s, b));
        }
        return new UsageSeries(projectId, start.FromUnixMs(), end.FromUnixMs(), granularity, points,
            Point(start.FromUnixMs(), totalSums, totalBuckets));
    }

    static UsagePoint Point(DateTimeOffset start, long[] s, long[] buckets) =>
        new(start, s[0], new DropCounts(s[1], s[2], s[3], s[4]), s[5], s[6], s[7] / 1_000_000m, s[8], s[9],
            UsageBuckets.Percentile(buckets, 0.50), UsageBuckets.Percentile(buckets, 0.95), s[10]);

    static long Floor(long value, long step) => value - (((value % step) + step) % step);

    /// <summary>The series as CSV (RFC 4180, comma, header row), one line per point; times ISO-8601 UTC, cost with 4 decimals.</summary>
    public static string ToCsv(UsageSeries series)
    {
        ArgumentNullException.ThrowIfNull(series);
        var csv = new StringBuilder("start,answers,drops_timeout,drops_generation_failed,drops_customer_endpoint_failed,drops_invalid_profile,"
                                    + "input_tokens,output_tokens,cost,customer_calls,customer_errors,customer_error_rate,p50_ms,p95_ms,self_harm_runs\r\n");
        var inv = CultureInfo.InvariantCulture;
        foreach (var p in series.Points)
            csv.Append(inv, $"{p.Start.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ},{p.Answers},{p.Drops.Timeout},{p.Drops.GenerationFailed},")
                .Append(inv, $"{p.Drops.CustomerEndpointFailed},{p.Drops.InvalidProfile},{p.InputTokens},{p.OutputTokens},")
                .Append(p.Cost.ToString("0.0000", inv)).Append(inv, $",{p.CustomerCalls},{p.CustomerErrors},")
                .Append(p.CustomerErrorRate?.ToString("0.####", inv)).Append(inv, $",{p.P50Ms},{p.P95Ms},{p.SelfHarmRuns}\r\n");
        return csv.ToString();
    }
}
