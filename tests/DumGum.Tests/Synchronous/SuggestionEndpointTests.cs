using System.Net;
using System.Text.Json.Nodes;
using DumGum.Suggestions;
using DumGum.Tests.Api;

namespace DumGum.Tests.Synchronous;

/// <summary>The suggestion endpoint on the default server, whose pipeline is the offline engine: offline templates.</summary>
public sealed class SuggestionEndpointTests(SynchronousFixture f) : IClassFixture<SynchronousFixture>
{
    const string Path = SynchronousFixture.SuggestionPath;

    /// <summary>The public documentation's example request (docs/behaviour.md, "Synchronous endpoints"), verbatim.</summary>
    public const string DocumentedExample = """
        {
          "userProfile":    { "id": "u-5521", "firstName": "Tomas", "birthdate": "1988-02-09", "gender": "MAN" },
          "personaProfile": { "id": "per-0907", "nickname": "nora.sky", "birthdate": "1995-11-30", "gender": "WOMAN", "timeZone": "Europe/Berlin" },
          "language": "DE",
          "messages": [
            { "role": "USER",    "content": "Hallo! Du magst also auch Bergtouren?", "createdAt": "2025-04-02T17:05:00Z" },
            { "role": "PERSONA", "content": "Ja, total! Welche war deine letzte?",  "createdAt": "2025-04-02T17:06:10Z" }
          ]
        }
        """;

    internal static JsonObject Body(string language = "EN", JsonArray? messages = null, Action<JsonObject>? change = null)
    {
        var body = new JsonObject
        {
            ["userProfile"] = new JsonObject { ["id"] = "u-5521", ["firstName"] = "Tomas", ["birthdate"] = "1988-02-09", ["gender"] = "MAN" },
            ["personaProfile"] = new JsonObject
            {
                ["id"] = "per-0907", ["firstName"] = "Nora", ["birthdate"] = "1995-11-30", ["gender"] = "WOMAN", ["city"] = "Berlin",
                ["countryCode"] = "DE", ["features"] = new JsonObject { ["interests"] = new JsonArray("HIKING", "JAZZ_MUSIC"), ["job"] = "Architect" },
            },
            ["language"] = language,
            ["messages"] = messages ?? [],
        };
        change?.Invoke(body);
        return body;
    }

    internal static JsonObject Turn(string role, string content, string createdAt = "2025-04-02T17:05:00Z") =>
        new() { ["role"] = role, ["content"] = content, ["createdAt"] = createdAt };

    async Task<(string Mode, List<string> Texts)> SuggestAsync(JsonNode body)
    {
        using var response = await f.PostAsync(Path, body);
        var json = await SynchronousFixture.ReadJsonAsync(response);
        Assert.Equal(["mode", "suggestions"], json.Select(p => p.Key));
        var items = json["suggestions"]!.AsArray().Select(s => s!.AsObject()).ToList();
        Assert.All(items, i => Assert.Equal(["text"], i.Select(p => p.Key)));
        var texts = items.Select(i => (string)i["text"]!).ToList();
        Assert.Equal(3, texts.Count);
        Assert.All(texts, t => Assert.False(string.IsNullOrWhiteSpace(t)));
        Assert.Equal(3, texts.Distinct(StringComparer.OrdinalIgnoreCase).Count());
        return ((string)json["mode"]!, texts);
    }

    static List<string> Filled(IEnumerable<string> templates, string persona = "Nora", string? echo = null) =>
        templates.Select(t => t.Replace("{persona}", persona, StringComparison.Ordinal).Replace("{echo}", echo, StringComparison.Ordinal)).ToList();

    [Fact]
    public async Task Empty_messages_give_three_distinct_icebreakers_that_name_the_persona()
    {
        var (mode, texts) = await SuggestAsync(Body());
        Assert.Equal("ICEBREAKER", mode);
        Assert.All(texts, t => Assert.Contains("Nora", t, StringComparison.Ordinal));
        Assert.Equal(Filled(SuggestionPhrases.English.Icebreaker), texts);
        await f.AssertCustomerUntouchedAsync();
    }

    [Fact]
    public async Task Missing_messages_are_an_icebreaker_too()
    {
        var (mode, _) = await SuggestAsync(Body(change: b => b.Remove("messages")));
        Assert.Equal("ICEBREAKER", mode);
    }

    [Fact]
    public async Task With_messages_it_is_a_follow_up_that_reacts_to_the_persona_s_last_message()
    {
        var (mode, texts) = await SuggestAsync(Body(messages:
        [
            Turn("USER", "Hi Nora! How was your weekend?", "2025-04-02T17:05:00Z"),
            Turn("PERSONA", "Great, I went hiking in the Alps with my sister", "2025-04-02T17:06:10Z"),
        ]));
        Assert.Equal("FOLLOW_UP", mode);
        Assert.Contains("I went hiking in the Alps with", texts[0], StringComparison.Ordinal);
        Assert.Equal(Filled(SuggestionPhrases.English.React, echo: "Great, I went hiking in the Alps with…"), texts);
    }

    [Fact]
    public async Task A_question_from_the_persona_gets_answers_and_the_user_writing_last_gets_nudges()
    {
        var (_, answers) = await SuggestAsync(Body(messages: [Turn("PERSONA", "What do you do for fun?")]));
        Assert.Equal(Filled(SuggestionPhrases.English.Answer), answers);
        var (_, nudges) = await SuggestAsync(Body(messages: [Turn("PERSONA", "Hello!"), Turn("USER", "Hi there")]));
        Assert.Equal(Filled(SuggestionPhrases.English.Nudge), nudges);
    }

    [Fact]
    public async Task Messages_are_taken_in_date_order_when_every_one_is_dated()
    {
        // Sent newest first: the persona's question is the latest message, so the user is answering it.
        var (_, texts) = await SuggestAsync(Body(messages:
        [
            Turn("PERSONA", "And what do you do for fun?", "2025-04-02T17:07:00Z"),
            Turn("USER", "Hi Nora", "2025-04-02T17:05:00Z"),
        ]));
        Assert.Equal(Filled(SuggestionPhrases.English.Answer), texts);
    }

    [Fact]
    public async Task French_differs_from_English_and_uses_the_French_templates()
    {
        var (_, english) = await SuggestAsync(Body("EN"));
        var (_, french) = await SuggestAsync(Body("FR"));
        Assert.Equal(Filled(SuggestionPhrases.French.Icebreaker), french);
        Assert.Empty(english.Intersect(french));
    }

    [Theory]
    [InlineData("DE_CH", "DE")]
    [InlineData("DE_AT", "DE")]
    [InlineData("ES_LATAM", "ES")]
    [InlineData("PT_BR", "PT")]
    [InlineData("PT_PT", "PT")]
    [InlineData("NL_BE", "NL")]
    [InlineData("FR_BE", "FR")]
    [InlineData("IT", "IT")]
    [InlineData("JA", "EN")]
    [InlineData("en_uk", "EN")]
    public async Task Regional_variants_use_their_base_language_and_others_English(string language, string table)
    {
        var (_, texts) = await SuggestAsync(Body(language));
        Assert.Equal(Filled(SuggestionPhrases.For(table)!.Icebreaker), texts);
    }

    [Fact]
    public async Task The_documented_example_request_is_answered_with_German_follow_ups()
    {
        using var response = await f.PostRawAsync(Path, DocumentedExample);
        var json = await SynchronousFixture.ReadJsonAsync(response);
        Assert.Equal("FOLLOW_UP", (string?)json["mode"]);
        var texts = json["suggestions"]!.AsArray().Select(s => (string)s!["text"]!).ToList();
        // Nora's last message asks a question: the German answers, with her nickname.
        Assert.Equal(Filled(SuggestionPhrases.German.Answer, "nora.sky"), texts);
        await f.AssertCustomerUntouchedAsync();
    }

    [Fact]
    public async Task The_guide_s_compat_birthDate_and_MALE_FEMALE_genders_are_accepted()
    {
        var (mode, _) = await SuggestAsync(Body(change: b =>
        {
            b["userProfile"] = new JsonObject { ["id"] = "u-1", ["firstName"] = "Tomas", ["birthDate"] = "1988-02-09", ["gender"] = "MALE" };
            b["personaProfile"] = new JsonObject { ["id"] = "p-1", ["nickname"] = "nora.sky", ["birthDate"] = "1995-11-30", ["gender"] = "FEMALE" };
        }));
        Assert.Equal("ICEBREAKER", mode);
    }

    [Fact]
    public async Task Unknown_fields_and_messages_without_content_or_date_are_accepted()
    {
        var (mode, texts) = await SuggestAsync(Body(messages:
        [
            new JsonObject { ["role"] = "persona", ["extra"] = true },
        ], change: b => { b["tags"] = new JsonObject { ["x"] = 1 }; b["replyParameters"] = new JsonObject(); }));
        Assert.Equal("FOLLOW_UP", mode);
        Assert.Equal(SuggestionPhrases.English.ReactWithoutEcho, texts[0]);
    }

    [Fact]
    public async Task The_same_request_gives_the_same_suggestions()
    {
        var (_, one) = await SuggestAsync(Body(messages: [Turn("PERSONA", "I love jazz")]));
        var (_, two) = await SuggestAsync(Body(messages: [Turn("PERSONA", "I love jazz")]));
        Assert.Equal(one, two);
    }

    static readonly (string Name, JsonObject Body, string Path, string MustContain)[] Cases =
    [
        ("userProfile missing", Body(change: b => b.Remove("userProfile")), "userProfile", "required"),
        ("personaProfile without names", Body(change: b => b["personaProfile"]!.AsObject().Remove("firstName")), "personaProfile.firstName", "nickname"),
        ("userProfile without id", Body(change: b => b["userProfile"]!.AsObject().Remove("id")), "userProfile.id", "required"),
        ("language missing", Body(change: b => b.Remove("language")), "language", "required"),
        ("language KLINGON", Body("KLINGON"), "language", "DE_CH|DE_AT|NN_NO"),
        ("messages a string", Body(change: b => b["messages"] = "hi"), "messages", "array"),
        ("messages[0].role BOT", Body(messages: [Turn("BOT", "hi")]), "messages[0].role", "USER|PERSONA"),
        ("messages[1].role missing", Body(messages: [Turn("USER", "hi"), new JsonObject { ["content"] = "x" }]), "messages[1].role", "required"),
        ("messages[0].content a number", Body(messages: [new JsonObject { ["role"] = "USER", ["content"] = 5 }]), "messages[0].content", "string"),
        ("messages[0].createdAt bad", Body(messages: [Turn("USER", "hi", "02/04/2025")]), "messages[0].createdAt", "ISO-8601"),
        ("testMode a string", Body(change: b => b["testMode"] = "no"), "testMode", "boolean"),
    ];

    public static TheoryData<string> InvalidCases => new(Cases.Select(c => c.Name));

    [Theory]
    [MemberData(nameof(InvalidCases))]
    public async Task Invalid_body_is_a_400_problem_naming_the_field(string name)
    {
        var c = Cases.Single(x => x.Name == name);
        using var response = await f.PostAsync(Path, c.Body);
        var problem = await ProblemAssert.ReadAsync(response, HttpStatusCode.BadRequest);
        var errors = problem["errors"]!.AsObject();
        Assert.True(errors.Count == 1 && errors.ContainsKey(c.Path), $"{name}: expected exactly one error at '{c.Path}', got {errors.ToJsonString()}");
        var message = string.Join(" ", ProblemAssert.Messages(problem, c.Path));
        foreach (var fragment in c.MustContain.Split('|', StringSplitOptions.RemoveEmptyEntries))
            Assert.True(message.Contains(fragment, StringComparison.Ordinal), $"{name}: '{message}' should mention '{fragment}'");
        await f.AssertCustomerUntouchedAsync();
    }

    [Fact]
    public async Task Both_operations_are_in_the_OpenAPI_document_with_the_documented_names()
    {
        using var response = await f.Host.Http.GetAsync("/openapi/v1.json", TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.IsSuccessStatusCode, text);
        var doc = JsonNode.Parse(text)!;
        var suggestion = doc["paths"]!["/cs/v1/content_creation/suggestion"]!["post"]!;
        Assert.Equal("content-creation-suggestion-generate", (string?)suggestion["operationId"]);
        Assert.Equal("content-creation", (string?)suggestion["tags"]![0]);
        Assert.NotNull(suggestion["requestBody"]!["content"]!["application/json"]);
        var body = suggestion["requestBody"]!["content"]!["application/json"]!["schema"]!;
        Assert.Equal(["language", "personaProfile", "userProfile"], body["required"]!.AsArray().Select(x => (string)x!).Order(StringComparer.Ordinal));
        Assert.Equal(["id"], body["properties"]!["userProfile"]!["required"]!.AsArray().Select(x => (string)x!));
        Assert.NotNull(doc["components"]!["schemas"]!["SuggestionResponse"]);
        var generate = doc["paths"]!["/cs/v1/content_creation/conversations/generate"]!["post"]!;
        Assert.Equal("content-creation-conversation-generate", (string?)generate["operationId"]);
        var generateBody = generate["requestBody"]!["content"]!["application/json"]!["schema"]!;
        Assert.Equal(["language", "personaProfile", "userProfile"], generateBody["required"]!.AsArray().Select(x => (string)x!).Order(StringComparer.Ordinal));
        Assert.NotNull(generateBody["properties"]!["messages"]);
    }
}
