using System.Net;
using System.Text.Json.Nodes;
using DumGum.Suggestions;
using DumGum.Tests.Api;
using Microsoft.Extensions.AI;

namespace DumGum.Tests.Synchronous;

/// <summary>The suggestion endpoint with a (scripted) model behind the pipeline.</summary>
public sealed class SuggestionModelTests(ScriptedModelFixture f) : IClassFixture<ScriptedModelFixture>
{
    const string Path = SynchronousFixture.SuggestionPath;

    static readonly JsonArray Conversation =
    [
        SuggestionEndpointTests.Turn("USER", "Hallo! Du magst also auch Bergtouren?", "2025-04-02T17:05:00Z"),
        SuggestionEndpointTests.Turn("PERSONA", "Ja, total! Welche war deine letzte?", "2025-04-02T17:06:10Z"),
    ];

    async Task<JsonObject> SuggestAsync(JsonObject body)
    {
        using var response = await f.PostAsync(Path, body);
        return await SynchronousFixture.ReadJsonAsync(response);
    }

    static List<string> Texts(JsonObject json) => json["suggestions"]!.AsArray().Select(s => (string)s!["text"]!).ToList();

    [Fact]
    public async Task The_model_s_three_suggestions_are_returned_and_the_request_asked_for_JSON()
    {
        f.Model.Reset("""{"suggestions": ["Die Zugspitze, letzten Sommer!", "Ehrlich gesagt der Brocken 😄", "Rate mal!"]}""");
        var json = await SuggestAsync(SuggestionEndpointTests.Body("DE_CH", (JsonArray)Conversation.DeepClone()));

        Assert.Equal("FOLLOW_UP", (string?)json["mode"]);
        Assert.Equal(["Die Zugspitze, letzten Sommer!", "Ehrlich gesagt der Brocken 😄", "Rate mal!"], Texts(json));
        var (messages, options) = Assert.Single(f.Model.Calls);
        Assert.IsType<ChatResponseFormatJson>(options?.ResponseFormat, exactMatch: false);
        Assert.NotNull(((ChatResponseFormatJson)options!.ResponseFormat!).Schema);

        var system = messages[0];
        Assert.Equal(ChatRole.System, system.Role);
        Assert.Contains("{\"suggestions\":", system.Text, StringComparison.Ordinal);
        Assert.Contains("Swiss Standard German", system.Text, StringComparison.Ordinal);
        Assert.Contains("never 'ß'", system.Text, StringComparison.Ordinal);     // the variant's own instruction
        Assert.Contains("Tomas could send next to Nora", system.Text, StringComparison.Ordinal);
        Assert.Contains("continues the conversation", system.Text, StringComparison.Ordinal);
        var data = messages[1].Text;
        // Both profiles in words, and the turns with USER mapped to the user's name, PERSONA to the persona's.
        Assert.Contains("About Tomas (the person you write for)", data, StringComparison.Ordinal);
        Assert.Contains("- Name: Tomas", data, StringComparison.Ordinal);
        Assert.Contains("- Name: Nora", data, StringComparison.Ordinal);
        Assert.Contains("- Age: ", data, StringComparison.Ordinal);
        Assert.Contains("Berlin", data, StringComparison.Ordinal);
        Assert.Contains("hiking", data, StringComparison.Ordinal);
        Assert.Contains("Architect", data, StringComparison.Ordinal);
        Assert.Contains("Tomas: Hallo! Du magst also auch Bergtouren?", data, StringComparison.Ordinal);
        Assert.Contains("Nora: Ja, total! Welche war deine letzte?", data, StringComparison.Ordinal);
        await f.AssertCustomerUntouchedAsync();
    }

    [Fact]
    public async Task An_icebreaker_prompt_says_there_is_no_conversation_yet()
    {
        f.Model.Reset("""{"suggestions": ["Hi Nora!", "Hey, architect?", "Jazz fan too?"]}""");
        var json = await SuggestAsync(SuggestionEndpointTests.Body());
        Assert.Equal("ICEBREAKER", (string?)json["mode"]);
        var (messages, _) = Assert.Single(f.Model.Calls);
        Assert.Contains("have not written to each other yet", messages[0].Text, StringComparison.Ordinal);
        Assert.Contains("none, this will be the first message", messages[1].Text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("```json\n{\"suggestions\": [\"One\", \"Two\", \"Three\"]}\n```")]
    [InlineData("Sure! Here they are: {\"suggestions\": [{\"text\": \"One\"}, {\"text\": \"Two\"}, {\"text\": \"Three\"}]}")]
    [InlineData("[\"One\", \"Two\", \"Three\"]")]
    [InlineData("Here are three ideas:\n1. One\n2. \"Two\"\n3) Three\n")]
    [InlineData("- One\n- Two\n- Three")]
    public async Task Fenced_chatty_bare_or_plain_text_answers_are_understood(string answer)
    {
        f.Model.Reset(answer);
        var json = await SuggestAsync(SuggestionEndpointTests.Body());
        Assert.Equal(["One", "Two", "Three"], Texts(json));
        Assert.Single(f.Model.Calls);
    }

    [Fact]
    public async Task Too_few_usable_suggestions_are_asked_for_once_more()
    {
        f.Model.Reset("""{"suggestions": ["Same", "same ", ""]}""", """{"suggestions": ["Same", "Second", "Third"]}""");
        var json = await SuggestAsync(SuggestionEndpointTests.Body());
        Assert.Equal(["Same", "Second", "Third"], Texts(json));
        var calls = f.Model.Calls.ToList();
        Assert.Equal(2, calls.Count);
        var retry = calls[1].Messages;
        Assert.Equal(ChatRole.Assistant, retry[^2].Role);
        Assert.Equal(ChatRole.User, retry[^1].Role);
        Assert.Contains("exactly three", retry[^1].Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task What_is_still_missing_after_the_retry_comes_from_the_offline_templates()
    {
        f.Model.Reset("""{"suggestions": ["Only one"]}""", "{}");
        var json = await SuggestAsync(SuggestionEndpointTests.Body("FR"));
        var texts = Texts(json);
        Assert.Equal("Only one", texts[0]);
        var french = SuggestionPhrases.French.Icebreaker.Select(t => t.Replace("{persona}", "Nora", StringComparison.Ordinal)).ToList();
        Assert.Equal(french.Take(2), texts.Skip(1));
        Assert.Equal(2, f.Model.Calls.Count);
    }

    [Fact]
    public async Task A_failing_model_is_a_502_suggestion_failed_problem()
    {
        f.Model.Reset();
        f.Model.Throw(new HttpRequestException("connection refused"));
        using var response = await f.PostAsync(Path, SuggestionEndpointTests.Body());
        var problem = await ProblemAssert.ReadAsync(response, HttpStatusCode.BadGateway);
        Assert.Equal("urn:dumgum:problem:suggestion-failed", (string?)problem["type"]);
    }

    [Fact]
    public async Task Test_mode_never_calls_the_model()
    {
        f.Model.Reset("""{"suggestions": ["a", "b", "c"]}""");
        var json = await SuggestAsync(SuggestionEndpointTests.Body(change: b => b["testMode"] = true));
        Assert.Equal(SuggestionPhrases.English.Icebreaker.Select(t => t.Replace("{persona}", "Nora", StringComparison.Ordinal)), Texts(json));
        Assert.Empty(f.Model.Calls);
    }
}

/// <summary>Generate with a model behind the pipeline that fails.</summary>
public sealed class GenerateModelFailureTests(ScriptedModelFixture f) : IClassFixture<ScriptedModelFixture>
{
    static JsonObject Body(bool testMode) => new()
    {
        ["userProfile"] = new JsonObject { ["id"] = "u-1", ["firstName"] = "Tomas" },
        ["personaProfile"] = new JsonObject { ["id"] = "p-1", ["firstName"] = "Nora" },
        ["messages"] = new JsonArray { new JsonObject { ["sender"] = "USER", ["date"] = "2025-04-02T17:05:00Z", ["text"] = "Hi!" } },
        ["language"] = "EN",
        ["testMode"] = testMode,
    };

    [Fact]
    public async Task A_failing_model_is_a_502_generation_failed_problem_and_nothing_reaches_the_customer()
    {
        f.Model.Reset();
        for (var i = 0; i < 5; i++) f.Model.Throw(new HttpRequestException("connection refused"));
        using var response = await f.PostAsync(SynchronousFixture.GeneratePath, Body(testMode: false));
        var problem = await ProblemAssert.ReadAsync(response, HttpStatusCode.BadGateway);
        Assert.Equal("urn:dumgum:problem:generation-failed", (string?)problem["type"]);
        Assert.NotEmpty(f.Model.Calls);
        await f.AssertCustomerUntouchedAsync();
    }

    [Fact]
    public async Task Test_mode_answers_from_the_offline_engine_without_calling_the_model()
    {
        f.Model.Reset();
        using var response = await f.PostAsync(SynchronousFixture.GeneratePath, Body(testMode: true));
        var answer = (await SynchronousFixture.ReadJsonAsync(response))["answers"]![0]!;
        Assert.Equal("0.0000", (string?)answer["cost"]);
        Assert.Empty(f.Model.Calls);
    }
}
