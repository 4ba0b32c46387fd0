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
    const string User = "u-typing", Persona = "p-typing";
    const long ConversationId = 7;

    /// <summary>The dispatcher and everything it needs; the clock only moves when the test advances it.</summary>
    sealed class Rig : IAsyncDisposable
    {
        readonly CancellationTokenSource stop = new();
        readonly ServiceProvider services;

        Rig(ServiceProvider services) => this.services = services;

        public FakeTimeProvider Clock { get; } = new(DateTimeOffset.UtcNow);
        public FakeCustomer Customer { get; private set; } = null!;
        public Database Database { get; private set; } = null!;
        public WriteQueue Writes { get; private set; } = null!;
        public Project Project { get; private set; } = null!;
        public DeliveryDispatcher Dispatcher { get; private set; } = null!;

        public static async Task<Rig> StartAsync()
        {
            var services = new ServiceCollection().AddMetrics().AddHttpClient().BuildServiceProvider();
            var rig = new Rig(services);
            rig.Customer = await FakeCustomer.StartAsync();
            rig.Database = Database.Sqlite(DumGumHost.NewDatabasePath());
            rig.Writes = new WriteQueue(rig.Database, NullLogger<WriteQueue>.Instance);
            var projects = new ProjectStore(rig.Database, rig.Writes, rig.Clock);
            rig.Project = await projects.CreateAsync("typing", new ProjectConfig
            {
                ProfileEndpointUrl = rig.Customer.ProfileUrl,
                ChatHistoryEndpointUrl = rig.Customer.HistoryUrl,
                IncomingContentEndpointUrl = rig.Customer.IncomingUrl,
            }, TestContext.Current.CancellationToken);
            var callLog = new CallLog(rig.Database, rig.Writes, rig.Clock, NullLogger<CallLog>.Instance);
            var metrics = new DumGumMetrics(services.GetRequiredService<IMeterFactory>());
            rig.Dispatcher = new DeliveryDispatcher(services.GetRequiredService<IHttpClientFactory>(), projects, rig.Writes, callLog,
                rig.Clock, Options.Create(new OutboundOptions()), metrics, NullLogger<DeliveryDispatcher>.Instance);
            rig.Dispatcher.Start(rig.stop.Token);
            return rig;
        }

        public sealed record Spec(string Event, long Run, string Text = "", TimeSpan Pause = default);

        public static Spec Processing(long run) => new(Events.AnswerProcessing, run);
        public static Spec Created(long run, string text, double pauseSeconds = 0) => new(Events.AnswerCreated, run, text, TimeSpan.FromSeconds(pauseSeconds));

        /// <summary>Writes the events to the outbox (one transaction) and hands them to the dispatcher.</summary>
        public async Task<List<Delivery>> SendAsync(params Spec[] specs)
        {
            var now = Clock.GetUtcNow();
            var rows = await Writes.WriteAsync(w => specs.Select(s => Outbox.Insert(w, Project.Id, ConversationId, User, Persona, s.Run,
                s.Event, Body(s), now, now, now.AddHours(1), null, s.Pause, servesThrough: s.Run)).ToList());
            Dispatcher.Enqueue(rows);
            return rows;
        }

        string Body(Spec s) => new JsonObject
        {
            ["event"] = s.Event,
            ["data"] = new JsonObject { ["projectId"] = Project.Id, ["run"] = s.Run, ["text"] = s.Text },
        }.ToJsonString();

        /// <summary>What reached the customer (accepted), as "event run text".</summary>
        public List<string> Received() => [.. Customer.Events.Select(Describe)];

        /// <summary>Every POST the customer saw, accepted or not.</summary>
        public List<string> Attempted() => [.. Customer.Attempts.Select(Describe)];

        static string Describe(ReceivedEvent e) => $"{e.Event} {(long)e.Data["run"]!} {(string?)e.Data["text"]}".TrimEnd();

        /// <summary>Waits (real time) until the customer accepted <paramref name="count"/> events.</summary>
        public Task<List<ReceivedEvent>> WaitForEventsAsync(int count) => Customer.WaitForEventsAsync(_ => true, count, seconds: 10);

        /// <summary>
        /// Real time for the dispatcher to reach its next wait on the fake clock (it records the delivery time of the
        /// event it just sent, then starts the pause). Nothing it does in this time depends on the clock moving.
        /// </summary>
        public static Task SettleAsync() => Task.Delay(250, TestContext.Current.CancellationToken);

        public string Status(long deliveryId)
        {
            using var connection = Database.Open();
            using var command = connection.Sql("SELECT status FROM deliveries WHERE id = @id").With("@id", deliveryId);
            return (string)command.ExecuteScalar()!;
        }

        /// <summary>Waits (real time) until the outbox row has <paramref name="status"/>: the dispatcher records it before moving on.</summary>
        public async Task WaitForStatusAsync(Delivery delivery, string status)
        {
            var until = DateTime.UtcNow.AddSeconds(10);
            while (Status(delivery.Id) != status)
            {
                if (DateTime.UtcNow > until) throw new TimeoutException($"delivery {delivery.Id} is {Status(delivery.Id)}, not {status}");
                await Task.Delay(10, TestContext.Current.CancellationToken);
            }
        }

        public async ValueTask DisposeAsync()
        {
            await stop.CancelAsync();
            await Customer.DisposeAsync();
            Writes.Dispose();
            await services.DisposeAsync();
            stop.Dispose();
        }
    }

    [Fact]
    public async Task An_answer_waits_its_typing_pause_on_the_clock_after_the_event_before_it_was_delivered()
    {
        await using var rig = await Rig.StartAsync();
        var rows = await rig.SendAsync(Rig.Processing(1), Rig.Created(1, "hello", pauseSeconds: 3));

        await rig.WaitForEventsAsync(1);
        Assert.Equal(["answer.processing 1"], rig.Received());
        await rig.WaitForStatusAsync(rows[0], "delivered");
        await Rig.SettleAsync();

        // Real time passes, the clock does not: the message stays held.
        await Rig.SettleAsync();
        Assert.Equal(["answer.processing 1"], rig.Attempted());

        rig.Clock.Advance(TimeSpan.FromSeconds(1));
        await Rig.SettleAsync();
        rig.Clock.Advance(TimeSpan.FromSeconds(1.9));   // 2.9 s after the typing indicator was delivered
        await Rig.SettleAsync();
        Assert.Equal(["answer.processing 1"], rig.Attempted());
        Assert.Equal("pending", rig.Status(rows[1].Id));

        rig.Clock.Advance(TimeSpan.FromSeconds(0.2));   // 3.1 s: the pause is over
        await rig.WaitForEventsAsync(2);
        Assert.Equal(["answer.processing 1", "answer.created 1 hello"], rig.Received());
    }

    [Fact]
    public async Task Every_part_of_a_split_reply_waits_its_own_pause_after_its_typing_indicator()
    {
        await using var rig = await Rig.StartAsync();
        var indicator = await rig.SendAsync(Rig.Processing(1));
        await rig.WaitForEventsAsync(1);
        await rig.WaitForStatusAsync(indicator[0], "delivered");

        // As the runner emits a FAST split reply: part 1 (paused from now: the lane has run dry since the indicator),
        // then part 2's own typing indicator (no pause) and part 2 (paused after that indicator).
        var parts = await rig.SendAsync(Rig.Created(1, "one", pauseSeconds: 1), Rig.Processing(1), Rig.Created(1, "two", pauseSeconds: 2));
        await Rig.SettleAsync();
        Assert.Single(rig.Attempted());

        rig.Clock.Advance(TimeSpan.FromSeconds(0.9));
        await Rig.SettleAsync();
        Assert.Single(rig.Attempted());

        rig.Clock.Advance(TimeSpan.FromSeconds(0.2));   // part 1's pause is over; part 2's indicator follows at once
        await rig.WaitForEventsAsync(3);
        await rig.WaitForStatusAsync(parts[1], "delivered");
        await Rig.SettleAsync();
        Assert.Equal(["answer.processing 1", "answer.created 1 one", "answer.processing 1"], rig.Attempted());

        rig.Clock.Advance(TimeSpan.FromSeconds(1.9));
        await Rig.SettleAsync();
        Assert.Equal(3, rig.Attempted().Count);

        rig.Clock.Advance(TimeSpan.FromSeconds(0.2));
        await rig.WaitForEventsAsync(4);
        Assert.Equal(["answer.processing 1", "answer.created 1 one", "answer.processing 1", "answer.created 1 two"], rig.Received());
    }

    [Fact]
    public async Task Cancelling_drops_the_queued_later_parts_of_an_answered_run_and_keeps_a_newer_runs_event()
    {
        await using var rig = await Rig.StartAsync();
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
            Rig.Processing(1), Rig.Created(1, "one"),
            Rig.Processing(1), Rig.Created(1, "two"),
            Rig.Processing(1), Rig.Created(1, "three"));
        var newer = await rig.SendAsync(Rig.Processing(2));
        await holding.Task.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        Assert.Equal(["answer.processing 1", "answer.created 1 one"], rig.Received());

        await rig.Dispatcher.CancelRemainingPartsAsync(ConversationId, newerEnqueueId: 100);
        release.SetResult();

        await rig.WaitForEventsAsync(4);
        await Rig.SettleAsync();
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
        await using var rig = await Rig.StartAsync();
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
            Rig.Processing(1), Rig.Created(1, "one"),
            Rig.Processing(1), Rig.Created(1, "two"),
            Rig.Processing(1), Rig.Created(1, "three"));
        var newer = await rig.SendAsync(Rig.Processing(2));
        await holding.Task.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        Assert.Equal(["answer.processing 1", "answer.created 1 one"], rig.Received());

        await rig.Dispatcher.CancelRemainingPartsAsync(ConversationId, newerEnqueueId: 1);
        release.SetResult();

        // Enqueue 1 was served by run 1 (its callback arrived late): nothing of run 1 is cancelled.
        await rig.WaitForEventsAsync(7);
        await Rig.SettleAsync();
        Assert.Equal(["answer.processing 1", "answer.created 1 one", "answer.processing 1", "answer.created 1 two",
            "answer.processing 1", "answer.created 1 three", "answer.processing 2"], rig.Received());
    }

    [Fact]
    public async Task Cancelling_also_drops_a_later_part_still_waiting_in_its_typing_pause_and_frees_the_lane()
    {
        await using var rig = await Rig.StartAsync();
        var rows = await rig.SendAsync(Rig.Processing(1), Rig.Created(1, "one"), Rig.Processing(1), Rig.Created(1, "two", pauseSeconds: 3));
        var newer = await rig.SendAsync(Rig.Processing(2));
        await rig.WaitForEventsAsync(3);
        await rig.WaitForStatusAsync(rows[2], "delivered");
        await Rig.SettleAsync();   // part 2 is now the lane's head, waiting out its typing pause
        Assert.Equal(3, rig.Attempted().Count);

        await rig.Dispatcher.CancelRemainingPartsAsync(ConversationId, newerEnqueueId: 100);

        // The newer run's event no longer waits behind the cancelled pause: it goes out without the clock moving.
        await rig.WaitForEventsAsync(4);
        rig.Clock.Advance(TimeSpan.FromSeconds(3.1));
        await Rig.SettleAsync();
        Assert.Equal(["answer.processing 1", "answer.created 1 one", "answer.processing 1", "answer.processing 2"], rig.Attempted());
        Assert.Equal("cancelled", rig.Status(rows[3].Id));
        await rig.WaitForStatusAsync(newer[0], "delivered");
        Assert.Equal(0, rig.Dispatcher.Pending);
    }

    [Fact]
    public async Task Cancelling_keeps_every_event_of_a_run_whose_first_part_is_not_out_yet()
    {
        await using var rig = await Rig.StartAsync();
        var rows = await rig.SendAsync(Rig.Processing(1), Rig.Created(1, "one", pauseSeconds: 2), Rig.Processing(1), Rig.Created(1, "two"));
        await rig.WaitForEventsAsync(1);
        await rig.WaitForStatusAsync(rows[0], "delivered");
        await Rig.SettleAsync();

        await rig.Dispatcher.CancelRemainingPartsAsync(ConversationId, newerEnqueueId: 100);
        rig.Clock.Advance(TimeSpan.FromSeconds(2.1));

        await rig.WaitForEventsAsync(4);
        await Rig.SettleAsync();
        Assert.Equal(["answer.processing 1", "answer.created 1 one", "answer.processing 1", "answer.created 1 two"], rig.Received());
        Assert.All(rows, r => Assert.Equal("delivered", rig.Status(r.Id)));
    }
}
