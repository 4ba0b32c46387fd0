using DumGum.Storage;
using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using DumGum.Conversations;
using DumGum.Tests.Infrastructure;
using DumGum.Webhooks;
using Microsoft.Extensions.DependencyInjection;

namespace DumGum.Tests.Replies;

/// <summary>
/// End to end through the real server with the fake model server (docs/behaviour.md, "Replies"): split replies (numbering,
/// parent, billing, one typing indicator per part with FAST/NORMAL and a typing pause before every message), the
/// joined single message when no split was drawn, pokes, and Smart Share (the chosen picture rides on the answer; a
/// picture the history already shows is neither offered nor sent again).
/// </summary>
public abstract class SplitReplyTests(StorageProvider provider) : StorageSuite(provider)
{
    const string User = "u-split", Persona = "p-split";
    const decimal InputPrice = 2.5m, OutputPrice = 10m;
    const string BeachId = "pic-beach", BeachUrl = "https://cdn.example.com/marta/beach.jpg", BeachCaption = "me on the beach at sunset";
    const string DogId = "pic-dog", DogUrl = "https://cdn.example.com/marta/dog.jpg", DogCaption = "my dog Luna in the park";

    sealed class Rig : IAsyncDisposable
    {
        public FakeModelServer Model { get; private init; } = null!;
        public FakeCustomer Customer { get; private init; } = null!;
        public DumGumHost Host { get; private init; } = null!;
        public DumGumHost.TestProject Project { get; private init; } = null!;

        public static async Task<Rig> StartAsync(StorageProvider provider)
        {
            var model = await FakeModelServer.StartAsync();
            var customer = await FakeCustomer.StartAsync();
            var host = DumGumHost.Start(provider: provider, settings: new()
            {
                ["Generation:Provider"] = "OpenAI",
                ["Generation:Endpoint"] = model.Endpoint,
                ["Generation:ApiKey"] = "sk-test-split",
                ["Generation:RetryBaseDelay"] = "00:00:00.010",
                ["Generation:Models:dating-smart-1:BackendModel"] = "llama-3.1-8b-instruct",
                ["Generation:Models:dating-smart-1:InputPricePerMillion"] = InputPrice.ToString(CultureInfo.InvariantCulture),
                ["Generation:Models:dating-smart-1:OutputPricePerMillion"] = OutputPrice.ToString(CultureInfo.InvariantCulture),
            });
            var project = await host.CreateProjectAsync(customer);
            customer.Profiles[User] = FakeCustomer.Profile(User, "Tomas");
            customer.Profiles[Persona] = FakeCustomer.Profile(Persona, "Marta");
            return new Rig { Model = model, Customer = customer, Host = host, Project = project };
        }

        public async Task EnqueueAsync(JsonObject replyParameters)
        {
            replyParameters["bufferSeconds"] = "0";
            var body = new JsonObject
            {
                ["userProfileId"] = User, ["personaProfileId"] = Persona, ["language"] = "EN",
                ["replyParameters"] = replyParameters,
            };
            using var response = await Host.EnqueueAsync(Project.Key, body);
            Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        }

        /// <summary>The first <paramref name="count"/> answer.created, as answers, in arrival order.</summary>
        public async Task<List<JsonObject>> AnswersAsync(int count) =>
            [.. (await Customer.WaitForEventAsync(Events.AnswerCreated, count: count, seconds: 30)).Select(e => e.Data["answer"]!.AsObject())];

        public async ValueTask DisposeAsync()
        {
            await Host.DisposeAsync();
            await Customer.DisposeAsync();
            await Model.DisposeAsync();
        }
    }

    static string Cost(long input, long output) =>
        Math.Round((input * InputPrice + output * OutputPrice) / 1_000_000m, 4, MidpointRounding.AwayFromZero)
            .ToString("0.0000", CultureInfo.InvariantCulture);

    static JsonArray Pictures() =>
    [
        new JsonObject { ["id"] = BeachId, ["url"] = BeachUrl, ["caption"] = BeachCaption },
        new JsonObject { ["id"] = DogId, ["url"] = DogUrl, ["caption"] = DogCaption },
    ];


    [Fact]
    public async Task Three_parts_become_three_answers_in_order_linked_to_the_first_and_billed_once()
    {
        await using var rig = await Rig.StartAsync(Provider);
        rig.Customer.AddUserText(User, Persona, "Hi Marta, did you go to the concert last night?");
        string[] parts =
        [
            "Oh hey Tomas!",
            "Yes I did, it was absolutely amazing.",
            "The band played for almost three hours, did you ever see them live?",
        ];
        rig.Model.Enqueue(new ModelReply(ModelReply.Structured(parts), PromptTokens: 12345, CompletionTokens: 678));

        await rig.EnqueueAsync(new JsonObject { ["multipleMessagesPerReply"] = true, ["multipleMessagesPerReplyFrequency"] = 1 });
        var answers = await rig.AnswersAsync(3);
        await rig.Host.WaitQuietAsync();   // nothing more will be sent

        Assert.Equal(parts, answers.Select(a => (string?)a["text"]));
        Assert.Equal([1, 2, 3], answers.Select(a => (int)a["sequenceNumber"]!));
        var firstId = (string)answers[0]["id"]!;
        Assert.Null(answers[0]["parentAnswerId"]);
        Assert.Equal(firstId, (string?)answers[1]["parentAnswerId"]);
        Assert.Equal(firstId, (string?)answers[2]["parentAnswerId"]);
        Assert.Equal(3, answers.Select(a => (string)a["id"]!).Distinct().Count());
        Assert.Equal(Cost(12345, 678), (string?)answers[0]["cost"]);
        Assert.Equal("0.0376", (string?)answers[0]["cost"]);
        Assert.Equal("0.0000", (string?)answers[1]["cost"]);
        Assert.Equal("0.0000", (string?)answers[2]["cost"]);
        Assert.All(answers, a => Assert.Equal("TEXT", (string?)a["type"]));

        // INSTANT: one typing indicator for the whole reply, first; then the three messages and nothing else.
        var events = rig.Customer.Events.ToList();
        Assert.Equal([Events.AnswerProcessing, Events.AnswerCreated, Events.AnswerCreated, Events.AnswerCreated], events.Select(e => e.Event));
        var request = Assert.Single(rig.Model.Requests);
        Assert.Contains("Send this as 2 to 4 short messages", request.PromptText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_a_split_drawn_the_model_parts_are_joined_into_one_answer_with_sequence_number_0()
    {
        await using var rig = await Rig.StartAsync(Provider);
        rig.Customer.AddUserText(User, Persona, "What are you cooking tonight?");
        rig.Model.Enqueue(ModelReply.Json("Probably a big bowl of pasta.", "With far too much parmesan, as always!"));

        await rig.EnqueueAsync(new JsonObject { ["multipleMessagesPerReply"] = true, ["multipleMessagesPerReplyFrequency"] = 0 });
        var answer = Assert.Single(await rig.AnswersAsync(1));
        await rig.Host.WaitQuietAsync();   // nothing more will be sent

        Assert.Single(rig.Customer.Events, e => e.Event == Events.AnswerCreated);
        Assert.Equal(0, (int)answer["sequenceNumber"]!);
        Assert.Null(answer["parentAnswerId"]);
        Assert.Equal("Probably a big bowl of pasta.\nWith far too much parmesan, as always!", (string?)answer["text"]);
        Assert.NotEqual("0.0000", (string?)answer["cost"]);
        var request = Assert.Single(rig.Model.Requests);
        Assert.Contains("Send a single message", request.PromptText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_FAST_typing_each_part_is_announced_and_waits_its_typing_pause()
    {
        await using var rig = await Rig.StartAsync(Provider);
        // What the dispatcher delivered, with the time it recorded each delivery: a typing pause counts from there.
        var delivered = new ConcurrentQueue<(Delivery Delivery, DateTimeOffset At)>();
        rig.Host.Services.GetRequiredService<DeliveryDispatcher>().Delivered += (d, at) => delivered.Enqueue((d, at));
        rig.Customer.AddUserText(User, Persona, "Are you awake?");
        const string first = "Haha yes!", second = "Can't sleep either";
        rig.Model.Enqueue(ModelReply.Json(first, second));

        await rig.EnqueueAsync(new JsonObject
        {
            ["multipleMessagesPerReply"] = true, ["multipleMessagesPerReplyFrequency"] = 1, ["replyTypingDelay"] = "FAST",
        });
        await rig.AnswersAsync(2);
        await rig.Host.WaitQuietAsync(rig.Host.SingleConversationId());   // nothing more will be sent, every delivery reported

        var events = rig.Customer.Events.ToList();
        Assert.Equal([Events.AnswerProcessing, Events.AnswerCreated, Events.AnswerProcessing, Events.AnswerCreated], events.Select(e => e.Event));
        Assert.Equal([first, second], events.Where(e => e.Event == Events.AnswerCreated).Select(e => (string?)e.Data["answer"]!["text"]));

        // Each message carries its typing pause (FAST: 0.5 s + 25 ms a character); each typing indicator has none, so the
        // second follows the first message at once. How exactly the dispatcher waits a pause is TypingPauseTests' part.
        var sent = delivered.Where(s => s.Delivery.Event is Events.AnswerProcessing or Events.AnswerCreated).ToList();
        Assert.Equal(events.Select(e => e.WebhookId), sent.Select(s => s.Delivery.WebhookId));
        Assert.Equal(TimeSpan.FromMilliseconds(725), ReplyComposer.TypingPause("FAST", first.Length));
        Assert.Equal(TimeSpan.FromMilliseconds(950), ReplyComposer.TypingPause("FAST", second.Length));
        Assert.Equal([TimeSpan.Zero, TimeSpan.FromMilliseconds(725), TimeSpan.Zero, TimeSpan.FromMilliseconds(950)], sent.Select(s => s.Delivery.Pause));
        // And it waited them: each message reached the customer no sooner than its pause after the delivery before it.
        for (var i = 1; i < sent.Count; i++)
        {
            var after = events[i].ReceivedAt - sent[i - 1].At;
            Assert.True(after >= sent[i].Delivery.Pause,
                $"{events[i].Event} #{i} came {after.TotalMilliseconds} ms after the delivery before it; its pause is {sent[i].Delivery.Pause.TotalMilliseconds} ms");
        }
    }

    [Fact]
    public async Task A_poke_reply_is_one_ACTION_POKE_answer_without_text()
    {
        await using var rig = await Rig.StartAsync(Provider);
        rig.Customer.AddUserText(User, Persona, "Knock knock");
        rig.Model.Enqueue(new ModelReply(ModelReply.Structured([], poke: true), PromptTokens: 1000, CompletionTokens: 10));

        await rig.EnqueueAsync(new JsonObject { ["multipleMessagesPerReply"] = true, ["multipleMessagesPerReplyFrequency"] = 1 });
        var answer = Assert.Single(await rig.AnswersAsync(1));
        await rig.Host.WaitQuietAsync();   // nothing more will be sent

        Assert.Single(rig.Customer.Events, e => e.Event == Events.AnswerCreated);
        Assert.Equal("ACTION_POKE", (string?)answer["type"]);
        Assert.True(answer.ContainsKey("text"));
        Assert.Null(answer["text"]);
        Assert.Null(answer["pictureUrl"]);
        Assert.Equal(0, (int)answer["sequenceNumber"]!);
        Assert.Equal(Cost(1000, 10), (string?)answer["cost"]);
    }

    [Fact]
    public async Task Smart_Share_sends_the_url_of_the_picture_the_model_chose()
    {
        await using var rig = await Rig.StartAsync(Provider);
        await rig.Host.AdminJsonAsync(HttpMethod.Patch, $"/admin/v1/projects/{rig.Project.Id}", new { smartShareEnabled = true });
        rig.Customer.AddUserText(User, Persona, "Do you have a dog? I love dogs");
        rig.Model.Enqueue(new ModelReply(ModelReply.Structured(["I do, this is Luna, she is the boss of the house!"], pictureId: DogId)));

        await rig.EnqueueAsync(new JsonObject { ["shareablePictures"] = Pictures() });
        var answer = Assert.Single(await rig.AnswersAsync(1));

        Assert.Equal(DogUrl, (string?)answer["pictureUrl"]);
        Assert.Equal("I do, this is Luna, she is the boss of the house!", (string?)answer["text"]);
        var request = Assert.Single(rig.Model.Requests);
        Assert.Contains($"id \"{DogId}\": {DogCaption}", request.PromptText, StringComparison.Ordinal);
        Assert.Contains($"id \"{BeachId}\": {BeachCaption}", request.PromptText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_picture_the_history_already_shows_is_neither_offered_nor_sent_again()
    {
        await using var rig = await Rig.StartAsync(Provider);
        await rig.Host.AdminJsonAsync(HttpMethod.Patch, $"/admin/v1/projects/{rig.Project.Id}", new { smartShareEnabled = true });
        rig.Customer.AddUserText(User, Persona, "What did you do this weekend?");
        rig.Customer.AddMessage(User, Persona, new JsonObject
        {
            ["id"] = "m-beach", ["sender"] = "PERSONA", ["date"] = DateTimeOffset.UtcNow.AddMinutes(-2).ToString("O"),
            ["text"] = "Went to the coast, look!", ["pictureUrls"] = new JsonArray(BeachUrl),
        });
        rig.Customer.AddUserText(User, Persona, "Wow, where was that?");
        // The model picks the picture anyway: it must not go out a second time.
        rig.Model.Enqueue(new ModelReply(ModelReply.Structured(["A little cove near Cadiz, the water was so warm."], pictureId: BeachId)));

        await rig.EnqueueAsync(new JsonObject { ["shareablePictures"] = Pictures() });
        var answer = Assert.Single(await rig.AnswersAsync(1));

        Assert.Equal("A little cove near Cadiz, the water was so warm.", (string?)answer["text"]);
        Assert.True(answer.ContainsKey("pictureUrl"));
        Assert.Null(answer["pictureUrl"]);

        var request = Assert.Single(rig.Model.Requests);
        // Not offered: the id never appears, and the closing note (moment + steering) lists only the other picture.
        Assert.DoesNotContain(BeachId, request.PromptText, StringComparison.Ordinal);
        var closing = request.Messages[^1];
        Assert.Equal("user", closing.Role);
        Assert.DoesNotContain(BeachCaption, closing.Content, StringComparison.Ordinal);
        Assert.Contains($"id \"{DogId}\": {DogCaption}", closing.Content, StringComparison.Ordinal);
        // The history turn describes the earlier share (by its caption), as something she already sent.
        Assert.Contains(request.Messages, m => m.Role == "assistant" && m.Content.Contains("[shares a picture: " + BeachCaption + "]", StringComparison.Ordinal));
    }
}

public sealed class SplitReplyTestsOnSqlite() : SplitReplyTests(StorageProvider.Sqlite);

public sealed class SplitReplyTestsOnPostgres() : SplitReplyTests(StorageProvider.Postgres);
