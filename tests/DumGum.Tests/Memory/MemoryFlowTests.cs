using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using DumGum.Conversations;
using DumGum.Memory;
using DumGum.Storage;
using DumGum.Tests.Infrastructure;
using DumGum.Webhooks;
using Microsoft.Extensions.DependencyInjection;

namespace DumGum.Tests.Memory;

/// <summary>Long-term memory end to end (docs/memory.md): facts stated in the chat, the memory webhook, the prompt block.</summary>
public abstract class MemoryFlowTests(StorageProvider provider) : StorageSuite(provider)
{
    static CancellationToken Token => TestContext.Current.CancellationToken;

    static readonly string[] MemoryFields =
        ["uniqueIdentifier", "target", "category", "description", "eventStartDate", "eventEndDate", "sourceText", "timestamp", "tags"];

    static async Task<JsonObject> TurnAsync(DumGumHost host, FakeCustomer customer, DumGumHost.TestProject project, string user, string persona,
        string text, int answersBefore)
    {
        if (answersBefore > 0)
            customer.AddMessage(user, persona, new JsonObject
            {
                ["id"] = "m-" + Guid.NewGuid().ToString("N")[..8], ["sender"] = "PERSONA",
                ["date"] = DateTimeOffset.UtcNow.ToString("O"), ["text"] = "Nice!",
            });
        customer.AddUserText(user, persona, text);
        using (var r = await host.EnqueueAsync(project.Key, new { userProfileId = user, personaProfileId = persona, language = "EN", replyParameters = new { bufferSeconds = 0 } }))
            Assert.Equal(HttpStatusCode.NoContent, r.StatusCode);
        var created = await customer.WaitForEventAsync(Events.AnswerCreated, user, answersBefore + 1);
        return created[answersBefore].Data["answer"]!.AsObject();
    }

    static void AssertSigned(DumGumHost.TestProject project, ReceivedEvent e) =>
        Assert.True(WebhookSigner.Verify(project.WebhookSecret, e.WebhookId, e.Timestamp, Encoding.UTF8.GetBytes(e.Body), e.Signature),
            "the memory event is signed with the project's secret");

    static void AssertMemoryShape(JsonNode? memory)
    {
        var m = memory!.AsObject();
        Assert.Equal(MemoryFields, m.Select(p => p.Key).ToArray());
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", (string)m["timestamp"]!);
        Assert.InRange(m["tags"]!.AsArray().Count, 0, 10);
        if ((string?)m["category"] != "EVENT")
        {
            Assert.True(m.ContainsKey("eventStartDate") && m["eventStartDate"] is null);
            Assert.True(m.ContainsKey("eventEndDate") && m["eventEndDate"] is null);
        }
    }

    [Fact]
    public async Task Stated_facts_are_sent_in_full_state_signed_with_the_memory_headers_after_the_answer()
    {
        await using var customer = await FakeCustomer.StartAsync();
        await using var host = StartHost();
        var project = await host.CreateProjectAsync(customer, new
        {
            memoryWebhookUrl = customer.MemoryUrl,
            memoryWebhookCustomHeaders = new Dictionary<string, string> { ["X-Api-Key"] = "mem-key-1" },
            customHeaders = new Dictionary<string, string> { ["X-Endpoint-Only"] = "e" },
            endpointBearerToken = "tok_memory_0123456789abcdef",
        });
        customer.Profiles["u-1"] = FakeCustomer.Profile("u-1", "Anna");
        customer.Profiles["p-1"] = FakeCustomer.Profile("p-1", "Marta");

        var before = DateTimeOffset.UtcNow;
        await TurnAsync(host, customer, project, "u-1", "p-1", "Hi, my name is Anna and I live in Madrid.", 0);
        var memoryEvent = (await customer.WaitForMemoryEventsAsync())[0];

        Assert.Equal("memory.updated", memoryEvent.Event);
        AssertSigned(project, memoryEvent);
        var answerCreated = customer.Events.First(e => e.Event == Events.AnswerCreated);
        Assert.True(memoryEvent.ReceivedAt >= answerCreated.ReceivedAt, "the memory event follows the answer");

        var call = customer.Calls.Single(c => c.Path == "/memory");
        Assert.Equal("mem-key-1", call.Headers["X-Api-Key"]);
        Assert.Equal("Bearer tok_memory_0123456789abcdef", call.Headers["Authorization"]);
        Assert.False(call.Headers.ContainsKey("X-Endpoint-Only"), "the endpoints' custom headers are not sent to the memory webhook");

        var data = memoryEvent.Data;
        Assert.Equal(["projectId", "userProfileId", "personaProfileId", "memories"], data.Select(p => p.Key).ToArray());
        Assert.Equal(project.Id, (string?)data["projectId"]);
        Assert.Equal("u-1", (string?)data["userProfileId"]);
        Assert.Equal("p-1", (string?)data["personaProfileId"]);
        foreach (var m in data["memories"]!.AsArray()) AssertMemoryShape(m);
        var user = data["memories"]!.AsArray().Where(m => (string?)m!["target"] == "USER").ToDictionary(m => (string)m!["uniqueIdentifier"]!);
        Assert.Equal(["user_lives_in_madrid", "user_name"], user.Keys.Order(StringComparer.Ordinal).ToArray());
        Assert.Equal("NAME", (string?)user["user_name"]!["category"]);
        Assert.Equal("Is called Anna", (string?)user["user_name"]!["description"]);
        Assert.Equal("Hi, my name is Anna and I live in Madrid.", (string?)user["user_name"]!["sourceText"]);
        Assert.Equal("LOCATION", (string?)user["user_lives_in_madrid"]!["category"]);
        Assert.Equal("Lives in Madrid", (string?)user["user_lives_in_madrid"]!["description"]);
        var recorded = DateTimeOffset.Parse((string)user["user_name"]!["timestamp"]!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(recorded, before.AddSeconds(-1), DateTimeOffset.UtcNow.AddSeconds(1));

        var stored = host.Services.GetRequiredService<MemoryStore>().List(new ConversationKey(project.Id, "u-1", "p-1"));
        Assert.Contains(stored, m => m.UniqueIdentifier == "user_name");

        // The next prompt carries what was remembered, as its own itemised block before the history.
        var later = await TurnAsync(host, customer, project, "u-1", "p-1", "What should we do in Madrid this weekend?", 1);
        var found = await host.AdminJsonAsync(HttpMethod.Get, $"/admin/v1/projects/{project.Id}/answers/{(string)later["id"]!}");
        var blocks = found["itemisation"]!["blocks"]!.AsArray();
        Assert.Equal(["persona", "rules", "user", "memories"], blocks.Take(4).Select(b => (string)b!["name"]!).ToArray());
        var block = blocks[3]!;
        Assert.Contains("- Lives in Madrid", (string)block["text"]!, StringComparison.Ordinal);
        Assert.Contains("- Is called Anna", (string)block["text"]!, StringComparison.Ordinal);
        Assert.True((int)block["tokens"]! > 0);
        // The first prompt had nothing to remember yet.
        var firstAnswer = customer.Events.First(e => e.Event == Events.AnswerCreated).Data["answer"]!;
        var firstPrompt = await host.AdminJsonAsync(HttpMethod.Get, $"/admin/v1/projects/{project.Id}/answers/{(string)firstAnswer["id"]!}");
        Assert.DoesNotContain(firstPrompt["itemisation"]!["blocks"]!.AsArray(), b => (string?)b!["name"] == "memories");
    }

    [Fact]
    public async Task A_contradiction_is_sent_as_a_deletion_in_changes_only_and_a_restated_fact_sends_nothing()
    {
        await using var customer = await FakeCustomer.StartAsync();
        await using var host = StartHost();
        var project = await host.CreateProjectAsync(customer, new { memoryWebhookUrl = customer.MemoryUrl, memoryWebhookMode = "CHANGES_ONLY" });
        customer.Profiles["u-2"] = FakeCustomer.Profile("u-2", "Anna");
        customer.Profiles["p-2"] = FakeCustomer.Profile("p-2", "Marta");

        await TurnAsync(host, customer, project, "u-2", "p-2", "I live in Madrid, it's lovely.", 0);
        var first = (await customer.WaitForMemoryEventsAsync(1))[0];
        Assert.Equal("memory.changed", first.Event);
        AssertSigned(project, first);
        Assert.Equal(["projectId", "userProfileId", "personaProfileId", "added", "deleted"], first.Data.Select(p => p.Key).ToArray());
        Assert.Contains(first.Data["added"]!.AsArray(), m => (string?)m!["uniqueIdentifier"] == "user_lives_in_madrid");
        Assert.Empty(first.Data["deleted"]!.AsArray());

        await TurnAsync(host, customer, project, "u-2", "p-2", "Big news: I moved to Valencia last month.", 1);
        var second = (await customer.WaitForMemoryEventsAsync(2))[1];
        Assert.Equal("memory.changed", second.Event);
        foreach (var m in second.Data["added"]!.AsArray()) AssertMemoryShape(m);
        var added = second.Data["added"]!.AsArray().Single(m => (string?)m!["target"] == "USER");
        Assert.Equal("user_lives_in_valencia", (string?)added!["uniqueIdentifier"]);
        Assert.Equal("""[{"uniqueIdentifier":"user_lives_in_madrid","reason":"User said they moved to Valencia"}]""",
            second.Data["deleted"]!.ToJsonString());

        // Restating a known fact changes nothing: no memory event (the persona's reply may add its own facts; then one is due).
        var restatedAt = DateTimeOffset.UtcNow;
        await TurnAsync(host, customer, project, "u-2", "p-2", "Yes, I moved to Valencia last month.", 2);
        var key = new ConversationKey(project.Id, "u-2", "p-2");
        var changed = host.Services.GetRequiredService<MemoryStore>().List(key).Where(m => m.Timestamp >= restatedAt.AddMilliseconds(-5)).ToList();
        Assert.DoesNotContain(changed, m => m.Target == MemoryTargets.User);
        Assert.Equal(changed.Count == 0 ? 2 : 3, MemoryDeliveries(host, project.Id));
    }

    [Fact]
    public async Task With_memory_disabled_nothing_is_stored_or_sent()
    {
        await using var customer = await FakeCustomer.StartAsync();
        await using var host = StartHost();
        var project = await host.CreateProjectAsync(customer, new { memoryEnabled = false, memoryWebhookUrl = customer.MemoryUrl });
        customer.Profiles["u-3"] = FakeCustomer.Profile("u-3", "Anna");
        customer.Profiles["p-3"] = FakeCustomer.Profile("p-3", "Marta");
        await TurnAsync(host, customer, project, "u-3", "p-3", "Oh, my name is Anna and I live in Madrid.", 0);
        Assert.Empty(host.Services.GetRequiredService<MemoryStore>().List(new ConversationKey(project.Id, "u-3", "p-3")));
        Assert.Equal(0, MemoryDeliveries(host, project.Id));
    }

    /// <summary>Memory events in the outbox: written in the answer's transaction, so counted once the answer arrived.</summary>
    static long MemoryDeliveries(DumGumHost host, string projectId)
    {
        using var connection = host.Database.Open();
        using var command = connection.Sql("SELECT COUNT(*) FROM deliveries WHERE project_id = @p AND event IN ('memory.updated', 'memory.changed')")
            .With("@p", projectId);
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }
}

public sealed class MemoryFlowTestsOnSqlite() : MemoryFlowTests(StorageProvider.Sqlite);

public sealed class MemoryFlowTestsOnPostgres() : MemoryFlowTests(StorageProvider.Postgres);
