using System.Net;
using System.Text.Json.Nodes;
using DumGum.Storage;
using DumGum.Tests.Infrastructure;
using DumGum.Webhooks;

namespace DumGum.Tests.Cluster;

/// <summary>An enqueue on one node cancels the undelivered later parts of a split reply another node is delivering.</summary>
public sealed class CrossNodeSplitReplyTests
{
    const string User = "u-split-nodes", Persona = "p-split-nodes";

    [Fact]
    public async Task A_newer_enqueue_on_another_node_cancels_the_rest_of_a_split_reply()
    {
        await using var model = await FakeModelServer.StartAsync();
        await using var customer = await FakeCustomer.StartAsync();
        customer.AddPair(User, Persona, "are you awake?");
        var database = DumGumHost.NewDatabase(StorageProvider.Postgres);
        var settings = new Dictionary<string, string?>
        {
            ["Generation:Provider"] = "OpenAI", ["Generation:Endpoint"] = model.Endpoint, ["Generation:ApiKey"] = "sk-test-nodes",
            ["Generation:Models:dating-smart-1:BackendModel"] = "llama-3.1-8b-instruct",
        };
        await using var a = DumGumHost.Start(database, settings, provider: StorageProvider.Postgres);
        await using var b = DumGumHost.Start(database, settings, provider: StorageProvider.Postgres);
        var project = await a.CreateProjectAsync(customer);
        // The second part is long: with FAST typing it waits 0.5 s + 25 ms a character (about 5.5 s) after its indicator.
        var longPart = string.Join(' ', Enumerable.Repeat("still thinking about your question", 6));
        model.Enqueue(ModelReply.Json("Haha yes!", longPart), ModelReply.Json("Oh, you wrote again!"));
        JsonObject Body() => new()
        {
            ["userProfileId"] = User, ["personaProfileId"] = Persona, ["language"] = "EN",
            ["replyParameters"] = new JsonObject
            {
                ["bufferSeconds"] = "0", ["multipleMessagesPerReply"] = true, ["multipleMessagesPerReplyFrequency"] = 1,
                ["replyTypingDelay"] = "FAST",
            },
        };

        using (var first = await a.EnqueueAsync(project.Key, Body())) Assert.Equal(HttpStatusCode.NoContent, first.StatusCode);
        await customer.WaitForEventAsync(Events.AnswerCreated);   // part 1 is out; part 2 waits its typing pause
        customer.AddUserText(User, Persona, "hello?");
        using (var second = await b.EnqueueAsync(project.Key, Body())) Assert.Equal(HttpStatusCode.NoContent, second.StatusCode);

        await customer.WaitForEventsAsync(e => e.Event == Events.AnswerCreated && (string?)e.Data["answer"]!["text"] == "Oh, you wrote again!", seconds: 30);
        // Both nodes have nothing left to do: part 2 was cancelled, or it would have been delivered after its pause.
        await a.WaitQuietAsync();
        await b.WaitQuietAsync();
        Assert.DoesNotContain(customer.Events, e => e.Event == Events.AnswerCreated && (string?)e.Data["answer"]!["text"] == longPart);
    }
}
