using System.Net;
using DumGum.Conversations;
using DumGum.Storage;
using DumGum.Tests.Infrastructure;
using DumGum.Webhooks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace DumGum.Tests.Cluster;

/// <summary>Two nodes (in-process hosts) on one PostgreSQL: the debounce of each sees the enqueues the other accepted.</summary>
public sealed class CrossNodeDebounceTests
{
    const string User = "u-two-nodes", Persona = "p-two-nodes";

    static object Body => new { userProfileId = User, personaProfileId = Persona, language = "EN", replyParameters = new { bufferSeconds = "2" } };

    [Fact]
    public async Task An_enqueue_on_another_node_pushes_the_run_back()
    {
        await using var customer = await FakeCustomer.StartAsync();
        customer.AddPair(User, Persona, "first");
        var database = DumGumHost.NewDatabase(StorageProvider.Postgres);
        // Notifications alone: a resync would come far too late to matter.
        var settings = new Dictionary<string, string?> { ["Conversations:ResyncInterval"] = "00:10:00" };
        // Both nodes on one fake clock: nothing falls due until the test moves it.
        var clock = new FakeTimeProvider(DumGumHost.WholeSecondNow());
        await using var a = DumGumHost.Start(database, settings, s => s.AddSingleton<TimeProvider>(clock), StorageProvider.Postgres);
        await using var b = DumGumHost.Start(database, settings, s => s.AddSingleton<TimeProvider>(clock), StorageProvider.Postgres);
        var project = await a.CreateProjectAsync(customer);

        var firstSent = clock.GetUtcNow();
        using (var first = await a.EnqueueAsync(project.Key, Body)) Assert.Equal(HttpStatusCode.NoContent, first.StatusCode);
        var id = a.SingleConversationId();
        Assert.Equal(firstSent + TimeSpan.FromSeconds(2), await a.WaitForTimerAsync(id));
        clock.Advance(TimeSpan.FromSeconds(1.2));
        customer.AddUserText(User, Persona, "second");
        var secondSent = clock.GetUtcNow();
        using (var second = await b.EnqueueAsync(project.Key, Body)) Assert.Equal(HttpStatusCode.NoContent, second.StatusCode);

        // Node a alone would run 2 s after the first enqueue, 0.8 s after the second: once it hears of the second
        // (a notification), it waits 2 s after that one.
        await WaitForDueAsync(a, id, secondSent + TimeSpan.FromSeconds(2));
        Assert.Equal(secondSent + TimeSpan.FromSeconds(2), await b.WaitForTimerAsync(id));
        clock.Advance(TimeSpan.FromSeconds(2) - TimeSpan.FromMilliseconds(1));
        Assert.Equal(0, customer.CallCount("/history"));
        clock.Advance(TimeSpan.FromMilliseconds(1));

        await customer.WaitForEventAsync(Events.AnswerCreated);
        await a.WaitQuietAsync();   // room for a wrong second run: neither node has anything left to do
        await b.WaitQuietAsync();
        Assert.Single(customer.Calls, c => c.Path == "/history");
        Assert.Single(customer.Events, e => e.Event == Events.AnswerProcessing);
    }

    /// <summary>Waits (bounded) until the node's scheduler holds the conversation due at <paramref name="due"/>.</summary>
    static async Task WaitForDueAsync(DumGumHost node, long id, DateTimeOffset due)
    {
        var scheduler = node.Services.GetRequiredService<ConversationScheduler>();
        var until = DateTime.UtcNow.AddSeconds(10);
        while (scheduler.Timer(id)?.Due != due)
        {
            if (DateTime.UtcNow > until) throw new TimeoutException($"due at {scheduler.Timer(id)?.Due:O}, expected {due:O}");
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }
    }
}

/// <summary>
/// A ban recorded on one node stops enqueues on another at once (its notification clears the other's cache). Both nodes
/// run on one fake clock that never moves, so neither the cache's revalidation nor the change watcher's poll can stand
/// in for the notification; the wait's bound only turns a missing notification into a failure.
/// </summary>
public sealed class CrossNodeBanTests
{
    [Fact]
    public async Task A_ban_recorded_on_one_node_answers_409_on_the_other_at_once()
    {
        await using var customer = await FakeCustomer.StartAsync();
        customer.AddPair("u-banned", "p-banned", "hi");
        var database = DumGumHost.NewDatabase(StorageProvider.Postgres);
        var clock = new FakeTimeProvider(DumGumHost.WholeSecondNow());
        await using var a = DumGumHost.Start(database, services: s => s.AddSingleton<TimeProvider>(clock), provider: StorageProvider.Postgres);
        await using var b = DumGumHost.Start(database, services: s => s.AddSingleton<TimeProvider>(clock), provider: StorageProvider.Postgres);
        var project = await a.CreateProjectAsync(customer);
        var body = new { userProfileId = "u-banned", personaProfileId = "p-banned", language = "EN", replyParameters = new { bufferSeconds = "60" } };
        // Node b has looked the conversation up (and cached "no ban").
        using (var before = await b.EnqueueAsync(project.Key, body)) Assert.Equal(HttpStatusCode.NoContent, before.StatusCode);

        await a.Services.GetRequiredService<DumGum.Guardrails.BanLedger>()
            .RecordOffenceAsync(project.Id, "u-banned", "p-banned", "USER_HOSTILE", [0], clock.GetUtcNow());

        var until = DateTime.UtcNow.AddSeconds(15);
        HttpStatusCode status;
        do
        {
            using var response = await b.EnqueueAsync(project.Key, body);
            status = response.StatusCode;
            if (status == HttpStatusCode.Conflict) break;
            await Task.Delay(50, TestContext.Current.CancellationToken);
        } while (DateTime.UtcNow < until);
        Assert.Equal(HttpStatusCode.Conflict, status);
    }
}
