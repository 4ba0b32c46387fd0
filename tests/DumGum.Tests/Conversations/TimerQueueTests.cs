using System.Collections.Concurrent;
using DumGum.Conversations;
using Microsoft.Extensions.Time.Testing;

namespace DumGum.Tests.Conversations;

public sealed class TimerQueueTests
{
    static async Task<bool> Eventually(Func<bool> condition)
    {
        for (var i = 0; i < 200 && !condition(); i++) await Task.Delay(5, TestContext.Current.CancellationToken);
        return condition();
    }

    [Fact]
    public async Task Entries_fire_in_due_order_and_not_before_they_are_due()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var timers = new TimerQueue(clock);
        var fired = new ConcurrentQueue<long>();
        using var stop = new CancellationTokenSource();
        var loop = timers.RunAsync(fired.Enqueue, stop.Token);
        var start = clock.GetUtcNow();
        timers.Schedule(3, start.AddSeconds(3));
        timers.Schedule(1, start.AddSeconds(1));
        timers.Schedule(2, start.AddSeconds(2));

        await Task.Delay(50, TestContext.Current.CancellationToken);
        Assert.Empty(fired);
        clock.Advance(TimeSpan.FromMilliseconds(999));
        await Task.Delay(50, TestContext.Current.CancellationToken);
        Assert.Empty(fired);
        clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True(await Eventually(() => fired.Count == 1));
        clock.Advance(TimeSpan.FromSeconds(2));
        Assert.True(await Eventually(() => fired.Count == 3));
        Assert.Equal([1L, 2L, 3L], fired.ToArray());

        await stop.CancelAsync();
        await loop;
    }

    [Fact]
    public async Task An_earlier_entry_wakes_a_loop_sleeping_on_a_later_one()
    {
        var clock = new FakeTimeProvider();
        var timers = new TimerQueue(clock);
        var fired = new ConcurrentQueue<long>();
        using var stop = new CancellationTokenSource();
        var loop = timers.RunAsync(fired.Enqueue, stop.Token);
        timers.Schedule(10, clock.GetUtcNow().AddMinutes(10));
        await Task.Delay(50, TestContext.Current.CancellationToken);   // the loop now sleeps for ten minutes
        timers.Schedule(20, clock.GetUtcNow().AddSeconds(1));
        await Task.Delay(50, TestContext.Current.CancellationToken);
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.True(await Eventually(() => fired.Contains(20)));
        Assert.DoesNotContain(10L, fired);

        await stop.CancelAsync();
        await loop;
    }

    [Fact]
    public async Task An_entry_already_due_fires_at_once()
    {
        var clock = new FakeTimeProvider();
        var timers = new TimerQueue(clock);
        var fired = new ConcurrentQueue<long>();
        using var stop = new CancellationTokenSource();
        var loop = timers.RunAsync(fired.Enqueue, stop.Token);
        timers.Schedule(7, clock.GetUtcNow().AddSeconds(-5));
        Assert.True(await Eventually(() => fired.Contains(7)));
        await stop.CancelAsync();
        await loop;
    }
}
