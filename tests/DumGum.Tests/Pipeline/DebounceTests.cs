using DumGum.Storage;
using System.Net;
using DumGum.Tests.Infrastructure;
using DumGum.Webhooks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace DumGum.Tests.Pipeline;

/// <summary>
/// docs/behaviour.md, "The enqueue flow": <c>bufferSeconds</c> is a debounce (quiet period), capped at 3 × buffer after
/// the oldest pending enqueue. The server runs on a fake clock: nothing is due until the test moves it.
/// </summary>
public abstract class DebounceTests(StorageProvider provider) : StorageSuite(provider)
{
    const string User = "u-debounce", Persona = "p-debounce";

    readonly FakeTimeProvider clock = new(DumGumHost.WholeSecondNow());

    DumGumHost StartHostOnClock() => StartHost(services: s => s.AddSingleton<TimeProvider>(clock));

    static async Task<DumGumHost.TestProject> SetUpAsync(FakeCustomer customer, DumGumHost host)
    {
        customer.AddPair(User, Persona, "hi there");
        return await host.CreateProjectAsync(customer);
    }

    static object Body(string bufferSeconds) => new
    {
        userProfileId = User, personaProfileId = Persona, language = "EN",
        replyParameters = new { bufferSeconds },
    };

    static async Task EnqueueAsync(DumGumHost host, DumGumHost.TestProject project, string bufferSeconds)
    {
        using var response = await host.EnqueueAsync(project.Key, Body(bufferSeconds));
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
    }

    [Fact]
    public async Task A_burst_of_twenty_enqueues_is_served_by_one_run()
    {
        await using var customer = await FakeCustomer.StartAsync();
        await using var host = StartHostOnClock();
        var project = await SetUpAsync(customer, host);

        for (var i = 0; i < 20; i++)
        {
            await EnqueueAsync(host, project, "1");
            clock.Advance(TimeSpan.FromMilliseconds(10));
        }
        var lastEnqueue = clock.GetUtcNow() - TimeSpan.FromMilliseconds(10);
        Assert.Equal(lastEnqueue + TimeSpan.FromSeconds(1), await host.WaitForTimerAsync(host.SingleConversationId()));
        Assert.Equal(0, customer.CallCount("/history"));

        clock.Advance(TimeSpan.FromSeconds(1));
        await customer.WaitForEventAsync(Events.AnswerCreated);
        // Nothing is pending any more, and the clock can move on without a second (wrong) run.
        await host.WaitQuietAsync();
        clock.Advance(TimeSpan.FromSeconds(10));
        await host.WaitQuietAsync();

        Assert.Single(customer.Events, e => e.Event == Events.AnswerCreated);
        Assert.Single(customer.Events, e => e.Event == Events.AnswerProcessing);
        Assert.Equal(1, customer.CallCount("/history"));
    }

    [Fact]
    public async Task A_steady_stream_still_gets_its_first_answer_by_the_cap()
    {
        await using var customer = await FakeCustomer.StartAsync();
        await using var host = StartHostOnClock();
        var project = await SetUpAsync(customer, host);

        // An enqueue every 300 ms: the conversation is never quiet for the 1 s buffer, so only the cap (3 × buffer
        // after the first enqueue) can start the run.
        var first = clock.GetUtcNow();
        var cap = first + TimeSpan.FromSeconds(3);
        long id = 0;
        for (var i = 0; i < 10; i++)
        {
            customer.AddUserText(User, Persona, "still typing " + i);
            await EnqueueAsync(host, project, "1");
            if (i == 0) id = host.SingleConversationId();
            var quiet = clock.GetUtcNow() + TimeSpan.FromSeconds(1);
            Assert.Equal(quiet < cap ? quiet : cap, await host.WaitForTimerAsync(id));
            clock.Advance(TimeSpan.FromMilliseconds(300));
        }
        Assert.Equal(cap, clock.GetUtcNow());   // the stream would go on; the cap has come

        await customer.WaitForEventAsync(Events.AnswerCreated);
        Assert.Equal(cap, clock.GetUtcNow());
        Assert.Single(customer.Calls, c => c.Path == "/history");
    }

    [Fact]
    public async Task The_run_starts_when_the_buffer_has_passed()
    {
        await using var customer = await FakeCustomer.StartAsync();
        await using var host = StartHostOnClock();
        var project = await SetUpAsync(customer, host);

        var accepted = clock.GetUtcNow();
        await EnqueueAsync(host, project, "1");
        Assert.Equal(accepted + TimeSpan.FromSeconds(1), await host.WaitForTimerAsync(host.SingleConversationId()));

        clock.Advance(TimeSpan.FromMilliseconds(999));
        Assert.Equal(0, customer.CallCount("/history"));

        clock.Advance(TimeSpan.FromMilliseconds(1));
        await customer.WaitForCallsAsync("/history");
        await customer.WaitForEventAsync(Events.AnswerCreated);
    }
}

public sealed class DebounceTestsOnSqlite() : DebounceTests(StorageProvider.Sqlite);

public sealed class DebounceTestsOnPostgres() : DebounceTests(StorageProvider.Postgres);
