namespace DumGum.Conversations;

/// <summary>
/// How many runs may go at once on this node, and how runs give way to accepting (docs/behaviour.md, "Overload").
/// Runs can wait; an enqueue is a client holding a connection open. When accepts get slow while the CPU is the
/// bottleneck (the thread pool has work queued), the number of runs allowed at once is halved, down to
/// <see cref="Floor"/>; while accepts are fast it grows again by a quarter, and with no accepts at all it returns to
/// <see cref="ConversationOptions.MaxConcurrentRuns"/> at once. Runs held back stay pending; nothing is dropped.
/// Slow accepts on an idle CPU (a slow disk) do not hold runs back: fewer runs would not make the disk faster.
/// </summary>
public sealed class RunAdmission : IDisposable
{
    /// <summary>Runs allowed at once however slow accepting gets, so queued work always moves.</summary>
    public const int Floor = 2;

    /// <summary>How often the limit is reconsidered.</summary>
    public static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(100);

    readonly Lock gate = new();
    readonly Queue<TaskCompletionSource> waiting = new();
    readonly TimeProvider clock;
    readonly Func<long> queuedWork;
    readonly ITimer? timer;
    readonly int max;
    readonly long target;
    int limit;
    int running;
    long slowestAccept;   // in clock timestamp ticks, this tick's window
    int accepts;

    /// <param name="acceptTarget">An accept slower than this counts as slow; zero turns the feedback off.</param>
    /// <param name="queuedWork">Work items waiting for a thread (the process's CPU is behind when this stays above zero).</param>
    public RunAdmission(int maxConcurrentRuns, TimeSpan acceptTarget, TimeProvider clock, Func<long>? queuedWork = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxConcurrentRuns, 1);
        this.clock = clock;
        this.queuedWork = queuedWork ?? (() => ThreadPool.PendingWorkItemCount);
        max = limit = maxConcurrentRuns;
        target = (long)(acceptTarget.TotalSeconds * clock.TimestampFrequency);
        if (acceptTarget > TimeSpan.Zero && max > Floor) timer = clock.CreateTimer(_ => Adjust(), null, Tick, Tick);
    }

    /// <summary>Runs allowed at once right now.</summary>
    public int Limit { get { lock (gate) return limit; } }

    /// <summary>Runs in progress.</summary>
    public int Running { get { lock (gate) return running; } }

    /// <summary>An enqueue took <paramref name="startedAt"/> (a <see cref="TimeProvider.GetTimestamp"/>) until now to be accepted.</summary>
    public void AcceptTook(long startedAt)
    {
        var took = clock.GetTimestamp() - startedAt;
        Interlocked.Increment(ref accepts);
        long seen;
        while (took > (seen = Interlocked.Read(ref slowestAccept)) &&
               Interlocked.CompareExchange(ref slowestAccept, took, seen) != seen) { }
    }

    /// <summary>Waits for a run slot; dispose the result when the run ends.</summary>
    public async ValueTask<Slot> EnterAsync(CancellationToken cancel)
    {
        TaskCompletionSource turn;
        lock (gate)
        {
            if (running < limit && waiting.Count == 0)
            {
                running++;
                return new Slot(this);
            }
            turn = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            waiting.Enqueue(turn);
        }
        try
        {
            await turn.Task.WaitAsync(cancel);
        }
        catch (OperationCanceledException)
        {
            // Given a slot in the meantime: hand it on, since this run will not use it.
            if (turn.Task.IsCompletedSuccessfully) Exit();
            else turn.TrySetCanceled(cancel);
            throw;
        }
        return new Slot(this);
    }

    void Exit()
    {
        lock (gate)
        {
            running--;
            Wake();
        }
    }

    /// <summary>Under the gate: lets waiting runs go while the limit allows.</summary>
    void Wake()
    {
        while (running < limit && waiting.TryDequeue(out var next))
            if (next.TrySetResult()) running++;
    }

    /// <summary>One tick of the feedback: read the window's accepts, then move the limit.</summary>
    internal void Adjust()
    {
        var slowest = Interlocked.Exchange(ref slowestAccept, 0);
        var count = Interlocked.Exchange(ref accepts, 0);
        lock (gate)
        {
            if (count == 0) limit = max;
            else if (slowest > target && queuedWork() > 0) limit = Math.Max(Floor, limit / 2);
            else if (slowest <= target) limit = Math.Min(max, limit + Math.Max(1, limit / 4));
            Wake();
        }
    }

    public void Dispose() => timer?.Dispose();

    /// <summary>A run's slot; disposing it lets the next waiting run go.</summary>
    public readonly struct Slot(RunAdmission owner) : IDisposable
    {
        public void Dispose() => owner.Exit();
    }

    /// <summary>A clock timestamp for <see cref="AcceptTook"/>.</summary>
    public long Now() => clock.GetTimestamp();
}
