namespace LoadGen;

/// <summary>Exact percentiles from every recorded sample (Stopwatch ticks), by nearest rank.</summary>
sealed class Latencies
{
    readonly List<long> samples = [];

    public int Count => samples.Count;

    public void Add(long ticks) => samples.Add(ticks);

    public void AddAll(Latencies other) => samples.AddRange(other.samples);

    public Summary Summarize()
    {
        if (samples.Count == 0) return new Summary(0, 0, 0, 0, 0, 0, 0, 0, 0);
        samples.Sort();
        double P(double q) => Time.ToMs(samples[Math.Clamp((int)Math.Ceiling(q * samples.Count) - 1, 0, samples.Count - 1)]);
        var mean = samples.Average(s => Time.ToMs(s));
        return new Summary(samples.Count, Round(P(0.50)), Round(P(0.90)), Round(P(0.95)), Round(P(0.99)), Round(P(0.999)),
            Round(Time.ToMs(samples[^1])), Round(Time.ToMs(samples[0])), Round(mean));
    }

    static double Round(double ms) => Math.Round(ms, 3);

    /// <summary>Milliseconds.</summary>
    public sealed record Summary(int Count, double P50, double P90, double P95, double P99, double P999, double Max, double Min, double Mean);
}
