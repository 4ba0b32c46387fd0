using DumGum.Storage;
using System.Net;
using System.Text.Json.Nodes;
using DumGum.Tests.Infrastructure;
using DumGum.Webhooks;

namespace DumGum.Tests.Pipeline;

/// <summary>
/// docs/behaviour.md, "Events": events are retried with back-off under a stable <c>webhook-id</c>, strictly ordered per conversation;
/// a 410 disables the Incoming Content endpoint; one project's slow customer never delays another project.
/// </summary>
public abstract class DeliveryTests(StorageProvider provider) : StorageSuite(provider)
{
    const string User = "u-delivery", Persona = "p-delivery";

    static async Task<DumGumHost.TestProject> SetUpAsync(FakeCustomer customer, DumGumHost host)
    {
        customer.AddPair(User, Persona, "good morning");
        return await host.CreateProjectAsync(customer);
    }

    static async Task EnqueueAsync(DumGumHost host, DumGumHost.TestProject project)
    {
        using var response = await host.EnqueueAsync(project.Key, new
        {
            userProfileId = User, personaProfileId = Persona, language = "EN",
            replyParameters = new { bufferSeconds = "0" },
        });
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
    }

    [Fact]
    public async Task Failed_deliveries_are_retried_with_the_same_webhook_id_and_stay_in_order()
    {
        await using var customer = await FakeCustomer.StartAsync();
        await using var host = StartHost();
        var project = await SetUpAsync(customer, host);
        // Every event is refused twice (500), then accepted.
        customer.IncomingStatus = e => customer.Attempts.Count(a => a.Event == e.Event) <= 2 ? 500 : 204;

        await EnqueueAsync(host, project);

        var created = (await customer.WaitForEventAsync(Events.AnswerCreated))[0];
        var processing = Assert.Single(customer.Events, e => e.Event == Events.AnswerProcessing);
        Assert.Single(customer.Events, e => e.Event == Events.AnswerCreated);

        var attempts = customer.Attempts.ToList();
        foreach (var accepted in new[] { processing, created })
        {
            var ofEvent = attempts.Where(a => a.Event == accepted.Event).ToList();
            Assert.Equal(3, ofEvent.Count);
            Assert.All(ofEvent, a => Assert.Equal(accepted.WebhookId, a.WebhookId));
            Assert.All(ofEvent, a => Assert.Equal(accepted.Body, a.Body));
        }
        // Strictly ordered: answer.created is first attempted only after answer.processing was accepted.
        var firstCreatedAttempt = attempts.FindIndex(a => a.Event == Events.AnswerCreated);
        var processingAccepted = attempts.FindLastIndex(a => a.Event == Events.AnswerProcessing);
        Assert.True(processingAccepted < firstCreatedAttempt, "answer.processing is delivered before answer.created is sent");
        Assert.NotEqual(processing.WebhookId, created.WebhookId);

        var logs = await host.WaitForLogsAsync(project.Id, "incoming_content", l => l.Count >= 6);
        Assert.Equal([500, 500, 204, 500, 500, 204], logs.Select(l => (int?)l["status"]));
        Assert.Equal([1, 2, 3, 1, 2, 3], logs.Select(l => (int)l["attempt"]!));
    }

    [Fact]
    public async Task A_410_disables_the_incoming_endpoint_and_later_events_are_not_sent()
    {
        await using var customer = await FakeCustomer.StartAsync();
        await using var host = StartHost();
        var project = await SetUpAsync(customer, host);
        customer.IncomingStatus = _ => 410;

        var before = await host.AdminJsonAsync(HttpMethod.Get, $"/admin/v1/projects/{project.Id}");
        Assert.Null(before["incomingContentEndpointDisabledAt"]);

        await EnqueueAsync(host, project);
        // The first event (answer.processing) meets the 410; answer.created of the same run is then not sent.
        var logs = await host.WaitForLogsAsync(project.Id, "incoming_content",
            l => l.Any(e => ((string?)e["error"])?.Contains("not sent (answer.created)", StringComparison.Ordinal) == true));
        var gone = Assert.Single(logs, l => (int?)l["status"] == 410);
        Assert.Contains("answer.processing", (string?)gone["error"], StringComparison.Ordinal);

        var after = await host.AdminJsonAsync(HttpMethod.Get, $"/admin/v1/projects/{project.Id}");
        Assert.NotNull(after["incomingContentEndpointDisabledAt"]);

        // A later run: its events are not POSTed either, only logged as not sent.
        customer.AddUserText(User, Persona, "hello again");
        await EnqueueAsync(host, project);
        logs = await host.WaitForLogsAsync(project.Id, "incoming_content",
            l => l.Count(e => ((string?)e["error"])?.StartsWith("not sent", StringComparison.Ordinal) == true) >= 3);
        Assert.Equal(2, customer.CallCount("/history"));
        Assert.Single(customer.Attempts);
        Assert.Equal(Events.AnswerProcessing, customer.Attempts.Single().Event);
        Assert.Empty(customer.Events);
    }

    [Fact]
    public async Task A_slow_customer_does_not_delay_another_projects_answer()
    {
        await using var slow = await FakeCustomer.StartAsync();
        await using var fast = await FakeCustomer.StartAsync();
        // The longest request timeout: the held delivery is not given up while the test waits for the other answer.
        await using var host = StartHost(settings: new() { ["Outbound:RequestTimeout"] = "00:00:30" });
        var slowProject = await SetUpAsync(slow, host);
        var fastProject = await SetUpAsync(fast, host);
        // The slow customer holds its first event until the test lets it go: the other project's answer must arrive
        // while it is held, however long that takes.
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var slowCalls = 0;
        slow.IncomingHook = async (_, aborted) =>
        {
            if (Interlocked.Increment(ref slowCalls) > 1) return null;   // only the first event is held
            try
            {
                await release.Task.WaitAsync(aborted);
            }
            catch (OperationCanceledException) { }
            return null;
        };

        await EnqueueAsync(host, slowProject);
        await slow.WaitForCallsAsync("/incoming");   // the slow customer is now holding a delivery

        await EnqueueAsync(host, fastProject);
        var created = (await fast.WaitForEventAsync(Events.AnswerCreated))[0];
        Assert.Equal(fastProject.Id, (string?)created.Data["projectId"]);
        Assert.Empty(slow.Events);   // the slow customer is indeed still busy with its first event
        release.SetResult();

        // And the slow one is still served, in order, once its customer answers.
        var slowCreated = (await slow.WaitForEventAsync(Events.AnswerCreated, seconds: 20))[0];
        Assert.Equal(Events.AnswerProcessing, slow.Events.First().Event);
        Assert.Equal(slowProject.Id, (string?)slowCreated.Data["projectId"]);
    }
}

public sealed class DeliveryTestsOnSqlite() : DeliveryTests(StorageProvider.Sqlite);

public sealed class DeliveryTestsOnPostgres() : DeliveryTests(StorageProvider.Postgres);
