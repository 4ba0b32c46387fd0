using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using DumGum.Conversations;
using DumGum.Memory;
using DumGum.Memory.Extraction;
using DumGum.Tests.Infrastructure;
using DumGum.Webhooks;
using Microsoft.Extensions.DependencyInjection;

namespace DumGum.Tests.Memory;

/// <summary>
/// Memory read by a model (docs/memory.md, "Model extraction"): one structured-output call after the reply, checked
/// item by item, billed with the answer and itemised; the offline extractor stands in when the call fails.
/// </summary>
public sealed class ModelMemoryExtractionTests
{
    static CancellationToken Token => TestContext.Current.CancellationToken;

    static readonly IReadOnlyList<MemorySource> Sources =
    [
        new("U1", MemoryTargets.User, "I just moved to Valencia, and my exam is on Friday"),
        new("P1", MemoryTargets.Persona, "Valencia! I'm a photographer, I shoot weddings there."),
    ];

    static MemoryItem Stored(string key, string target, string slot) =>
        new()
        {
            UniqueIdentifier = key, Target = target, Category = "LOCATION", Description = "Lives in Madrid",
            SourceText = "I live in Madrid", Timestamp = DateTimeOffset.UnixEpoch, Tags = ["madrid"], Slot = slot,
        };

    static string Answer(params JsonObject[] items) => new JsonObject { ["memories"] = new JsonArray(items) }.ToJsonString();

    static JsonObject Item(string source, string key, string category, string description, string? start = null, string? end = null,
        string? slot = null, string? replaces = null, params string[] tags) => new()
    {
        ["source"] = source, ["uniqueIdentifier"] = key, ["category"] = category, ["description"] = description,
        ["eventStartDate"] = start, ["eventEndDate"] = end, ["tags"] = new JsonArray([.. tags.Select(t => (JsonNode)t)]),
        ["slot"] = slot, ["replaces"] = replaces,
    };

    [Fact]
    public void Whose_fact_and_its_source_text_come_from_the_message_the_item_names_not_from_the_model()
    {
        var (facts, refused) = ModelMemoryExtractor.Parse(Answer(
            Item("U1", "user_lives_in_valencia", "LOCATION", "Lives in Valencia", slot: "location", tags: "valencia"),
            // A persona's fact under a user key: the key follows the message it was read from.
            Item("p1", "user_works_as_photographer", "OCCUPATION", "Works as a wedding photographer", slot: "occupation")),
            Sources, []);

        Assert.Equal(0, refused);
        Assert.Equal(2, facts.Count);
        Assert.Equal(("user_lives_in_valencia", MemoryTargets.User, Sources[0].Text, "user_location"),
            (facts[0].UniqueIdentifier, facts[0].Target, facts[0].SourceText, facts[0].Slot));
        Assert.Equal(("persona_works_as_photographer", MemoryTargets.Persona, Sources[1].Text, "persona_occupation"),
            (facts[1].UniqueIdentifier, facts[1].Target, facts[1].SourceText, facts[1].Slot));
    }

    [Fact]
    public void Items_are_checked_one_by_one_and_a_bad_one_is_refused_alone()
    {
        var (facts, refused) = ModelMemoryExtractor.Parse(Answer(
            Item("U9", "user_x", "OTHER", "Names a message that does not exist"),
            Item("U1", "   ", "OTHER", "No key"),
            Item("U1", "user_empty", "OTHER", "  "),
            Item("U1", "User Exam Friday!", "event", "Has an exam", "2026-12-11", "2026-12-10", tags: ["exam", "EXAM", "school"]),
            Item("U1", "user_mood", "not a category", "Feels tired", "2026-12-11", slot: "mood")),
            Sources, []);

        Assert.Equal(3, refused);
        var exam = facts[0];
        Assert.Equal("user_exam_friday", exam.UniqueIdentifier);
        Assert.Equal(MemoryCategories.Event, exam.Category);
        Assert.Equal(new DateOnly(2026, 12, 11), exam.EventStartDate);
        Assert.Null(exam.EventEndDate);   // an end before the start is dropped
        Assert.Equal(["exam", "school"], exam.Tags);
        var mood = facts[1];
        Assert.Equal(MemoryCategories.Other, mood.Category);
        Assert.Null(mood.EventStartDate);   // dates only for EVENT
        Assert.Null(mood.Slot);             // not one of the single-valued questions
    }

    [Fact]
    public void A_replacement_may_only_name_a_stored_memory_of_the_same_target()
    {
        IReadOnlyList<MemoryItem> stored = [Stored("user_home_madrid", MemoryTargets.User, "user_home"), Stored("persona_home_madrid", MemoryTargets.Persona, "persona_home")];
        var (facts, _) = ModelMemoryExtractor.Parse(Answer(
            Item("U1", "user_lives_in_valencia", "LOCATION", "Lives in Valencia", replaces: "user_home_madrid"),
            Item("U1", "user_studies", "EDUCATION", "Is studying for an exam", replaces: "persona_home_madrid"),
            Item("U1", "user_likes_sea", "PREFERENCE", "Likes the sea", replaces: "user_never_stored")),
            Sources, stored);

        Assert.Equal(["user_home_madrid", null, null], facts.Select(f => f.Replaces));

        var change = MemoryMerge.Merge(stored, facts, DateTimeOffset.UnixEpoch.AddDays(1));
        var deleted = Assert.Single(change.Deleted);
        Assert.Equal("user_home_madrid", deleted.UniqueIdentifier);
        Assert.Equal("User said they live in Valencia", deleted.Reason);
        Assert.Contains(change.State, m => m.UniqueIdentifier == "persona_home_madrid");
    }

    [Fact]
    public void An_answer_that_is_not_the_asked_JSON_is_an_error_not_an_empty_memory()
    {
        Assert.Throws<FormatException>(() => ModelMemoryExtractor.Parse("Sure! The user lives in Valencia.", Sources, []));
        Assert.Throws<FormatException>(() => ModelMemoryExtractor.Parse("""{"facts": []}""", Sources, []));
        Assert.Throws<FormatException>(() => ModelMemoryExtractor.Parse("""{"memories": [""", Sources, []));
        Assert.Empty(ModelMemoryExtractor.Parse("""{"memories": []}""", Sources, []).Facts);
    }

    [Fact]
    public void At_most_twenty_facts_are_taken_from_one_answer()
    {
        var items = Enumerable.Range(0, 30).Select(i => Item("U1", $"user_fact_{i}", "OTHER", $"Fact {i}")).ToArray();
        var (facts, refused) = ModelMemoryExtractor.Parse(Answer(items), Sources, []);
        Assert.Equal(ModelMemoryExtractor.MaxFacts, facts.Count);
        Assert.Equal(10, refused);
    }

    // End to end: a real host, the fake OpenAI-compatible server answering replies as "fake-chat" and extraction as
    // "fake-memory", priced so the bill can be checked.
    const string ReplyText = "Valencia sounds lovely! How are you settling in?";
    const string UserText = "I just moved to Valencia, I work as a nurse at the hospital there";

    static async Task<(FakeModelServer Model, FakeCustomer Customer, DumGumHost Host, DumGumHost.TestProject Project)> RigAsync(
        Func<ModelRequest, ModelReply> memoryAnswer)
    {
        var model = await FakeModelServer.StartAsync();
        model.Default = r => r.Model == "fake-memory" ? memoryAnswer(r) : ModelReply.Json(ReplyText);
        var customer = await FakeCustomer.StartAsync();
        var host = DumGumHost.Start(settings: new()
        {
            ["Generation:Provider"] = "OpenAI",
            ["Generation:Endpoint"] = model.Endpoint,
            ["Generation:RetryBaseDelay"] = "00:00:00.010",
            ["Generation:MaxRetries"] = "1",
            ["Generation:Models:dating-smart-1:BackendModel"] = "fake-chat",
            ["Generation:Models:dating-smart-1:InputPricePerMillion"] = "1000",
            ["Generation:Models:dating-smart-1:OutputPricePerMillion"] = "2000",
            ["Generation:Models:memory-1:BackendModel"] = "fake-memory",
            ["Generation:Models:memory-1:InputPricePerMillion"] = "500",
            ["Generation:Models:memory-1:OutputPricePerMillion"] = "1000",
            ["Memory:ExtractionModel"] = "memory-1",
        });
        var project = await host.CreateProjectAsync(customer);
        customer.Profiles["u-1"] = FakeCustomer.Profile("u-1", "Tomas");
        customer.Profiles["p-1"] = FakeCustomer.Profile("p-1", "Marta");
        customer.AddUserText("u-1", "p-1", UserText);
        return (model, customer, host, project);
    }

    static async Task<JsonObject> AnswerAsync(DumGumHost host, FakeCustomer customer, DumGumHost.TestProject project, bool testMode = false)
    {
        using (var r = await host.EnqueueAsync(project.Key, new { userProfileId = "u-1", personaProfileId = "p-1", language = "EN", testMode, replyParameters = new { bufferSeconds = 0 } }))
            Assert.Equal(HttpStatusCode.NoContent, r.StatusCode);
        return (await customer.WaitForEventAsync(Events.AnswerCreated, "u-1", 1, seconds: 60))[0].Data["answer"]!.AsObject();
    }

    static async Task<JsonObject> ItemisationAsync(DumGumHost host, DumGumHost.TestProject project, JsonObject answer) =>
        (await host.AdminJsonAsync(HttpMethod.Get, $"/admin/v1/projects/{project.Id}/answers/{(string)answer["id"]!}"))["itemisation"]!.AsObject();

    [Fact]
    public async Task A_model_reads_the_memory_in_one_structured_call_billed_with_the_answer_and_itemised()
    {
        var (model, customer, host, project) = await RigAsync(_ => new ModelReply(Answer(
            Item("U1", "user_works_as_nurse", "OCCUPATION", "Works as a nurse", slot: "occupation", tags: "nurse"),
            Item("U1", "user_lives_in_valencia", "LOCATION", "Lives in Valencia", slot: "location", tags: "valencia"),
            Item("U7", "user_invented", "OTHER", "Read from a message that was never sent")), PromptTokens: 400, CompletionTokens: 100));
        await using var _m = model;
        await using var _c = customer;
        await using var _h = host;

        var answer = await AnswerAsync(host, customer, project);

        var call = Assert.Single(model.Requests, r => r.Model == "fake-memory");
        Assert.Equal("json_schema", call.ResponseFormatType);
        Assert.Contains(UserText, call.PromptText, StringComparison.Ordinal);
        Assert.Contains(ReplyText, call.PromptText, StringComparison.Ordinal);   // the reply is read for the persona's facts

        var memories = host.Services.GetRequiredService<MemoryStore>().List(new ConversationKey(project.Id, "u-1", "p-1"));
        Assert.Equal(["user_lives_in_valencia", "user_works_as_nurse"], memories.Select(m => m.UniqueIdentifier).Order());
        Assert.All(memories, m => Assert.Equal(UserText, m.SourceText));

        // Reply: 100 in × €1000/M + 20 out × €2000/M = €0.14; extraction: 400 × €500/M + 100 × €1000/M = €0.30.
        Assert.Equal(0.44m, decimal.Parse((string)answer["cost"]!, CultureInfo.InvariantCulture));
        var note = (await ItemisationAsync(host, project, answer))["memoryExtraction"]!.AsObject();
        Assert.Equal("model", (string?)note["extractor"]);
        Assert.Equal("memory-1", (string?)note["chatModel"]);
        Assert.Equal((400L, 100L, 0.30m, 2, 1), ((long)note["inputTokens"]!, (long)note["outputTokens"]!, (decimal)note["cost"]!, (int)note["facts"]!, (int)note["refused"]!));
        Assert.Null(note["fallback"]);
    }

    [Fact]
    public async Task When_the_extraction_call_fails_the_offline_extractor_reads_the_run_and_nothing_is_billed_for_it()
    {
        var (model, customer, host, project) = await RigAsync(_ => ModelReply.Text("I think the user is a nurse."));
        await using var _m = model;
        await using var _c = customer;
        await using var _h = host;

        var answer = await AnswerAsync(host, customer, project);

        Assert.Equal(0.14m, decimal.Parse((string)answer["cost"]!, CultureInfo.InvariantCulture));
        var note = (await ItemisationAsync(host, project, answer))["memoryExtraction"]!.AsObject();
        Assert.Equal("offline", (string?)note["extractor"]);
        Assert.Contains("not a JSON object", (string?)note["fallback"], StringComparison.Ordinal);
        // The offline extractor still finds the job and the city in the user's words.
        var memories = host.Services.GetRequiredService<MemoryStore>().List(new ConversationKey(project.Id, "u-1", "p-1"));
        Assert.Contains(memories, m => m.Category == MemoryCategories.Occupation);
        Assert.Contains(memories, m => m.Category == MemoryCategories.Location);
    }

    [Fact]
    public async Task TestMode_reads_memory_offline_without_a_model_call()
    {
        var (model, customer, host, project) = await RigAsync(_ => throw new InvalidOperationException("no model call in testMode"));
        await using var _m = model;
        await using var _c = customer;
        await using var _h = host;

        var answer = await AnswerAsync(host, customer, project, testMode: true);

        Assert.Empty(model.Requests);
        Assert.Equal("offline", (string?)(await ItemisationAsync(host, project, answer))["memoryExtraction"]!["extractor"]);
        Assert.NotEmpty(host.Services.GetRequiredService<MemoryStore>().List(new ConversationKey(project.Id, "u-1", "p-1")));
    }

    [Theory]
    [InlineData("Generation:Models:x:BackendModel", "x", "Memory:ExtractionModel", "nope", "is not a Generation:Models name")]
    [InlineData("Memory:ExtractionTimeout", "00:00:00", "Memory:ExtractionModel", "", "Memory:ExtractionTimeout must be between")]
    public void A_bad_extraction_setting_fails_the_start_naming_the_key(string key1, string value1, string key2, string value2, string message)
    {
        var ex = Assert.ThrowsAny<Exception>(() => DumGumHost.Start(settings: new()
        {
            ["Generation:Provider"] = "OpenAI", ["Generation:Endpoint"] = "http://127.0.0.1:9/v1", [key1] = value1, [key2] = value2,
        }).Dispose());
        Assert.Contains(message, ex.ToString(), StringComparison.Ordinal);
    }
}
