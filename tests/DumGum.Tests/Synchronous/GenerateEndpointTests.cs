using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using DumGum.Tests.Api;
using DumGum.Webhooks;

namespace DumGum.Tests.Synchronous;

public sealed partial class GenerateEndpointTests(SynchronousFixture f) : IClassFixture<SynchronousFixture>
{
    const string Path = SynchronousFixture.GeneratePath;

    static readonly string[] Languages =
    [
        "EN", "EN_GB", "FR", "FR_BE", "RO", "NL", "ES", "DE", "DE_CH", "DE_AT", "IT", "ES_LATAM", "BG", "HE", "JA", "NL_BE",
        "EN_AU", "PT_PT", "PT_BR", "SV_SE", "DA_DK", "FI_FI", "PL_PL", "LT_LT", "NB_NO", "NN_NO",
    ];

    [GeneratedRegex(@"^answer_[0-9A-Za-z]{18}$")]
    private static partial Regex AnswerId();

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")]
    private static partial Regex Instant();

    static JsonObject Tags() => new() { ["funnel"] = "trial", ["build"] = 412, ["vip"] = false, ["none"] = null };

    static JsonObject Body(Action<JsonObject>? change = null)
    {
        var body = new JsonObject
        {
            ["userProfile"] = new JsonObject
            {
                ["id"] = "u-5521", ["firstName"] = "Tomas", ["birthdate"] = "1988-02-09", ["gender"] = "MAN",
                ["mainPictureUrl"] = "https://img.example/u.jpg", ["someFutureField"] = new JsonObject { ["x"] = 1 },
            },
            ["personaProfile"] = new JsonObject
            {
                ["id"] = "per-0907", ["nickname"] = "nora.sky", ["birthdate"] = "1995-11-30", ["gender"] = "WOMAN",
                ["timeZone"] = "Europe/Berlin", ["features"] = new JsonObject { ["hairColor"] = "SILVER_PURPLE" },
            },
            ["messages"] = new JsonArray
            {
                new JsonObject { ["id"] = "m1", ["sender"] = "PERSONA", ["date"] = "2025-04-02T17:04:00Z", ["text"] = "Hi Tomas!" },
                new JsonObject { ["id"] = "m2", ["sender"] = "USER", ["date"] = "2025-04-02T17:05:00Z", ["text"] = "Hello! You like mountain hikes too?" },
            },
            ["language"] = "EN",
            ["tags"] = Tags(),
            ["testMode"] = true,
        };
        change?.Invoke(body);
        return body;
    }

    static JsonObject Message(string sender, string date, string text) => new() { ["sender"] = sender, ["date"] = date, ["text"] = text };

    [Fact]
    public async Task Returns_the_answers_with_every_Answer_field_exactly_as_answer_created_carries_them()
    {
        using var response = await f.PostAsync(Path, Body());
        var json = await SynchronousFixture.ReadJsonAsync(response);

        Assert.Equal(["answers"], json.Select(p => p.Key));
        var answers = json["answers"]!.AsArray();
        var answer = Assert.Single(answers)!.AsObject();
        // The very same field set (and order) as data.answer of answer.created; no projectId inside.
        var sample = new Answer("answer_x", "u", "p", "TEXT", [], 0m, 0, 0, DateTimeOffset.UnixEpoch, "t", null, null, null, null);
        var eventAnswer = JsonNode.Parse(Events.Created("proj_x", sample))!["data"]!["answer"]!.AsObject();
        Assert.Equal(eventAnswer.Select(p => p.Key), answer.Select(p => p.Key));
        Assert.False(answer.ContainsKey("projectId"));

        Assert.Matches(AnswerId(), (string)answer["id"]!);
        Assert.Equal("u-5521", (string?)answer["userProfileId"]);
        Assert.Equal("per-0907", (string?)answer["personaProfileId"]);
        Assert.Equal("TEXT", (string?)answer["type"]);
        Assert.True(JsonNode.DeepEquals(Tags(), answer["tags"]), answer["tags"]!.ToJsonString());
        Assert.Equal("0.0000", (string?)answer["cost"]);
        Assert.InRange((int)answer["responseTime"]!, 0, 5);
        Assert.Equal(0, (int)answer["sequenceNumber"]!);
        Assert.Matches(Instant(), (string)answer["createdAt"]!);
        var createdAt = DateTimeOffset.Parse((string)answer["createdAt"]!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(createdAt, DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddMinutes(1));
        Assert.False(string.IsNullOrWhiteSpace((string?)answer["text"]));
        foreach (var field in (string[])["pictureUrl", "conversationStopReason", "conversationStoppedUntil", "parentAnswerId"])
        {
            Assert.True(answer.ContainsKey(field), $"{field} must be present (as null)");
            Assert.Null(answer[field]);
        }
        Assert.Equal("AI", (string?)answer["replyMode"]);
        await f.AssertCustomerUntouchedAsync();
    }

    [Fact]
    public async Task Without_messages_the_reply_is_an_icebreaker_written_from_the_inline_profiles()
    {
        using var response = await f.PostAsync(Path, Body(b => b.Remove("messages")));
        var text = (string)(await SynchronousFixture.ReadJsonAsync(response))["answers"]![0]!["text"]!;
        // The offline engine greets the user by name and introduces the persona by name.
        Assert.Contains("Tomas", text, StringComparison.Ordinal);
        Assert.Contains("nora.sky", text, StringComparison.Ordinal);
        await f.AssertCustomerUntouchedAsync();
    }

    [Fact]
    public async Task Compat_history_shape_and_profile_compat_fields_are_accepted()
    {
        using var response = await f.PostAsync(Path, Body(b =>
        {
            b["userProfile"]!["gender"] = "MALE";
            b["userProfile"]!.AsObject().Remove("birthdate");
            b["userProfile"]!["birthDate"] = "1988-02-09";
            b["messages"] = new JsonArray
            {
                new JsonObject { ["id"] = 1001, ["sender"] = "user", ["date"] = "2025-04-02T17:05:00+02:00", ["type"] = "ACTION_POKE" },
                new JsonObject { ["id"] = "1002", ["sender"] = "USER", ["date"] = "2025-04-02T17:06:10.123Z", ["type"] = "TEXT", ["text"] = "Hey",
                    ["pictureUrls"] = new JsonArray("https://img.example/a.jpg"), ["gifts"] = new JsonArray(new JsonObject { ["name"] = "rose", ["tier"] = "PLATINUM_PLUS" }),
                    ["sticker"] = "a waving cat", ["poke"] = false, ["unknown"] = "ignored" },
            };
        }));
        var answers = (await SynchronousFixture.ReadJsonAsync(response))["answers"]!.AsArray();
        Assert.NotEmpty(answers);
        await f.AssertCustomerUntouchedAsync();
    }

    [Fact]
    public async Task Split_replies_are_numbered_and_only_the_first_part_is_billed()
    {
        using var response = await f.PostAsync(Path, Body(b => b["replyParameters"] = new JsonObject
        {
            ["multipleMessagesPerReply"] = true, ["multipleMessagesPerReplyFrequency"] = 1, ["replyTypingDelay"] = "NORMAL",
        }));
        var answers = (await SynchronousFixture.ReadJsonAsync(response))["answers"]!.AsArray().Select(a => a!.AsObject()).ToList();
        if (answers.Count == 1)
        {
            Assert.Equal(0, (int)answers[0]["sequenceNumber"]!);
            return;
        }
        var first = (string)answers[0]["id"]!;
        for (var i = 0; i < answers.Count; i++)
        {
            Assert.Equal(i + 1, (int)answers[i]["sequenceNumber"]!);
            Assert.Equal(i == 0 ? null : first, (string?)answers[i]["parentAnswerId"]);
            if (i > 0) Assert.Equal("0.0000", (string?)answers[i]["cost"]);
        }
        Assert.Equal(answers.Count, answers.Select(a => (string)a["id"]!).Distinct().Count());
    }

    [Fact]
    public async Task SoulEngine_runs_for_generatePersonality_as_in_a_conversation_run()
    {
        using var response = await f.PostAsync(Path, Body(b => b["replyParameters"] = new JsonObject { ["generatePersonality"] = true }));
        Assert.NotEmpty((await SynchronousFixture.ReadJsonAsync(response))["answers"]!.AsArray());
        await f.AssertCustomerUntouchedAsync();
    }

    [Fact]
    public async Task Each_call_makes_new_answer_ids()
    {
        using var one = await f.PostAsync(Path, Body());
        using var two = await f.PostAsync(Path, Body());
        var a = (string)(await SynchronousFixture.ReadJsonAsync(one))["answers"]![0]!["id"]!;
        var b = (string)(await SynchronousFixture.ReadJsonAsync(two))["answers"]![0]!["id"]!;
        Assert.NotEqual(a, b);
    }

    static JsonObject Messages(int count)
    {
        var messages = new JsonArray();
        for (var i = 0; i < count; i++) messages.Add(Message(i % 2 == 0 ? "USER" : "PERSONA", "2025-04-02T17:05:00Z", "m" + i));
        return new JsonObject { ["messages"] = messages };
    }

    [Fact]
    public async Task A_thousand_messages_are_accepted()
    {
        using var response = await f.PostAsync(Path, Body(b => b["messages"] = Messages(1000)["messages"]!.DeepClone()));
        Assert.NotEmpty((await SynchronousFixture.ReadJsonAsync(response))["answers"]!.AsArray());
    }

    /// <summary>Case name, body, the one error path expected, and '|'-separated fragments the message must contain.</summary>
    static readonly (string Name, JsonObject Body, string Path, string MustContain)[] Cases =
    [
        ("userProfile missing", Body(b => b.Remove("userProfile")), "userProfile", "required"),
        ("personaProfile null", Body(b => b["personaProfile"] = null), "personaProfile", "required"),
        ("userProfile a string", Body(b => b["userProfile"] = "u-5521"), "userProfile", "object"),
        ("userProfile without id", Body(b => b["userProfile"]!.AsObject().Remove("id")), "userProfile.id", "required"),
        ("userProfile id 129 characters", Body(b => b["userProfile"]!["id"] = new string('u', 129)), "userProfile.id", "128"),
        ("userProfile id a number", Body(b => b["userProfile"]!["id"] = 5521), "userProfile.id", "string"),
        ("personaProfile without names", Body(b => b["personaProfile"]!.AsObject().Remove("nickname")), "personaProfile.firstName", "nickname"),
        ("userProfile with blank names", Body(b => { b["userProfile"]!["firstName"] = "  "; b["userProfile"]!["nickname"] = ""; }),
            "userProfile.firstName", "nickname"),
        ("userProfile firstName a number", Body(b => b["userProfile"]!["firstName"] = 7), "userProfile.firstName", "string"),
        ("messages an object", Body(b => b["messages"] = new JsonObject()), "messages", "array"),
        ("messages[0].sender BOT", Body(b => b["messages"]![0]!["sender"] = "BOT"), "messages[0].sender", "USER|PERSONA"),
        ("messages[0].sender missing", Body(b => b["messages"]![0]!.AsObject().Remove("sender")), "messages[0].sender", "required"),
        ("messages[1].date missing", Body(b => b["messages"]![1]!.AsObject().Remove("date")), "messages[1].date", "required"),
        ("messages[1].date yesterday", Body(b => b["messages"]![1]!["date"] = "yesterday"), "messages[1].date", "ISO-8601"),
        ("messages[0].text a number", Body(b => b["messages"]![0]!["text"] = 3), "messages[0].text", "string"),
        ("messages[0].type VIDEO", Body(b => b["messages"]![0]!["type"] = "VIDEO"), "messages[0].type", "TEXT|ACTION_POKE"),
        ("messages[1] null", Body(b => b["messages"]![1] = null), "messages[1]", "null"),
        ("1001 messages", Body(b => b["messages"] = Messages(1001)["messages"]!.DeepClone()), "messages", "1000"),
        ("language missing", Body(b => b.Remove("language")), "language", "required"),
        ("language XX", Body(b => b["language"] = "XX"), "language", string.Join('|', Languages)),
        ("additionalLanguages[1] XX", Body(b => b["additionalLanguages"] = new JsonArray("ES", "XX")), "additionalLanguages[1]", "EN_GB"),
        ("replyParameters emojis LOTS", Body(b => b["replyParameters"] = new JsonObject { ["emojis"] = "LOTS" }),
            "replyParameters.emojis", "NONE|RARE|OCCASIONAL|FREQUENT"),
        ("replyParameters banDurations[0] -1", Body(b => b["replyParameters"] = new JsonObject
            {
                ["guardrails"] = new JsonObject { ["aiSuspicionOptionSet"] = new JsonObject { ["banDurations"] = new JsonArray(-1) } },
            }),
            "replyParameters.guardrails.aiSuspicionOptionSet.banDurations[0]", "0 to 5256000"),
        ("replyParameters chatModel gpt-x", Body(b => b["replyParameters"] = new JsonObject { ["chatModel"] = "gpt-x" }),
            "replyParameters.chatModel", "dating-smart-1"),
        ("tags nested", Body(b => b["tags"] = new JsonObject { ["nested"] = new JsonObject() }), "tags.nested", "string"),
        ("testMode a string", Body(b => b["testMode"] = "true"), "testMode", "boolean"),
    ];

    public static TheoryData<string> InvalidCases => new(Cases.Select(c => c.Name));

    [Theory]
    [MemberData(nameof(InvalidCases))]
    public async Task Invalid_body_is_a_400_problem_naming_the_field(string name)
    {
        var c = Cases.Single(x => x.Name == name);
        using var response = await f.PostAsync(Path, c.Body);
        var problem = await ProblemAssert.ReadAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal("urn:dumgum:problem:validation", (string?)problem["type"]);
        var errors = problem["errors"]!.AsObject();
        Assert.True(errors.Count == 1 && errors.ContainsKey(c.Path), $"{name}: expected exactly one error at '{c.Path}', got {errors.ToJsonString()}");
        var message = string.Join(" ", ProblemAssert.Messages(problem, c.Path));
        foreach (var fragment in c.MustContain.Split('|', StringSplitOptions.RemoveEmptyEntries))
            Assert.True(message.Contains(fragment, StringComparison.Ordinal), $"{name}: '{message}' should mention '{fragment}'");
        await f.AssertCustomerUntouchedAsync();
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("{\"userProfile\": ")]
    public async Task A_body_that_is_not_a_JSON_object_is_a_400_problem_at_the_root(string body)
    {
        using var response = await f.PostRawAsync(Path, body);
        var problem = await ProblemAssert.ReadAsync(response, HttpStatusCode.BadRequest);
        ProblemAssert.Messages(problem, "$");
    }

    [Fact]
    public async Task A_body_over_256_KiB_is_a_413_problem()
    {
        using var response = await f.PostAsync(Path, Body(b => b["personaProfile"]!["description"] = new string('x', 300 * 1024)));
        await ProblemAssert.ReadAsync(response, HttpStatusCode.RequestEntityTooLarge);
    }
}
