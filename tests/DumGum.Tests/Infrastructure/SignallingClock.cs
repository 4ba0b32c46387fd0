using Microsoft.Extensions.Time.Testing;

namespace DumGum.Tests.Infrastructure;

/// <summary>
/// A <see cref="FakeTimeProvider"/> that says when code starts waiting on it. Every <c>Task.Delay(…, clock)</c> creates
/// one timer, so "the code under test has reached its next wait" is "the n-th timer exists": a signal to wait for
/// instead of a sleep. Once it is waiting, nothing moves until the test advances the clock, so "nothing happened yet"
/// can be asserted at once.
/// </summary>
public sealed class SignallingClock(DateTimeOffset start) : FakeTimeProvider(start)
{
    int created;
    TaskCompletionSource changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public SignallingClock() : this(DateTimeOffset.UtcNow) { }

    /// <summary>Timers created so far (one per wait started on this clock).</summary>
    public int TimersCreated => Volatile.Read(ref created);

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = base.CreateTimer(callback, state, dueTime, period);
        Interlocked.Increment(ref created);
        Interlocked.Exchange(ref changed, new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        return timer;
    }

    /// <summary>Waits until <paramref name="count"/> timers have been created (the bound only turns a hang into a failure).</summary>
    public async Task WaitForTimersAsync(int count, double seconds = 15)
    {
        var until = DateTime.UtcNow.AddSeconds(seconds);
        while (true)
        {
            var next = Volatile.Read(ref changed);
            if (TimersCreated >= count) return;
            var left = until - DateTime.UtcNow;
            if (left <= TimeSpan.Zero) throw new TimeoutException($"{TimersCreated} timers on the clock, expected {count}");
            try { await next.Task.WaitAsync(left, TestContext.Current.CancellationToken); }
            catch (TimeoutException) { }
        }
    }
}
