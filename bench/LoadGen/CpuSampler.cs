using System.Diagnostics;
using System.Globalization;

namespace LoadGen;

/// <summary>
/// CPU used over the measured window, in cores: this generator, the server under test (by pid, from /proc), the whole
/// machine, and the time the hypervisor stole from it (a sign of noisy neighbours on a shared machine). A bench
/// customer started by the same script (<paramref name="customerPid"/>) is counted apart, not as "other processes".
/// </summary>
sealed class CpuSampler(int? serverPid, string? watchedThread = "dumgum-writer", int? customerPid = null)
{
    static readonly double TicksPerSecond = 100;   // USER_HZ on Linux
    long wallStart;
    TimeSpan selfStart;
    long? serverStart;
    long? customerStart;
    long? tieringStart;
    long[]? machineStart;
    string? threadStat;
    (long Cpu, long RunQueue)? threadStart;

    public void Start()
    {
        wallStart = Time.Now;
        selfStart = Process.GetCurrentProcess().TotalProcessorTime;
        serverStart = ServerTicks();
        customerStart = Ticks(customerPid);
        tieringStart = TieringTicks();
        machineStart = MachineTicks();
        threadStat = FindThread();
        threadStart = ThreadTimes();
    }

    public CpuUse Stop()
    {
        var wall = Time.ToSeconds(Time.Now - wallStart);
        var self = (Process.GetCurrentProcess().TotalProcessorTime - selfStart).TotalSeconds / wall;
        double? server = ServerTicks() is { } s && serverStart is { } s0 ? (s - s0) / TicksPerSecond / wall : null;
        double? busy = null, steal = null;
        if (MachineTicks() is { } m && machineStart is { } m0)
        {
            // user nice system idle iowait irq softirq steal
            var d = m.Zip(m0, (a, b) => a - b).ToArray();
            busy = (d[0] + d[1] + d[2] + d[5] + d[6]) / TicksPerSecond / wall;
            steal = d.Length > 7 ? d[7] / TicksPerSecond / wall : null;
        }
        double? customer = Ticks(customerPid) is { } c && customerStart is { } c0 ? (c - c0) / TicksPerSecond / wall : null;
        double? others = busy is { } b && server is { } sv ? Math.Max(0, b - sv - self - (customer ?? 0)) : null;
        ThreadUse? thread = null;
        if (ThreadTimes() is { } t1 && threadStart is { } t0)
            thread = new ThreadUse(watchedThread!, Math.Round((t1.Cpu - t0.Cpu) / 1e9 / wall, 2), Math.Round((t1.RunQueue - t0.RunQueue) / 1e9 / wall, 2));
        double? tiering = TieringTicks() is { } j && tieringStart is { } j0 ? Math.Max(0, j - j0) / TicksPerSecond / wall : null;
        return new CpuUse(Math.Round(self, 2), R(server), R(busy), R(others), R(steal), Environment.ProcessorCount, thread, R(customer), R(tiering));
    }

    /// <summary>/proc/PID/task/TID/schedstat of the server thread named <c>watchedThread</c> (the single writer).</summary>
    string? FindThread()
    {
        if (serverPid is not { } pid || watchedThread is null) return null;
        try
        {
            foreach (var task in Directory.EnumerateDirectories($"/proc/{pid}/task"))
                if (File.ReadAllText(Path.Combine(task, "comm")).Trim() == watchedThread) return Path.Combine(task, "schedstat");
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return null;
    }

    (long Cpu, long RunQueue)? ThreadTimes()
    {
        if (threadStat is null) return null;
        try
        {
            var f = File.ReadAllText(threadStat).Split(' ');
            return (long.Parse(f[0], CultureInfo.InvariantCulture), long.Parse(f[1], CultureInfo.InvariantCulture));
        }
        catch (IOException) { return null; }
    }

    /// <summary>
    /// CPU so far of the server's tiered-compilation threads (".NET Tiered Com": the runtime re-JITs hot methods at
    /// full optimisation in the background), summed over those alive now. Busy during a phase means the server was
    /// not yet warm. Approximate: a thread that exited between two readings takes its time with it.
    /// </summary>
    long? TieringTicks()
    {
        if (serverPid is not { } pid) return null;
        long sum = 0;
        try
        {
            foreach (var task in Directory.EnumerateDirectories($"/proc/{pid}/task"))
            {
                try
                {
                    if (File.ReadAllText(Path.Combine(task, "comm")).Trim() != ".NET Tiered Com") continue;
                    var stat = File.ReadAllText(Path.Combine(task, "stat"));
                    var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                    sum += long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
                }
                catch (IOException) { }   // the thread ended meanwhile
            }
        }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
        return sum;
    }

    static double? R(double? v) => v is { } x ? Math.Round(x, 2) : null;

    long? ServerTicks() => Ticks(serverPid);

    static long? Ticks(int? processId)
    {
        if (processId is not { } pid) return null;
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            // after the command: state(0) ... utime is field 14 of the line, i.e. index 11 here, stime 12
            return long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        }
        catch (IOException) { return null; }
    }

    static long[]? MachineTicks()
    {
        try
        {
            var line = File.ReadLines("/proc/stat").First(l => l.StartsWith("cpu ", StringComparison.Ordinal));
            return line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Take(8)
                .Select(v => long.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        }
        catch (IOException) { return null; }
    }

    /// <summary>
    /// Cores busy on average over the window (1.0 = one core fully used). <c>OtherCores</c> is what the rest of the
    /// machine used (other processes: on a shared machine, other people's work).
    /// </summary>
    public sealed record CpuUse(double LoadGenCores, double? ServerCores, double? MachineBusyCores, double? OtherCores,
        double? StealCores, int Cores, ThreadUse? WatchedThread, double? CustomerCores = null, double? TieringCores = null);

    /// <summary>One server thread: the fraction of the window it ran, and the fraction it was runnable but waited for a CPU.</summary>
    public sealed record ThreadUse(string Name, double Running, double WaitingForCpu);
}
