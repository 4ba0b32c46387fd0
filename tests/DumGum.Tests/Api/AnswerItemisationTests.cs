using DumGum.Storage;
using System.Net;
using System.Text.Json.Nodes;
using DumGum.Replies.Prompt;
using DumGum.Tests.Infrastructure;
using DumGum.Webhooks;

namespace DumGum.Tests.Api;

/// <summary>
/// <c>GET /admin/v1/projects/{id}/answers/{answerId}</c> (docs/behaviour.md, "Itemisation"): the answer as delivered and its prompt
/// itemisation (blocks in prompt order with token counts, the model, the usage of all attempts), scoped to its project.
/// </summary>
public abstract class AnswerItemisationTests(StorageProvider provider) : StorageSuite(provider)
{
    const string User = "u-items", Persona = "p-items";
    const string Backend = "llama-3.1-8b-instruct";

    [Fact]
    public async Task An_answer_is_read_back_with_its_prompt_itemisation_and_only_through_its_own_project()
    {
        await using var model = await FakeModelServer.StartAsync();
        await using var customer = await FakeCustomer.StartAsync();
        await using var host = StartHost(settings: new()
        {
            ["Generation:Provider"] = "OpenAI",
            ["Generation:Endpoint"] = model.Endpoint,
            ["Generation:ApiKey"] = "sk-test-items",
            ["Generation:Models:dating-smart-1:BackendModel"] = Backend,
            ["Generation:Models:dating-smart-1:InputPricePerMillion"] = "2.5",
            ["Generation:Models:dating-smart-1:OutputPricePerMillion"] = "10",
        });
        var project = await host.CreateProjectAsync(customer);
        var other = await host.CreateProjectAsync(customer);
        customer.Profiles[User] = FakeCustomer.Profile(User, "Tomas");
        customer.Profiles[Persona] = FakeCustomer.Profile(Persona, "Marta");
        customer.AddMessage(User, Persona, new JsonObject
        {
            ["id"] = "m-hi", ["sender"] = "USER", ["date"] = DateTimeOffset.UtcNow.AddMinutes(-3).ToString("O"),
            ["text"] = "Hi Marta! Nice profile.",
        });
        customer.AddMessage(User, Persona, new JsonObject
        {
            ["id"] = "m-her", ["sender"] = "PERSONA", ["date"] = DateTimeOffset.UtcNow.AddMinutes(-2).ToString("O"),
            ["text"] = "Thank you Tomas, yours made me smile too.",
        });
        customer.AddMessage(User, Persona, new JsonObject
        {
            ["id"] = "m-him", ["sender"] = "USER", ["date"] = DateTimeOffset.UtcNow.AddMinutes(-1).ToString("O"),
            ["text"] = "So what do you do for fun?",
        });
        model.Enqueue(new ModelReply(ModelReply.Structured(["Mostly climbing, and far too much baking on Sundays."]),
            PromptTokens: 2345, CompletionTokens: 67));

        using (var response = await host.EnqueueAsync(project.Key, new
        {
            userProfileId = User, personaProfileId = Persona, language = "EN", replyParameters = new { bufferSeconds = "0" },
        }))
            Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        var delivered = (await customer.WaitForEventAsync(Events.AnswerCreated, seconds: 30))[0].Data["answer"]!.AsObject();
        var answerId = (string)delivered["id"]!;

        var found = await host.AdminJsonAsync(HttpMethod.Get, $"/admin/v1/projects/{project.Id}/answers/{answerId}");

        var answer = found["answer"]!.AsObject();
        Assert.Equal(answerId, (string?)answer["id"]);
        Assert.Equal("Mostly climbing, and far too much baking on Sundays.", (string?)answer["text"]);
        Assert.Equal((string?)delivered["text"], (string?)answer["text"]);
        Assert.Equal((string?)delivered["cost"], (string?)answer["cost"]);
        Assert.Equal((int?)delivered["sequenceNumber"], (int?)answer["sequenceNumber"]);
        Assert.True(JsonNode.DeepEquals(delivered, answer), $"read back {answer.ToJsonString()}, delivered {delivered.ToJsonString()}");

        var items = found["itemisation"]!.AsObject();
        Assert.Equal("dating-smart-1", (string?)items["chatModel"]);
        Assert.Equal(Backend, (string?)items["backendModel"]);
        Assert.Equal(2345, (long)items["inputTokens"]!);
        Assert.Equal(67, (long)items["outputTokens"]!);
        Assert.Equal(1, (int)items["attempts"]!);
        Assert.Empty(items["regenerationReasons"]!.AsArray());

        var blocks = items["blocks"]!.AsArray().Select(b => b!.AsObject()).ToList();
        Assert.Equal(
        [
            PromptBuilder.PersonaBlock, PromptBuilder.RulesBlock, PromptBuilder.UserBlock,
            PromptBuilder.HistoryBlock, PromptBuilder.HistoryBlock, PromptBuilder.HistoryBlock,
            PromptBuilder.MomentBlock, PromptBuilder.SteeringBlock,
        ], blocks.Select(b => (string?)b["name"]));
        Assert.Equal(["persona", "rules", "user", "history", "history", "history", "moment", "steering"], blocks.Select(b => (string?)b["name"]));
        Assert.All(blocks, b => Assert.True((int)b["tokens"]! > 0, $"block {b["name"]} has {b["tokens"]} tokens"));
        Assert.All(blocks, b => Assert.False(string.IsNullOrWhiteSpace((string?)b["text"]), $"block {b["name"]} has no text"));
        Assert.Equal(["user", "assistant", "user"], blocks.Where(b => (string?)b["name"] == "history").Select(b => (string?)b["role"]));
        Assert.Equal(["Hi Marta! Nice profile.", "Thank you Tomas, yours made me smile too.", "So what do you do for fun?"],
            blocks.Where(b => (string?)b["name"] == "history").Select(b => (string?)b["text"]));
        // What the itemisation shows is what the model was sent.
        var request = Assert.Single(model.Requests);
        Assert.Contains((string)blocks[^1]["text"]!, request.PromptText, StringComparison.Ordinal);
        Assert.Contains((string)blocks[0]["text"]!, request.PromptText, StringComparison.Ordinal);

        // Scoped to its project: another project's path does not find it.
        var elsewhere = await host.AdminJsonAsync(HttpMethod.Get, $"/admin/v1/projects/{other.Id}/answers/{answerId}", expectedStatus: 404);
        Assert.Equal(404, (int?)elsewhere["status"]);

        using var unknown = await host.Http.SendAsync(DumGumHost.Admin(HttpMethod.Get, $"/admin/v1/projects/{project.Id}/answers/ans_unknown"),
            TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("application/problem+json", unknown.Content.Headers.ContentType?.MediaType);
        var problem = JsonNode.Parse(await unknown.Content.ReadAsStringAsync(TestContext.Current.CancellationToken))!.AsObject();
        Assert.Equal("urn:dumgum:problem:not-found", (string?)problem["type"]);
        Assert.Equal(404, (int?)problem["status"]);
        Assert.Contains("ans_unknown", (string?)problem["detail"], StringComparison.Ordinal);

        // Without the admin token: no answer at all.
        using var anonymous = await host.Http.GetAsync(new Uri($"/admin/v1/projects/{project.Id}/answers/{answerId}", UriKind.Relative),
            TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
    }
}

public sealed class AnswerItemisationTestsOnSqlite() : AnswerItemisationTests(StorageProvider.Sqlite);

public sealed class AnswerItemisationTestsOnPostgres() : AnswerItemisationTests(StorageProvider.Postgres);
