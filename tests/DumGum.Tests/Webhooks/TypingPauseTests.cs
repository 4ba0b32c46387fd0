using System.Diagnostics.Metrics;
using System.Text.Json.Nodes;
using DumGum.Customers;
using DumGum.Projects;
using DumGum.Storage;
using DumGum.Tests.Infrastructure;
using DumGum.Webhooks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace DumGum.Tests.Webhooks;

/// <summary>
/// Typing pauses and the cancellation of a split reply's remaining parts, on a real <see cref="DeliveryDispatcher"/>
/// (real SQLite outbox, real HTTP to a fake customer) driven by a fake clock: a paused event is held exactly until the
/// clock has moved its pause past the delivery of the event before it.
/// </summary>
public sealed class TypingPauseTests
{
    [Fact]
    public async Task An_answer_waits_its_typing_pause_on_the_clock_after_the_event_before_it_was_delivered()
    {
        await using var rig = await DispatcherRig.StartAsync();
        var rows = await rig.SendAsync(DispatcherRig.Processing(1), DispatcherRig.Created(1, "hello", pauseSeconds: 3));

        await rig.WaitForEventsAsync(1);
        Assert.Equal(["answer.processing 1"], rig.Received());
        await rig.WaitForStatusAsync(rows[0], "delivered");
        await rig.WaitForWaitAsync(1);   // the typing pause has started: only the clock can end it
        Assert.Equal(["answer.processing 1"], rig.Attempted());

        rig.Clock.Advance(TimeSpan.FromSeconds(1));
        rig.Clock.Advance(TimeSpan.FromSeconds(1.9));   // 2.9 s after the typing indicator was delivered
        Assert.Equal(["answer.processing 1"], rig.Attempted());
        Assert.Equal("pending", rig.Status(rows[1].Id));

        rig.Clock.Advance(TimeSpan.FromSeconds(0.2));   // 3.1 s: the pause is over
        await rig.WaitForEventsAsync(2);
        Assert.Equal(["answer.processing 1", "answer.created 1 hello"], rig.Received());
    }

    [Fact]
    public async Task Every_part_of_a_split_reply_waits_its_own_pause_after_its_typing_indicator()
    {
        await using var rig = await DispatcherRig.StartAsync();
        var indicator = await rig.SendAsync(DispatcherRig.Processing(1));
        await rig.WaitForEventsAsync(1);
        await rig.WaitForStatusAsync(indicator[0], "delivered");

        // As the runner emits a FAST split reply: part 1 (paused from now: the lane has run dry since the indicator),
        // then part 2's own typing indicator (no pause) and part 2 (paused after that indicator).
        var parts = await rig.SendAsync(DispatcherRig.Created(1, "one", pauseSeconds: 1), DispatcherRig.Processing(1), DispatcherRig.Created(1, "two", pauseSeconds: 2));
        await rig.WaitForWaitAsync(1);   // part 1's pause
        Assert.Single(rig.Attempted());

        rig.Clock.Advance(TimeSpan.FromSeconds(0.9));
        Assert.Single(rig.Attempted());

        rig.Clock.Advance(TimeSpan.FromSeconds(0.2));   // part 1's pause is over; part 2's indicator follows at once
        await rig.WaitForEventsAsync(3);
        await rig.WaitForStatusAsync(parts[1], "delivered");
        await rig.WaitForWaitAsync(2);   // part 2's pause
        Assert.Equal(["answer.processing 1", "answer.created 1 one", "answer.processing 1"], rig.Attempted());

        rig.Clock.Advance(TimeSpan.FromSeconds(1.9));
        Assert.Equal(3, rig.Attempted().Count);

        rig.Clock.Advance(TimeSpan.FromSeconds(0.2));
        await rig.WaitForEventsAsync(4);
        Assert.Equal(["answer.processing 1", "answer.created 1 one", "answer.processing 1", "answer.created 1 two"], rig.Received());
    }

    [Fact]
    public async Task Cancelling_drops_the_queued_later_parts_of_an_answered_run_and_keeps_a_newer_runs_event()
    {
        await using var rig = await DispatcherRig.StartAsync();
        // Part 2's typing indicator is held in flight at the customer until the test has cancelled.
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var holding = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var seen = 0;
        rig.Customer.IncomingHook = async (e, ct) =>
        {
            if (e.Event == Events.AnswerProcessing && Interlocked.Increment(ref seen) == 2)
            {
                holding.TrySetResult();
                await release.Task.WaitAsync(ct);
            }
            return null;
        };

        var rows = await rig.SendAsync(
            DispatcherRig.Processing(1), DispatcherRig.Created(1, "one"),
            DispatcherRig.Processing(1), DispatcherRig.Created(1, "two"),
            DispatcherRig.Processing(1), DispatcherRig.Created(1, "three"));
        var newer = await rig.SendAsync(DispatcherRig.Processing(2));
        await holding.Task.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        Assert.Equal(["answer.processing 1", "answer.created 1 one"], rig.Received());

        await rig.Dispatcher.CancelRemainingPartsAsync(DispatcherRig.ConversationId, newerEnqueueId: 100);
        release.SetResult();

        await rig.WaitForEventsAsync(4);
        await rig.WaitIdleAsync();
        // The event in flight completes; the rest of run 1 never reaches the customer; run 2's event does.
        Assert.Equal(["answer.processing 1", "answer.created 1 one", "answer.processing 1", "answer.processing 2"], rig.Attempted());
        Assert.Equal(["answer.processing 1", "answer.created 1 one", "answer.processing 1", "answer.processing 2"], rig.Received());
        Assert.Equal(["delivered", "delivered", "delivered", "cancelled", "cancelled", "cancelled"], rows.Select(r => rig.Status(r.Id)));
        Assert.Equal("delivered", rig.Status(newer[0].Id));
        Assert.Equal(0, rig.Dispatcher.Pending);
    }

    [Fact]
    public async Task A_late_callback_for_an_enqueue_the_run_served_cancels_nothing()
    {
        await using var rig = await DispatcherRig.StartAsync();
        // Part 2's typing indicator is held in flight at the customer until the test has cancelled.
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var holding = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var seen = 0;
        rig.Customer.IncomingHook = async (e, ct) =>
        {
            if (e.Event == Events.AnswerProcessing && Interlocked.Increment(ref seen) == 2)
            {
                holding.TrySetResult();
                await release.Task.WaitAsync(ct);
            }
            return null;
        };

        var rows = await rig.SendAsync(
            DispatcherRig.Processing(1), DispatcherRig.Created(1, "one"),
            DispatcherRig.Processing(1), DispatcherRig.Created(1, "two"),
            DispatcherRig.Processing(1), DispatcherRig.Created(1, "three"));
        var newer = await rig.SendAsync(DispatcherRig.Processing(2));
        await holding.Task.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        Assert.Equal(["answer.processing 1", "answer.created 1 one"], rig.Received());

        await rig.Dispatcher.CancelRemainingPartsAsync(DispatcherRig.ConversationId, newerEnqueueId: 1);
        release.SetResult();

        // Enqueue 1 was served by run 1 (its callback arrived late): nothing of run 1 is cancelled.
        await rig.WaitForEventsAsync(7);
        await rig.WaitIdleAsync();
        Assert.Equal(["answer.processing 1", "answer.created 1 one", "answer.processing 1", "answer.created 1 two",
            "answer.processing 1", "answer.created 1 three", "answer.processing 2"], rig.Received());
    }

    [Fact]
    public async Task Cancelling_also_drops_a_later_part_still_waiting_in_its_typing_pause_and_frees_the_lane()
    {
        await using var rig = await DispatcherRig.StartAsync();
        var rows = await rig.SendAsync(DispatcherRig.Processing(1), DispatcherRig.Created(1, "one"), DispatcherRig.Processing(1), DispatcherRig.Created(1, "two", pauseSeconds: 3));
        var newer = await rig.SendAsync(DispatcherRig.Processing(2));
        await rig.WaitForEventsAsync(3);
        await rig.WaitForStatusAsync(rows[2], "delivered");
        await rig.WaitForWaitAsync(1);   // part 2 is now the lane's head, waiting out its typing pause
        Assert.Equal(3, rig.Attempted().Count);

        await rig.Dispatcher.CancelRemainingPartsAsync(DispatcherRig.ConversationId, newerEnqueueId: 100);

        // The newer run's event no longer waits behind the cancelled pause: it goes out without the clock moving.
        await rig.WaitForEventsAsync(4);
        rig.Clock.Advance(TimeSpan.FromSeconds(3.1));
        await rig.WaitIdleAsync();
        Assert.Equal(["answer.processing 1", "answer.created 1 one", "answer.processing 1", "answer.processing 2"], rig.Attempted());
        Assert.Equal("cancelled", rig.Status(rows[3].Id));
        await rig.WaitForStatusAsync(newer[0], "delivered");
        Assert.Equal(0, rig.Dispatcher.Pending);
    }

    [Fact]
    public async Task Cancelling_keeps_every_event_of_a_run_whose_first_part_is_not_out_yet()
    {
        await using var rig = await DispatcherRig.StartAsync();
        var rows = await rig.SendAsync(DispatcherRig.Processing(1), DispatcherRig.Created(1, "one", pauseSeconds: 2), DispatcherRig.Processing(1), DispatcherRig.Created(1, "two"));
        await rig.WaitForEventsAsync(1);
        await rig.WaitForStatusAsync(rows[0], "delivered");
        await rig.WaitForWaitAsync(1);   // part 1's pause

        await rig.Dispatcher.CancelRemainingPartsAsync(DispatcherRig.ConversationId, newerEnqueueId: 100);
        rig.Clock.Advance(TimeSpan.FromSeconds(2.1));

        await rig.WaitForEventsAsync(4);
        await rig.WaitIdleAsync();
        Assert.Equal(["answer.processing 1", "answer.created 1 one", "answer.processing 1", "answer.created 1 two"], rig.Received());
        Assert.All(rows, r => Assert.Equal("delivered", rig.Status(r.Id)));
    }
}
