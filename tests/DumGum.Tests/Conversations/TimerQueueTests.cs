using System.Collections.Concurrent;
using DumGum.Conversations;
using DumGum.Tests.Infrastructure;

namespace DumGum.Tests.Conversations;

/// <summary>
/// The timer queue on a <see cref="SignallingClock"/>: the loop creates one timer each time it goes to sleep, so "it is
/// sleeping until the earliest entry" is a timer count, and nothing fires until the test moves the clock.
/// </summary>
public sealed class TimerQueueTests
{
    /// <summary>The ids fired, in order; says when a number of them have fired.</summary>
    sealed class Fired
    {
        readonly ConcurrentQueue<long> ids = new();
        readonly SemaphoreSlim each = new(0);

        public void Add(long id)
        {
            ids.Enqueue(id);
            each.Release();
        }

        public long[] Ids => [.. ids];

        /// <summary>Waits for <paramref name="count"/> more fires (the bound only turns a hang into a failure).</summary>
        public async Task WaitAsync(int count)
        {
            for (var i = 0; i < count; i++)
                Assert.True(await each.WaitAsync(TimeSpan.FromSeconds(15), TestContext.Current.CancellationToken), $"fired only {ids.Count}");
        }
    }

    [Fact]
    public async Task Entries_fire_in_due_order_and_not_before_they_are_due()
    {
        var clock = new SignallingClock(DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var timers = new TimerQueue(clock);
        var fired = new Fired();
        var start = clock.GetUtcNow();
        timers.Schedule(3, start.AddSeconds(3));
        timers.Schedule(1, start.AddSeconds(1));
        timers.Schedule(2, start.AddSeconds(2));
        using var stop = new CancellationTokenSource();
        var loop = timers.RunAsync(fired.Add, stop.Token);

        await clock.WaitForTimersAsync(1);   // asleep until the earliest entry
        Assert.Empty(fired.Ids);
        clock.Advance(TimeSpan.FromMilliseconds(999));
        Assert.Empty(fired.Ids);
        clock.Advance(TimeSpan.FromMilliseconds(1));
        await fired.WaitAsync(1);
        await clock.WaitForTimersAsync(2);   // asleep until the next one
        Assert.Equal([1L], fired.Ids);
        clock.Advance(TimeSpan.FromSeconds(2));
        await fired.WaitAsync(2);
        Assert.Equal([1L, 2L, 3L], fired.Ids);

        await stop.CancelAsync();
        await loop;
    }

    [Fact]
    public async Task An_earlier_entry_wakes_a_loop_sleeping_on_a_later_one()
    {
        var clock = new SignallingClock();
        var timers = new TimerQueue(clock);
        var fired = new Fired();
        timers.Schedule(10, clock.GetUtcNow().AddMinutes(10));
        using var stop = new CancellationTokenSource();
        var loop = timers.RunAsync(fired.Add, stop.Token);
        await clock.WaitForTimersAsync(1);   // the loop now sleeps for ten minutes
        timers.Schedule(20, clock.GetUtcNow().AddSeconds(1));
        await clock.WaitForTimersAsync(2);   // woken, it sleeps for one second
        clock.Advance(TimeSpan.FromSeconds(1));
        await fired.WaitAsync(1);
        Assert.Equal([20L], fired.Ids);

        await stop.CancelAsync();
        await loop;
    }

    [Fact]
    public async Task An_entry_already_due_fires_at_once()
    {
        var clock = new SignallingClock();
        var timers = new TimerQueue(clock);
        var fired = new Fired();
        using var stop = new CancellationTokenSource();
        var loop = timers.RunAsync(fired.Add, stop.Token);
        timers.Schedule(7, clock.GetUtcNow().AddSeconds(-5));
        await fired.WaitAsync(1);
        Assert.Equal([7L], fired.Ids);
        await stop.CancelAsync();
        await loop;
    }
}
