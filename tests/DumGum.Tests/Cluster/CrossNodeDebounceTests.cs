using System.Net;
using DumGum.Storage;
using DumGum.Tests.Infrastructure;
using DumGum.Webhooks;
using Microsoft.Extensions.DependencyInjection;

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
        await using var a = DumGumHost.Start(database, settings, provider: StorageProvider.Postgres);
        await using var b = DumGumHost.Start(database, settings, provider: StorageProvider.Postgres);
        var project = await a.CreateProjectAsync(customer);

        using (var first = await a.EnqueueAsync(project.Key, Body)) Assert.Equal(HttpStatusCode.NoContent, first.StatusCode);
        await Task.Delay(1200, TestContext.Current.CancellationToken);
        customer.AddUserText(User, Persona, "second");
        var secondSent = DateTimeOffset.UtcNow;
        using (var second = await b.EnqueueAsync(project.Key, Body)) Assert.Equal(HttpStatusCode.NoContent, second.StatusCode);

        await customer.WaitForEventAsync(Events.AnswerCreated);
        await Task.Delay(2500, TestContext.Current.CancellationToken);   // room for a wrong second run
        var history = Assert.Single(customer.Calls, c => c.Path == "/history");
        // Node a alone would have run 2 s after the first enqueue, 0.8 s after the second: it must wait 2 s after the second.
        Assert.True(history.At - secondSent >= TimeSpan.FromSeconds(1.9), $"ran {(history.At - secondSent).TotalSeconds:F2} s after the second enqueue");
        Assert.Single(customer.Events, e => e.Event == Events.AnswerProcessing);
    }
}

/// <summary>A ban recorded on one node stops enqueues on another at once (its notification clears the other's cache).</summary>
public sealed class CrossNodeBanTests
{
    [Fact]
    public async Task A_ban_recorded_on_one_node_answers_409_on_the_other_within_a_second()
    {
        await using var customer = await FakeCustomer.StartAsync();
        customer.AddPair("u-banned", "p-banned", "hi");
        var database = DumGumHost.NewDatabase(StorageProvider.Postgres);
        await using var a = DumGumHost.Start(database, provider: StorageProvider.Postgres);
        await using var b = DumGumHost.Start(database, provider: StorageProvider.Postgres);
        var project = await a.CreateProjectAsync(customer);
        var body = new { userProfileId = "u-banned", personaProfileId = "p-banned", language = "EN", replyParameters = new { bufferSeconds = "60" } };
        // Node b has looked the conversation up (and cached "no ban").
        using (var before = await b.EnqueueAsync(project.Key, body)) Assert.Equal(HttpStatusCode.NoContent, before.StatusCode);

        await a.Services.GetRequiredService<DumGum.Guardrails.BanLedger>()
            .RecordOffenceAsync(project.Id, "u-banned", "p-banned", "USER_HOSTILE", [0], DateTimeOffset.UtcNow);

        var until = DateTime.UtcNow.AddSeconds(1);
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
