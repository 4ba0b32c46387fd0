using DumGum.Storage;
using System.Net;
using System.Text.Json.Nodes;
using DumGum.Tests.Infrastructure;
using DumGum.Webhooks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace DumGum.Tests.Pipeline;

/// <summary>
/// docs/behaviour.md, "Projects and customer endpoints"; docs/behaviour.md, "The enqueue flow": customer GETs retry on 5xx within the run's deadline (<c>maxProcessingTimeSeconds</c> from the
/// oldest enqueue); a run that cannot finish in time is dropped with <c>TIMEOUT</c>, a 404 drops it at once.
/// </summary>
public abstract class TimeoutTests(StorageProvider provider) : StorageSuite(provider)
{
    const string User = "u-timeout", Persona = "p-timeout";

    static async Task<DumGumHost.TestProject> SetUpAsync(FakeCustomer customer, DumGumHost host)
    {
        customer.AddPair(User, Persona, "are you there?");
        return await host.CreateProjectAsync(customer);
    }

    static async Task EnqueueAsync(DumGumHost host, DumGumHost.TestProject project, JsonObject body)
    {
        using var response = await host.EnqueueAsync(project.Key, body);
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
    }

    static JsonObject Body(string maxProcessingTimeSeconds = "60") => new()
    {
        ["userProfileId"] = User, ["personaProfileId"] = Persona, ["language"] = "EN",
        ["tags"] = new JsonObject { ["funnel"] = "trial", ["appBuild"] = "4.12.0", ["n"] = 3, ["ratio"] = 0.5, ["vip"] = true, ["none"] = null },
        ["replyParameters"] = new JsonObject { ["bufferSeconds"] = "0", ["maxProcessingTimeSeconds"] = maxProcessingTimeSeconds },
    };

    /// <summary>
    /// The server on a fake clock: the run waits on a history call that never answers, and nothing but the clock
    /// reaching the deadline ends it.
    /// </summary>
    [Fact]
    public async Task A_hanging_chat_history_endpoint_drops_the_run_with_TIMEOUT_at_the_deadline()
    {
        var clock = new FakeTimeProvider(DumGumHost.WholeSecondNow());
        await using var customer = await FakeCustomer.StartAsync();
        await using var host = StartHost(services: s => s.AddSingleton<TimeProvider>(clock));
        var project = await SetUpAsync(customer, host);
        var historyCalled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        customer.HistoryHook = async http =>
        {
            historyCalled.TrySetResult();
            try
            {
                await Task.Delay(Timeout.Infinite, http.RequestAborted);
            }
            catch (OperationCanceledException) { }
            return 503;
        };

        var body = Body(maxProcessingTimeSeconds: "10");
        var sent = clock.GetUtcNow();
        await EnqueueAsync(host, project, body);
        // The run has set its deadline timer (before it calls the history endpoint) and now waits on the history.
        await historyCalled.Task.WaitAsync(TimeSpan.FromSeconds(15), TestContext.Current.CancellationToken);
        clock.Advance(TimeSpan.FromSeconds(10) - TimeSpan.FromMilliseconds(1));
        clock.Advance(TimeSpan.FromMilliseconds(1));

        var dropped = (await customer.WaitForEventAsync(Events.ConversationDropped, seconds: 20))[0];
        // Sent at the deadline to the second (webhook-timestamp): a drop before it would carry the second before.
        Assert.Equal(sent + TimeSpan.FromSeconds(10), DateTimeOffset.FromUnixTimeSeconds(dropped.Timestamp));
        Assert.Equal("TIMEOUT", (string?)dropped.Data["reason"]);
        Assert.Equal(project.Id, (string?)dropped.Data["projectId"]);
        Assert.Equal(User, (string?)dropped.Data["userProfileId"]);
        Assert.Equal(Persona, (string?)dropped.Data["personaProfileId"]);
        Assert.Equal(body["tags"]!.ToJsonString(), dropped.Data["tags"]!.ToJsonString());

        await host.WaitQuietAsync();   // the run is over and its events are out: nothing more will be sent
        Assert.DoesNotContain(customer.Attempts, e => e.Event == Events.AnswerCreated);
        Assert.Single(customer.Events, e => e.Event == Events.ConversationDropped);
    }

    [Fact]
    public async Task A_chat_history_404_drops_the_run_with_CUSTOMER_ENDPOINT_FAILED_without_retrying()
    {
        await using var customer = await FakeCustomer.StartAsync();
        await using var host = StartHost();
        var project = await SetUpAsync(customer, host);
        customer.HistoryHook = _ => Task.FromResult<int?>(404);

        var body = Body();
        await EnqueueAsync(host, project, body);

        var dropped = (await customer.WaitForEventAsync(Events.ConversationDropped))[0];
        Assert.Equal("CUSTOMER_ENDPOINT_FAILED", (string?)dropped.Data["reason"]);
        Assert.Equal(body["tags"]!.ToJsonString(), dropped.Data["tags"]!.ToJsonString());
        Assert.DoesNotContain(customer.Attempts, e => e.Event == Events.AnswerCreated);
        Assert.Equal(1, customer.CallCount("/history"));

        var logs = await host.WaitForLogsAsync(project.Id, "chat_history", l => l.Count >= 1);
        var entry = Assert.Single(logs);
        Assert.Equal(404, (int?)entry["status"]);
        Assert.Equal(1, (int?)entry["attempt"]);
        Assert.False(string.IsNullOrEmpty((string?)entry["error"]));
    }

    [Fact]
    public async Task A_chat_history_503_is_retried_and_the_run_still_answers()
    {
        await using var customer = await FakeCustomer.StartAsync();
        await using var host = StartHost();
        var project = await SetUpAsync(customer, host);
        var calls = 0;
        customer.HistoryHook = _ => Task.FromResult<int?>(Interlocked.Increment(ref calls) <= 2 ? 503 : null);

        await EnqueueAsync(host, project, Body());

        var created = (await customer.WaitForEventAsync(Events.AnswerCreated))[0];
        Assert.False(string.IsNullOrWhiteSpace((string?)created.Data["answer"]!["text"]));
        Assert.DoesNotContain(customer.Events, e => e.Event == Events.ConversationDropped);
        Assert.Equal(3, customer.CallCount("/history"));

        var logs = await host.WaitForLogsAsync(project.Id, "chat_history", l => l.Count >= 3);
        Assert.Equal([1, 2, 3], logs.Select(l => (int)l["attempt"]!));
        Assert.Equal([503, 503, 200], logs.Select(l => (int)l["status"]!));
        Assert.All(logs.Take(2), l => Assert.False(string.IsNullOrEmpty((string?)l["error"])));
        Assert.Null((string?)logs[2]["error"]);
        Assert.All(logs, l => Assert.Equal("chat_history", (string?)l["kind"]));
    }
}

public sealed class TimeoutTestsOnSqlite() : TimeoutTests(StorageProvider.Sqlite);

public sealed class TimeoutTestsOnPostgres() : TimeoutTests(StorageProvider.Postgres);
