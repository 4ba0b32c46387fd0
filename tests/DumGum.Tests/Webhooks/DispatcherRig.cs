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

namespace DumGum.Tests.Webhooks;

/// <summary>
/// A real <see cref="DeliveryDispatcher"/> (real SQLite outbox, real HTTP to a fake customer) on a clock that only moves
/// when the test advances it, and says when the dispatcher is waiting on it.
/// </summary>
sealed class DispatcherRig : IAsyncDisposable
{
    public const string User = "u-typing", Persona = "p-typing";
    public const long ConversationId = 7;

    readonly ServiceProvider services;

    DispatcherRig(ServiceProvider services) => this.services = services;

    public SignallingClock Clock { get; } = new();
    public FakeCustomer Customer { get; private set; } = null!;
    public Database Database { get; private set; } = null!;
    public WriteQueue Writes { get; private set; } = null!;
    public Project Project { get; private set; } = null!;
    public DeliveryDispatcher Dispatcher { get; private set; } = null!;

    /// <summary>
    /// Starts the rig: a project wired to the fake customer, then the dispatcher (which adopts what is pending, as at a
    /// server's start). <paramref name="topology"/> is the database's (a cluster node adopts only dead nodes' events);
    /// <paramref name="beforeStart"/> runs before the dispatcher starts, e.g. to leave another node's event in the outbox.
    /// </summary>
    public static async Task<DispatcherRig> StartAsync(StorageTopology? topology = null, Func<DispatcherRig, Task>? beforeStart = null)
    {
        var services = new ServiceCollection().AddMetrics().AddHttpClient().BuildServiceProvider();
        var rig = new DispatcherRig(services);
        rig.Customer = await FakeCustomer.StartAsync();
        rig.Database = Database.Sqlite(DumGumHost.NewDatabasePath(), topology);
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
        if (beforeStart is not null) await beforeStart(rig);
        await rig.Dispatcher.StartAsync(TestContext.Current.CancellationToken);
        return rig;
    }

    /// <summary>One outbox row: <paramref name="OnExpiry"/> is the drop notice sent if it is not delivered by its deadline.</summary>
    public sealed record Spec(string Event, long Run, string Text = "", TimeSpan Pause = default, TimeSpan? Deadline = null, string? OnExpiry = null);

    public static Spec Processing(long run) => new(Events.AnswerProcessing, run);
    public static Spec Created(long run, string text, double pauseSeconds = 0) => new(Events.AnswerCreated, run, text, TimeSpan.FromSeconds(pauseSeconds));

    /// <summary>Writes the events to the outbox (one transaction) and hands them to the dispatcher.</summary>
    public async Task<List<Delivery>> SendAsync(params Spec[] specs)
    {
        var now = Clock.GetUtcNow();
        var rows = await Writes.WriteAsync(w => specs.Select(s => Outbox.Insert(w, new OutboxEntry(Project.Id, ConversationId, User, Persona, s.Run,
            s.Event, Body(s), now, now + (s.Deadline ?? TimeSpan.FromHours(1))) { OnExpiry = s.OnExpiry, Pause = s.Pause, ServesThrough = s.Run })).ToList());
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
    /// Waits until the dispatcher has started its <paramref name="nth"/> wait on the clock since the rig started (a
    /// typing pause or a retry back-off). From then on nothing moves until the test advances the clock.
    /// </summary>
    public Task WaitForWaitAsync(int nth) => Clock.WaitForTimersAsync(nth);

    /// <summary>Waits until every event handed to the dispatcher is delivered, given up or cancelled: nothing more will be sent.</summary>
    public async Task WaitIdleAsync()
    {
        var until = DateTime.UtcNow.AddSeconds(15);
        while (Dispatcher.Pending > 0)
        {
            if (DateTime.UtcNow > until) throw new TimeoutException($"{Dispatcher.Pending} events still pending");
            await Task.Delay(5, TestContext.Current.CancellationToken);
        }
    }

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
        await Dispatcher.StopAsync(CancellationToken.None);
        await Customer.DisposeAsync();
        Writes.Dispose();
        Database.Dispose();
        await services.DisposeAsync();
    }
}

