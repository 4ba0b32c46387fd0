namespace DumGum.Conversations;

/// <summary>
/// Due times for many conversations, served by one loop that sleeps until the earliest (no polling) and is woken
/// when an earlier one arrives. Entries are hints: the consumer re-checks the conversation's state when one fires.
/// </summary>
public sealed class TimerQueue(TimeProvider clock)
{
    readonly PriorityQueue<long, DateTimeOffset> queue = new();
    readonly Lock gate = new();
    TaskCompletionSource wake = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Schedule(long id, DateTimeOffset due)
    {
        lock (gate)
        {
            var wakeUp = !queue.TryPeek(out _, out var earliest) || due < earliest;
            queue.Enqueue(id, due);
            if (wakeUp) wake.TrySetResult();
        }
    }

    /// <summary>Calls <paramref name="fire"/> for every entry as it falls due, until cancelled.</summary>
    public async Task RunAsync(Action<long> fire, CancellationToken cancellationToken)
    {
        var due = new List<long>();
        while (!cancellationToken.IsCancellationRequested)
        {
            Task wakeTask;
            TimeSpan wait;
            lock (gate)
            {
                var now = clock.GetUtcNow();
                while (queue.TryPeek(out var id, out var at) && at <= now)
                {
                    queue.Dequeue();
                    due.Add(id);
                }
                wait = queue.TryPeek(out _, out var next) ? next - now : Timeout.InfiniteTimeSpan;
                if (wake.Task.IsCompleted) wake = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                wakeTask = wake.Task;
            }
            foreach (var id in due) fire(id);
            due.Clear();
            using var sleep = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var delay = Task.Delay(wait, clock, sleep.Token);
            await Task.WhenAny(delay, wakeTask);
            await sleep.CancelAsync();
            await delay.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }
}
