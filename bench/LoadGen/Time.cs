using System.Diagnostics;

namespace LoadGen;

static class Time
{
    public static long Now => Stopwatch.GetTimestamp();
    public static long FromSeconds(double s) => (long)(s * Stopwatch.Frequency);
    public static double ToMs(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;
    public static double ToSeconds(long ticks) => (double)ticks / Stopwatch.Frequency;

    /// <summary>Sleeps until <paramref name="deadline"/> (a Stopwatch timestamp), without spinning.</summary>
    public static async Task UntilAsync(long deadline, CancellationToken cancellationToken = default)
    {
        var left = deadline - Now;
        if (left > 0) await Task.Delay(TimeSpan.FromSeconds(ToSeconds(left)), cancellationToken);
    }
}
