using System.Text.Json.Nodes;
using DumGum.Customers;
using DumGum.Replies;
using DumGum.Replies.Checks;
using DumGum.Replies.Models;
using DumGum.Replies.Prompt;
using DumGum.Tests.Infrastructure;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace DumGum.Tests.Replies;

/// <summary>The reply writer against a scripted in-process model: flow, shaping, pictures, usage and cost, failure.</summary>
public sealed class ReplyWriterTests
{
    static readonly DateTimeOffset Now = new(2025, 6, 1, 18, 0, 0, TimeSpan.Zero);
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A model that answers from its script, else with a plain good reply; it says the backend model served it.</summary>
    static FakeChatClient Model() =>
        new(_ => FakeChatClient.Text(ModelReply.Structured(["Default reply, nothing special here"]))) { ServedModel = o => o?.ModelId + "-served" };

    static void Say(FakeChatClient model, string text, long input = 100, long output = 10) =>
        model.Answer(text, new UsageDetails { InputTokenCount = input, OutputTokenCount = output });

    static ReplyWriter Writer(FakeChatClient model, GenerationProvider provider = GenerationProvider.OpenAI)
    {
        var options = new GenerationOptions { Provider = provider, Endpoint = "http://127.0.0.1:1/v1" };
        options.Models["dating-smart-1"] = new ChatModelOptions
        {
            BackendModel = "backend-1", InputPricePerMillion = 1000m, OutputPricePerMillion = 2000m, Temperature = 0.7f, TopP = 0.9f,
        };
        GenerationOptions.ApplyDefaults(options);
        var tokens = new TokenCounter();
        return new ReplyWriter(model, new OfflineChatClient(), new ModelCatalog(Options.Create(options)), new PromptBuilder(tokens), tokens,
            SharedDetector.Checks, NullLogger<ReplyWriter>.Instance);
    }

    static ReplyContext Context(IReadOnlyList<HistoryMessage>? history = null, ReplyParameters? parameters = null, bool split = false,
        bool smartShare = false) =>
        new(new CustomerProfile { Id = "u", FirstName = "Tom", Raw = new JsonObject() },
            new CustomerProfile { Id = "p", FirstName = "Marta", Raw = new JsonObject() },
            history ?? [new HistoryMessage("m1", Sender.User, Now.AddMinutes(-1), "Hey, what are you up to tonight?", [], false, [], null)],
            "EN", Now)
        {
            Parameters = parameters ?? new ReplyParameters(),
            SplitReply = split,
            SmartShareEnabled = smartShare,
        };

    static readonly ShareablePicture[] Pictures = [new("beach", "https://cdn.example/beach.jpg", "at the beach"), new("cat", "https://cdn.example/cat.jpg", null)];

    [Fact]
    public async Task A_good_answer_takes_one_call_with_the_models_options_and_is_priced()
    {
        var model = Model();
        Say(model, ModelReply.Structured(["Just made pasta, now looking for a movie. You?"], trueSignal: "meetingRequest"), input: 1500, output: 40);
        var context = Context();

        var reply = await Writer(model).WriteAsync(context, "proj_1", testMode: false, Ct);

        Assert.Equal(["Just made pasta, now looking for a movie. You?"], reply.Parts);
        Assert.Equal(1.58m, reply.Cost);   // 1500 × 1000/M + 40 × 2000/M
        Assert.Equal("backend-1-served", reply.ModelId);
        Assert.True(reply.Signals["meetingRequest"]);
        Assert.False(reply.Poke);
        Assert.Null(reply.PictureUrl);
        var i = reply.Itemisation;
        Assert.Equal(("dating-smart-1", "backend-1", 1500L, 40L, 1), (i.ChatModel, i.BackendModel, i.InputTokens, i.OutputTokens, i.Attempts));
        Assert.Empty(i.RegenerationReasons);
        Assert.NotEmpty(i.Blocks);

        var (_, options) = Assert.Single(model.Calls);
        Assert.Equal("backend-1", options!.ModelId);
        Assert.Equal(0.7f, options.Temperature);
        Assert.Equal(0.9f, options.TopP);
        Assert.Equal(400, options.MaxOutputTokens);
        Assert.IsType<ChatResponseFormatJson>(options.ResponseFormat);
        Assert.Same(context, options.AdditionalProperties![ReplyContext.OptionsKey]);
        Assert.Equal("proj_1", options.AdditionalProperties[TokenBudgetChatClient.ProjectIdKey]);
    }

    [Fact]
    public async Task Each_failure_adds_its_instruction_and_all_attempts_are_paid()
    {
        var model = Model();
        Say(model, "not json {\"parts\": [", input: 1000, output: 100);
        Say(model, ModelReply.Structured(["As an AI I love movies"]), input: 1000, output: 10);
        Say(model, ModelReply.Structured(["I love old movies, especially anything with Audrey Hepburn"]), input: 1000, output: 10);

        var reply = await Writer(model).WriteAsync(Context(), "proj_1", false, Ct);

        Assert.Equal(["I love old movies, especially anything with Audrey Hepburn"], reply.Parts);
        Assert.Equal(3, reply.Itemisation.Attempts);
        Assert.Equal([CheckReasons.Malformed, CheckReasons.AssistantSpeak], reply.Itemisation.RegenerationReasons);
        Assert.Equal((3000L, 120L), (reply.Itemisation.InputTokens, reply.Itemisation.OutputTokens));
        Assert.Equal(3.24m, reply.Cost);
        string Prompt(int call) => string.Join("\n", model.Calls[call].Messages.Select(m => m.Text));
        Assert.DoesNotContain("could not be read", Prompt(0), StringComparison.Ordinal);
        Assert.Contains("could not be read", Prompt(1), StringComparison.Ordinal);
        Assert.Contains("could not be read", Prompt(2), StringComparison.Ordinal);
        Assert.Contains("sounded like an AI assistant", Prompt(2), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Three_rejected_answers_throw_GenerationFailedException_with_the_reasons()
    {
        var model = Model();
        for (var n = 0; n < 3; n++) Say(model, ModelReply.Structured(["As an AI language model I cannot date"]));

        var ex = await Assert.ThrowsAsync<GenerationFailedException>(() => Writer(model).WriteAsync(Context(), "proj_1", false, Ct));

        Assert.Equal(3, ex.Attempts);
        Assert.Equal([CheckReasons.AssistantSpeak, CheckReasons.AssistantSpeak, CheckReasons.AssistantSpeak], ex.Reasons);
        Assert.Equal(3, model.Calls.Count);
    }

    [Fact]
    public async Task Parts_are_joined_unless_a_split_was_asked_and_then_capped_at_four()
    {
        var model = Model();
        Say(model, ModelReply.Structured(["first bit here", "second bit here"]));
        var single = await Writer(model).WriteAsync(Context(split: false), "p", false, Ct);
        Assert.Equal(["first bit here\nsecond bit here"], single.Parts);

        Say(model, ModelReply.Structured(["one", "two", "three", "four", "five", "six"]));
        var split = await Writer(model).WriteAsync(Context(split: true), "p", false, Ct);
        Assert.Equal(["one", "two", "three", "four\nfive\nsix"], split.Parts);
    }

    [Fact]
    public async Task A_chosen_picture_is_shared_only_when_offered_new_and_with_Smart_Share_on()
    {
        var parameters = new ReplyParameters { ShareablePictures = Pictures };
        async Task<string?> Picture(string pictureId, bool smartShare, IReadOnlyList<HistoryMessage>? history = null)
        {
            var model = Model();
            Say(model, ModelReply.Structured(["Here is me last summer, what do you think?"], pictureId));
            return (await Writer(model).WriteAsync(Context(history, parameters, smartShare: smartShare), "p", false, Ct)).PictureUrl;
        }

        Assert.Equal("https://cdn.example/beach.jpg", await Picture("beach", smartShare: true));
        Assert.Equal("https://cdn.example/cat.jpg", await Picture("CAT", smartShare: true));
        Assert.Null(await Picture("unknown", smartShare: true));
        Assert.Null(await Picture("beach", smartShare: false));
        var shared = new[] { new HistoryMessage("m0", Sender.Persona, Now.AddHours(-1), null, ["https://cdn.example/beach.jpg"], false, [], null) };
        Assert.Null(await Picture("beach", smartShare: true, shared));
    }

    [Fact]
    public async Task A_picture_only_answer_whose_picture_cannot_be_shared_is_regenerated()
    {
        var model = Model();
        Say(model, ModelReply.Structured([], "unknown"));
        Say(model, ModelReply.Structured(["Sorry, camera roll is a mess, tell me about your day instead"]));

        var reply = await Writer(model).WriteAsync(Context(parameters: new ReplyParameters { ShareablePictures = Pictures }, smartShare: true), "p", false, Ct);

        Assert.Equal([CheckReasons.Empty], reply.Itemisation.RegenerationReasons);
        Assert.Null(reply.PictureUrl);
    }

    [Fact]
    public async Task A_poke_is_an_answer()
    {
        var model = Model();
        Say(model, ModelReply.Structured([], poke: true));
        var reply = await Writer(model).WriteAsync(Context(), "p", false, Ct);
        Assert.True(reply.Poke);
        Assert.Empty(reply.Parts);
    }

    [Fact]
    public async Task Without_reported_usage_tokens_are_estimated_from_the_prompt_and_the_reply()
    {
        var model = Model();
        model.Answer(ModelReply.Structured(["Estimated reply text"]));

        var reply = await Writer(model).WriteAsync(Context(), "p", false, Ct);

        var prompt = new PromptBuilder(new TokenCounter()).Build(Context(), new ModelProfile("dating-smart-1", "backend-1", 8192, 400, false, 1000m, 2000m, 0.7f, 0.9f));
        Assert.Equal(prompt.Tokens, reply.Itemisation.InputTokens);
        Assert.True(reply.Itemisation.OutputTokens > 0);
        Assert.True(reply.Cost > 0);
    }

    [Fact]
    public async Task TestMode_uses_the_offline_engine_and_costs_nothing()
    {
        var model = Model();
        var reply = await Writer(model).WriteAsync(Context(), "p", testMode: true, Ct);

        Assert.Empty(model.Calls);
        Assert.Equal(0m, reply.Cost);
        Assert.Equal(OfflineChatClient.ModelId, reply.ModelId);
        Assert.Equal(OfflineChatClient.ModelId, reply.Itemisation.BackendModel);
        Assert.Single(reply.Parts);
        Assert.All(reply.Signals.Values, Assert.False);
    }

    [Fact]
    public async Task The_offline_provider_goes_through_the_pipeline_free_and_only_checks_for_emptiness()
    {
        var model = Model();
        Say(model, "As an AI I would say hi", input: 5000, output: 5000);
        var reply = await Writer(model, GenerationProvider.Offline).WriteAsync(Context(), "p", false, Ct);
        Assert.Equal(["As an AI I would say hi"], reply.Parts);
        Assert.Equal(0m, reply.Cost);
        Assert.Null(Assert.Single(model.Calls).Options!.ResponseFormat);

        var empty = Model();
        for (var n = 0; n < 3; n++) Say(empty, "   ");
        await Assert.ThrowsAsync<GenerationFailedException>(() => Writer(empty, GenerationProvider.Offline).WriteAsync(Context(), "p", false, Ct));
        Assert.Equal(3, empty.Calls.Count);
    }

    [Fact]
    public async Task An_unknown_chat_model_fails_generation()
    {
        var ex = await Assert.ThrowsAsync<UnknownChatModelException>(() =>
            Writer(Model()).WriteAsync(Context(parameters: new ReplyParameters { ChatModel = "gone-model" }), "p", false, Ct));
        Assert.Contains("dating-smart-1", ex.Message, StringComparison.Ordinal);
    }
}

public sealed class ReplyWriterLengthTests
{
    [Fact]
    public async Task A_missed_length_target_is_regenerated_once_then_accepted()
    {
        var model = LengthModel();
        var options = new GenerationOptions { Provider = GenerationProvider.OpenAI, Endpoint = "http://127.0.0.1:1/v1" };
        GenerationOptions.ApplyDefaults(options);
        var tokens = new TokenCounter();
        var writer = new ReplyWriter(model, new OfflineChatClient(), new ModelCatalog(Options.Create(options)), new PromptBuilder(tokens), tokens,
            SharedDetector.Checks, NullLogger<ReplyWriter>.Instance);
        var now = new DateTimeOffset(2025, 6, 1, 18, 0, 0, TimeSpan.Zero);
        var context = new ReplyContext(new CustomerProfile { Id = "u", FirstName = "Tom", Raw = new JsonObject() },
            new CustomerProfile { Id = "p", FirstName = "Marta", Raw = new JsonObject() },
            [new HistoryMessage("m1", Sender.User, now.AddMinutes(-1), "Tell me about your weekend?", [], false, [], null)], "EN", now)
        {
            Parameters = new ReplyParameters { FixedResponseLength = true, MessageLength = "SHORT" },
        };

        var reply = await writer.WriteAsync(context, "proj_1", testMode: false, TestContext.Current.CancellationToken);

        Assert.Equal(2, model.CallCount);   // one regeneration for the length, then the second long draft is kept
        Assert.Equal(["LENGTH"], reply.Itemisation.RegenerationReasons);
        Assert.True(reply.Parts.Sum(p => p.Length) > 80);
    }

    const string Long = "Oh, the weekend was lovely: I walked along the river for hours, found a tiny bakery with the best almond " +
                        "croissants, and then spent the evening reading on the balcony while the sun went down slowly.";

    static string Draft(string text) => new JsonObject { ["parts"] = new JsonArray(text), ["signals"] = new JsonObject() }.ToJsonString();

    /// <summary>A long first draft, then a slightly different long draft for every later call.</summary>
    static FakeChatClient LengthModel() => new FakeChatClient(_ => FakeChatClient.Text(Draft(Long + " Truly."))).Answer(Draft(Long));
}
