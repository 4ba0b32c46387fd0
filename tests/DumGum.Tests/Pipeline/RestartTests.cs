using System.Net;
using DumGum.Conversations;
using DumGum.Storage;
using DumGum.Tests.Infrastructure;
using DumGum.Webhooks;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace DumGum.Tests.Pipeline;

/// <summary>
/// "Never lose a request we accepted" (docs/behaviour.md, "What a crash can lose"): enqueues are durable before the 204 and survive a restart;
/// a run whose process died resumes once its lease lapses; a worker that lost its lease can never record an outcome.
/// </summary>
public abstract class RestartTests(StorageProvider provider) : StorageSuite(provider)
{
    const string User = "u-durable", Persona = "p-durable";

    static readonly Dictionary<string, string?> FastLeases = new()
    {
        ["Conversations:LeaseDuration"] = "00:00:03",
        ["Conversations:HeartbeatInterval"] = "00:00:01",
    };

    static void SetUpCustomer(FakeCustomer customer)
    {
        customer.Profiles[User] = FakeCustomer.Profile(User, "Tomas");
        customer.Profiles[Persona] = FakeCustomer.Profile(Persona, "Marta");
        customer.AddUserText(User, Persona, "anyone home?");
    }

    static async Task EnqueueAsync(DumGumHost host, DumGumHost.TestProject project, string bufferSeconds)
    {
        using var response = await host.EnqueueAsync(project.Key, new
        {
            userProfileId = User, personaProfileId = Persona, language = "EN",
            replyParameters = new { bufferSeconds },
        });
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
    }

    [Fact]
    public async Task An_accepted_enqueue_survives_a_restart_before_its_run()
    {
        await using var customer = await FakeCustomer.StartAsync();
        SetUpCustomer(customer);
        // Both processes on one fake clock: nothing falls due until the test moves it.
        var clock = new FakeTimeProvider(DumGumHost.WholeSecondNow());
        var host1 = StartHost(services: s => s.AddSingleton<TimeProvider>(clock));
        var databasePath = host1.DatabasePath;
        var sent = clock.GetUtcNow();
        try
        {
            var project = await host1.CreateProjectAsync(customer);
            await EnqueueAsync(host1, project, "3");
        }
        finally
        {
            await host1.DisposeAsync();
        }
        Assert.Equal(0, customer.CallCount("/history"));   // host 1 never started the run

        clock.Advance(TimeSpan.FromSeconds(1));
        await using var host2 = StartHost(databasePath, services: s => s.AddSingleton<TimeProvider>(clock));
        // The buffer still counts from the original acceptance, not from the restart.
        Assert.Equal(sent + TimeSpan.FromSeconds(3), await host2.WaitForTimerAsync(host2.SingleConversationId()));
        Assert.Equal(0, customer.CallCount("/history"));
        clock.Advance(TimeSpan.FromSeconds(2));
        var created = (await customer.WaitForEventAsync(Events.AnswerCreated, seconds: 15))[0];
        Assert.Equal(User, (string?)created.Data["answer"]!["userProfileId"]);

        await host2.WaitQuietAsync();
        Assert.Single(customer.Events, e => e.Event == Events.AnswerCreated);
        Assert.Equal(1, customer.CallCount("/history"));
    }

    [Fact]
    public async Task A_run_whose_process_died_is_resumed_once_its_lease_lapses()
    {
        await using var customer = await FakeCustomer.StartAsync();
        SetUpCustomer(customer);
        var model = new FakeChatClient().Hang();   // never answers: it waits until the run is cancelled
        var clock = new FakeTimeProvider(DumGumHost.WholeSecondNow());
        var host1 = StartHost(settings: FastLeases, services: s => s.AddSingleton<IChatClient>(model).AddSingleton<TimeProvider>(clock));
        var databasePath = host1.DatabasePath;
        var claimed = clock.GetUtcNow();
        try
        {
            var project = await host1.CreateProjectAsync(customer);
            await EnqueueAsync(host1, project, "0");
            // The history was fetched and generation started: the run holds the lease (3 s, not renewed: the clock stands still).
            await model.FirstCall.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
            Assert.Equal(1, customer.CallCount("/history"));
        }
        finally
        {
            await host1.DisposeAsync();   // the lease stays held in the database
        }

        await using var host2 = StartHost(databasePath, FastLeases, s => s.AddSingleton<TimeProvider>(clock));
        // Host 2 looks again when the dead process's lease lapses, not before.
        Assert.Equal(claimed + TimeSpan.FromSeconds(3), await host2.WaitForTimerAsync(host2.SingleConversationId()));
        Assert.Equal(1, customer.CallCount("/history"));
        clock.Advance(TimeSpan.FromSeconds(3));
        var created = (await customer.WaitForEventAsync(Events.AnswerCreated, seconds: 15))[0];
        Assert.False(string.IsNullOrWhiteSpace((string?)created.Data["answer"]!["text"]));

        await host2.WaitQuietAsync();
        Assert.Single(customer.Events, e => e.Event == Events.AnswerCreated);
        Assert.DoesNotContain(customer.Events, e => e.Event == Events.ConversationDropped);
        Assert.Equal(2, customer.CallCount("/history"));
    }

    [Fact]
    public async Task A_worker_that_lost_its_lease_can_never_finish_the_run()
    {
        var database = OpenDatabase();
        using var writes = new WriteQueue(database, NullLogger<WriteQueue>.Instance);
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var store = new ConversationStore(database, writes, clock,
            Options.Create(new ConversationOptions { LeaseDuration = TimeSpan.FromMilliseconds(200) }));
        var key = new ConversationKey("proj_test", User, Persona);

        var accepted = await store.AcceptAsync(key, """{"userProfileId":"u-durable"}""", 0, 60);
        var id = accepted.ConversationId;

        var (a, _) = await store.ClaimAsync(id, "worker-a");
        Assert.NotNull(a);
        var (blocked, heldUntil) = await store.ClaimAsync(id, "worker-b");
        Assert.Null(blocked);   // the lease is A's while it lasts
        Assert.NotNull(heldUntil);

        clock.Advance(TimeSpan.FromMilliseconds(300));
        var (b, _) = await store.ClaimAsync(id, "worker-b");
        Assert.NotNull(b);
        Assert.True(b.LeaseToken > a.LeaseToken);

        List<Delivery> Emit(WriteQueue.Writer w, long token) =>
        [
            Outbox.Insert(w, new OutboxEntry(key.ProjectId, id, User, Persona, token, Events.AnswerCreated, "{}", clock.GetUtcNow(),
                clock.GetUtcNow().AddMinutes(1))),
        ];

        Assert.False(await store.HeartbeatAsync(id, a.LeaseToken));
        await Assert.ThrowsAsync<LeaseLostException>(() => store.EmitAsync(id, a.LeaseToken, w => Emit(w, a.LeaseToken)));
        await Assert.ThrowsAsync<LeaseLostException>(() => store.FinishAsync(id, a.LeaseToken, a.Watermark, w => Emit(w, a.LeaseToken)));

        // A wrote nothing: the enqueue is still pending and no event was recorded.
        Assert.Single(store.LoadServed(id, a.Watermark));
        Assert.Single(store.LoadPending(), p => p.Id == id);
        Assert.Equal(0, CountDeliveries(database));

        var (emitted, stillPendingSince) = await store.FinishAsync(id, b.LeaseToken, b.Watermark, w => Emit(w, b.LeaseToken));
        Assert.Single(emitted);
        Assert.Null(stillPendingSince);
        Assert.Empty(store.LoadServed(id, b.Watermark));
        Assert.Empty(store.LoadPending());
        Assert.Equal(1, CountDeliveries(database));
    }

    static long CountDeliveries(Database database)
    {
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM deliveries";
        return (long)command.ExecuteScalar()!;
    }
}

public sealed class RestartTestsOnSqlite() : RestartTests(StorageProvider.Sqlite);

public sealed class RestartTestsOnPostgres() : RestartTests(StorageProvider.Postgres);
