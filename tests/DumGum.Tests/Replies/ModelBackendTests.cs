using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using DumGum.Tests.Infrastructure;
using DumGum.Webhooks;

namespace DumGum.Tests.Replies;

/// <summary>
/// End to end through the real server, with the model as a fake OpenAI-compatible HTTP server that records requests:
/// backend model and JSON mode on the wire, cost from usage and prices, regeneration on malformed output, assistant-speak
/// and repetition, GENERATION_FAILED after three failures, retries on 503, testMode without any model call.
/// </summary>
public sealed class ModelBackendTests
{
    internal const string User = "u-model", Persona = "p-model";
    const string Backend = "llama-3.1-8b-instruct";
    const string ApiKey = "sk-test-fake-model-key";
    const decimal InputPrice = 2.5m, OutputPrice = 10m;

    /// <summary>Model, customer, server and project wired together; disposed in reverse.</summary>
    internal sealed class Rig : IAsyncDisposable
    {
        public FakeModelServer Model { get; private init; } = null!;
        public FakeCustomer Customer { get; private init; } = null!;
        public DumGumHost Host { get; private init; } = null!;
        public DumGumHost.TestProject Project { get; private init; } = null!;

        public static async Task<Rig> StartAsync(Dictionary<string, string?>? extra = null)
        {
            var model = await FakeModelServer.StartAsync();
            var customer = await FakeCustomer.StartAsync();
            var settings = new Dictionary<string, string?>
            {
                ["Generation:Provider"] = "OpenAI",
                ["Generation:Endpoint"] = model.Endpoint,
                ["Generation:ApiKey"] = ApiKey,
                ["Generation:RetryBaseDelay"] = "00:00:00.010",
                ["Generation:Models:dating-smart-1:BackendModel"] = Backend,
                ["Generation:Models:dating-smart-1:InputPricePerMillion"] = InputPrice.ToString(CultureInfo.InvariantCulture),
                ["Generation:Models:dating-smart-1:OutputPricePerMillion"] = OutputPrice.ToString(CultureInfo.InvariantCulture),
            };
            foreach (var (k, v) in extra ?? []) settings[k] = v;
            var host = DumGumHost.Start(settings: settings);
            var project = await host.CreateProjectAsync(customer);
            customer.Profiles[User] = FakeCustomer.Profile(User, "Tomas");
            customer.Profiles[Persona] = FakeCustomer.Profile(Persona, "Marta");
            return new Rig { Model = model, Customer = customer, Host = host, Project = project };
        }

        public async Task EnqueueAsync(object? replyParameters = null, bool testMode = false)
        {
            var body = new JsonObject
            {
                ["userProfileId"] = User, ["personaProfileId"] = Persona, ["language"] = "EN", ["testMode"] = testMode,
                ["replyParameters"] = JsonNode.Parse(System.Text.Json.JsonSerializer.Serialize(replyParameters ?? new { bufferSeconds = "0" })),
            };
            using var response = await Host.EnqueueAsync(Project.Key, body);
            Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        }

        /// <summary>The next answer.created (the first one can wait for the language models to load).</summary>
        public async Task<JsonObject> AnswerAsync(int count = 1) =>
            (await Customer.WaitForEventAsync(Events.AnswerCreated, count: count, seconds: 60))[count - 1].Data["answer"]!.AsObject();

        public async ValueTask DisposeAsync()
        {
            await Host.DisposeAsync();
            await Customer.DisposeAsync();
            await Model.DisposeAsync();
        }
    }

    static decimal Cost(long input, long output) =>
        Math.Round((input * InputPrice + output * OutputPrice) / 1_000_000m, 4, MidpointRounding.AwayFromZero);

    static string Format(decimal cost) => cost.ToString("0.0000", CultureInfo.InvariantCulture);

    [Fact]
    public async Task A_normal_answer_costs_usage_times_prices_and_the_request_names_the_backend_model_and_JSON_mode()
    {
        await using var rig = await Rig.StartAsync(new() { ["Generation:Models:dating-smart-1:Temperature"] = "0.8" });
        rig.Customer.AddUserText(User, Persona, "Hi Marta, how was your day?");
        rig.Model.Enqueue(new ModelReply(ModelReply.Structured(["It was lovely, I went hiking in the hills! And yours?"]), PromptTokens: 12345, CompletionTokens: 678));

        await rig.EnqueueAsync();
        var answer = await rig.AnswerAsync();

        Assert.Equal("It was lovely, I went hiking in the hills! And yours?", (string?)answer["text"]);
        Assert.Equal(Format(Cost(12345, 678)), (string?)answer["cost"]);
        Assert.Equal("0.0376", (string?)answer["cost"]);

        var request = Assert.Single(rig.Model.Requests);
        Assert.Equal(Backend, request.Model);
        Assert.Equal("json_object", request.ResponseFormatType);
        Assert.Equal(0.8, (double)request.Body["temperature"]!, 3);
        Assert.Equal(400, (int?)(request.Body["max_completion_tokens"] ?? request.Body["max_tokens"]));
        Assert.Equal("Bearer " + ApiKey, request.Headers["Authorization"]);
        Assert.False(request.Stream);
        Assert.DoesNotContain("dumgum.", request.Body.ToJsonString(), StringComparison.OrdinalIgnoreCase);
        Assert.Contains(request.Messages, m => m.Role == "user" && m.Content.Contains("how was your day", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Malformed_output_is_regenerated_and_both_calls_are_paid()
    {
        await using var rig = await Rig.StartAsync();
        rig.Customer.AddUserText(User, Persona, "What are you doing tonight?");
        rig.Model.Enqueue(
            new ModelReply("{\"parts\": [\"Hey, I am going to the", PromptTokens: 1000, CompletionTokens: 400),
            new ModelReply(ModelReply.Structured(["Probably a movie night on the sofa, want to join virtually?"]), PromptTokens: 1100, CompletionTokens: 30));

        await rig.EnqueueAsync();
        var answer = await rig.AnswerAsync();

        Assert.Equal("Probably a movie night on the sofa, want to join virtually?", (string?)answer["text"]);
        Assert.Equal(Format(Cost(2100, 430)), (string?)answer["cost"]);
        var requests = rig.Model.Requests.ToList();
        Assert.Equal(2, requests.Count);
        Assert.DoesNotContain("could not be read", requests[0].PromptText, StringComparison.Ordinal);
        Assert.Contains("could not be read", requests[1].PromptText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_assistant_speak_reply_is_regenerated_with_a_targeted_instruction()
    {
        await using var rig = await Rig.StartAsync();
        rig.Customer.AddUserText(User, Persona, "Are you free this weekend?");
        rig.Model.Enqueue(
            ModelReply.Json("As an AI, I don't have weekends, but how can I assist you today?"),
            ModelReply.Json("Saturday is busy but Sunday I'm all yours, what do you have in mind?"));

        await rig.EnqueueAsync();
        var answer = await rig.AnswerAsync();

        Assert.Equal("Saturday is busy but Sunday I'm all yours, what do you have in mind?", (string?)answer["text"]);
        var requests = rig.Model.Requests.ToList();
        Assert.Equal(2, requests.Count);
        Assert.Contains("sounded like an AI assistant", requests[1].PromptText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_reply_repeating_her_last_message_is_regenerated()
    {
        await using var rig = await Rig.StartAsync();
        const string earlier = "I just got back from the gym and I'm starving, what are you up to?";
        rig.Customer.AddUserText(User, Persona, "hey");
        rig.Customer.AddMessage(User, Persona, new JsonObject
        {
            ["id"] = "m-her", ["sender"] = "PERSONA", ["date"] = DateTimeOffset.UtcNow.AddMinutes(-1).ToString("O"), ["text"] = earlier,
        });
        rig.Customer.AddUserText(User, Persona, "nothing much, you?");
        rig.Model.Enqueue(ModelReply.Json(earlier), ModelReply.Json("Cooking pasta now, the gym always makes me so hungry!"));

        await rig.EnqueueAsync();
        var answer = await rig.AnswerAsync();

        Assert.Equal("Cooking pasta now, the gym always makes me so hungry!", (string?)answer["text"]);
        var requests = rig.Model.Requests.ToList();
        Assert.Equal(2, requests.Count);
        Assert.Contains("repeated something you already wrote", requests[1].PromptText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Three_failed_attempts_drop_the_run_with_GENERATION_FAILED()
    {
        await using var rig = await Rig.StartAsync();
        rig.Customer.AddUserText(User, Persona, "Are you real?");
        rig.Model.Enqueue(
            ModelReply.Json("As an AI language model, I can't meet you."),
            ModelReply.Text("{\"parts\": [\"broken"),
            ModelReply.Json("I'm an AI, but I enjoy our chats!"));

        await rig.EnqueueAsync();
        var dropped = (await rig.Customer.WaitForEventAsync(Events.ConversationDropped, seconds: 60))[0];

        Assert.Equal(DropReasons.GenerationFailed, (string?)dropped.Data["reason"]);
        Assert.Equal(3, rig.Model.Requests.Count);
        Assert.DoesNotContain(rig.Customer.Events, e => e.Event == Events.AnswerCreated);
    }

    [Fact]
    public async Task TestMode_never_calls_the_model_and_costs_nothing()
    {
        await using var rig = await Rig.StartAsync();
        rig.Customer.AddUserText(User, Persona, "Hello there, how are you?");

        await rig.EnqueueAsync(testMode: true);
        var answer = await rig.AnswerAsync();

        Assert.Equal("0.0000", (string?)answer["cost"]);
        Assert.False(string.IsNullOrWhiteSpace((string?)answer["text"]));
        Assert.Empty(rig.Model.Requests);
    }

    [Fact]
    public async Task A_model_503_twice_then_OK_is_retried_and_answered()
    {
        await using var rig = await Rig.StartAsync();
        rig.Customer.AddUserText(User, Persona, "Good morning!");
        rig.Model.Enqueue(ModelReply.Error(503), ModelReply.Error(503, "overloaded"),
            ModelReply.Json("Good morning to you too, did you sleep well?"));

        await rig.EnqueueAsync();
        var answer = await rig.AnswerAsync();

        Assert.Equal("Good morning to you too, did you sleep well?", (string?)answer["text"]);
        Assert.Equal(3, rig.Model.Requests.Count);
    }

    [Fact]
    public async Task A_model_that_keeps_failing_drops_the_run_after_the_configured_retries()
    {
        await using var rig = await Rig.StartAsync(new() { ["Generation:MaxRetries"] = "1" });
        rig.Customer.AddUserText(User, Persona, "Good morning!");
        rig.Model.Default = _ => ModelReply.Error(500);

        await rig.EnqueueAsync();
        var dropped = (await rig.Customer.WaitForEventAsync(Events.ConversationDropped, seconds: 60))[0];

        Assert.Equal(DropReasons.GenerationFailed, (string?)dropped.Data["reason"]);
        Assert.Equal(2, rig.Model.Requests.Count);
    }

    [Fact]
    public async Task A_server_without_JSON_mode_is_answered_in_plain_text_and_not_asked_again()
    {
        await using var rig = await Rig.StartAsync();
        rig.Customer.AddUserText(User, Persona, "Tell me something about you");
        rig.Model.Enqueue(ModelReply.Error(400, "Unsupported parameter: response_format"),
            ModelReply.Text("Marta: I collect old postcards from every city I visit!"));

        await rig.EnqueueAsync();
        var answer = await rig.AnswerAsync();
        Assert.Equal("I collect old postcards from every city I visit!", (string?)answer["text"]);

        rig.Customer.AddUserText(User, Persona, "That is cool, which one is your favourite?");
        rig.Model.Enqueue(ModelReply.Text("The one from Lisbon, it has a yellow tram on it."));
        await rig.EnqueueAsync();
        await rig.AnswerAsync(count: 2);

        var requests = rig.Model.Requests.ToList();
        Assert.Equal(3, requests.Count);
        Assert.Equal("json_object", requests[0].ResponseFormatType);
        Assert.Null(requests[1].Body["response_format"]);
        Assert.Null(requests[2].Body["response_format"]);
    }

    [Fact]
    public async Task Configured_chat_models_route_to_their_backend_with_their_settings()
    {
        await using var rig = await Rig.StartAsync(new()
        {
            ["Generation:Models:house-model-7:BackendModel"] = "qwen2.5-7b-instruct",
            ["Generation:Models:house-model-7:JsonMode"] = "false",
            ["Generation:Models:house-model-7:LegacyMaxTokens"] = "true",
            ["Generation:Models:house-model-7:MaxOutputTokens"] = "123",
            ["Generation:Models:house-model-7:InputPricePerMillion"] = "1000",
        });
        rig.Customer.AddUserText(User, Persona, "Hi!");
        rig.Model.Enqueue(new ModelReply(ModelReply.Structured(["Hi yourself, handsome stranger!"]), PromptTokens: 500, CompletionTokens: 10));

        await rig.EnqueueAsync(new { bufferSeconds = "0", chatModel = "HOUSE-model-7" });
        var answer = await rig.AnswerAsync();

        Assert.Equal("0.5000", (string?)answer["cost"]);
        var request = Assert.Single(rig.Model.Requests);
        Assert.Equal("qwen2.5-7b-instruct", request.Model);
        Assert.Null(request.Body["response_format"]);
        Assert.Equal(123, (int?)request.Body["max_tokens"]);
        Assert.Null(request.Body["max_completion_tokens"]);
    }

    [Fact]
    public async Task Over_its_daily_token_budget_a_project_gets_no_model_calls()
    {
        await using var rig = await Rig.StartAsync(new() { ["Generation:DailyTokenBudgetPerProject"] = "100" });
        rig.Customer.AddUserText(User, Persona, "Hi!");
        await rig.EnqueueAsync();
        await rig.AnswerAsync();   // 100 + 20 tokens: now over the budget

        rig.Customer.AddUserText(User, Persona, "Still there?");
        await rig.EnqueueAsync();
        var dropped = (await rig.Customer.WaitForEventAsync(Events.ConversationDropped, seconds: 60))[0];

        Assert.Equal(DropReasons.GenerationFailed, (string?)dropped.Data["reason"]);
        Assert.Single(rig.Model.Requests);
    }
}
