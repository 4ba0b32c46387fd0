using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using DumGum.Tests.Infrastructure;
using DumGum.Webhooks;
using Microsoft.Data.Sqlite;

namespace DumGum.Tests.Api;

/// <summary>
/// Two servers: <see cref="Strict"/> only ever receives invalid enqueues (so its database must stay empty and its
/// customer must never be called); <see cref="Host"/> receives the valid ones.
/// </summary>
public sealed class EnqueueValidationFixture : IAsyncLifetime
{
    /// <summary>A chat model added through configuration, to prove the error lists the configured models.</summary>
    public const string ExtraChatModel = "house-model-7";

    public DumGumHost Strict { get; private set; } = null!;
    public FakeCustomer StrictCustomer { get; private set; } = null!;
    public DumGumHost.TestProject StrictProject { get; private set; } = null!;

    public DumGumHost Host { get; private set; } = null!;
    public FakeCustomer Customer { get; private set; } = null!;
    public DumGumHost.TestProject Project { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        StrictCustomer = await FakeCustomer.StartAsync();
        Strict = DumGumHost.Start(settings: new() { ["Generation:Models:" + ExtraChatModel + ":BackendModel"] = "house-backend-7" });
        StrictProject = await Strict.CreateProjectAsync(StrictCustomer);

        Customer = await FakeCustomer.StartAsync();
        Host = DumGumHost.Start();
        Project = await Host.CreateProjectAsync(Customer);
    }

    public async ValueTask DisposeAsync()
    {
        // Null-safe: when InitializeAsync failed part-way, report that failure rather than a cleanup one.
        if (Strict is not null) await Strict.DisposeAsync();
        if (Host is not null) await Host.DisposeAsync();
        if (StrictCustomer is not null) await StrictCustomer.DisposeAsync();
        if (Customer is not null) await Customer.DisposeAsync();
    }
}

public sealed class EnqueueValidationTests(EnqueueValidationFixture f) : IClassFixture<EnqueueValidationFixture>
{
    static readonly string[] Languages =
    [
        "EN", "EN_GB", "FR", "FR_BE", "RO", "NL", "ES", "DE", "DE_CH", "DE_AT", "IT", "ES_LATAM", "BG", "HE", "JA", "NL_BE",
        "EN_AU", "PT_PT", "PT_BR", "SV_SE", "DA_DK", "FI_FI", "PL_PL", "LT_LT", "NB_NO", "NN_NO",
    ];

    /// <summary>
    /// A valid body that would be answered at once (bufferSeconds 0) if the server let it through, with
    /// <paramref name="change"/> applied to break it.
    /// </summary>
    static string Body(Action<JsonObject>? change = null)
    {
        var body = new JsonObject
        {
            ["userProfileId"] = "u-invalid", ["personaProfileId"] = "p-invalid", ["language"] = "EN",
            ["replyParameters"] = new JsonObject { ["bufferSeconds"] = "0" },
        };
        change?.Invoke(body);
        return body.ToJsonString();
    }

    static string Reply(string name, JsonNode? value) => Body(b => b["replyParameters"]![name] = value);

    static JsonObject ManyTags(int count)
    {
        var tags = new JsonObject();
        for (var i = 0; i < count; i++) tags["t" + i] = i;
        return tags;
    }

    static readonly string LongKey = new('k', 65);

    /// <summary>Case name, body, the one error path expected, and '|'-separated fragments the message must contain.</summary>
    static readonly (string Name, string Body, string Path, string MustContain)[] Cases =
    [
        ("userProfileId missing", Body(b => b.Remove("userProfileId")), "userProfileId", "required"),
        ("personaProfileId missing", Body(b => b.Remove("personaProfileId")), "personaProfileId", "required"),
        ("language missing", Body(b => b.Remove("language")), "language", "required"),
        ("userProfileId null", Body(b => b["userProfileId"] = null), "userProfileId", "required"),
        ("personaProfileId null", Body(b => b["personaProfileId"] = null), "personaProfileId", "required"),
        ("language null", Body(b => b["language"] = null), "language", "required"),
        ("userProfileId number", Body(b => b["userProfileId"] = 70412), "userProfileId", "string"),
        ("testMode string", Body(b => b["testMode"] = "true"), "testMode", "boolean"),
        ("tags array", Body(b => b["tags"] = new JsonArray("a")), "tags", "object"),
        ("replyParameters string", Body(b => b["replyParameters"] = "fast"), "replyParameters", "object"),
        ("bufferSeconds abc", Reply("bufferSeconds", "abc"), "replyParameters.bufferSeconds", "0 to 60"),
        ("bufferSeconds 61", Reply("bufferSeconds", 61), "replyParameters.bufferSeconds", "0 to 60"),
        ("maxProcessingTimeSeconds 5", Reply("maxProcessingTimeSeconds", 5), "replyParameters.maxProcessingTimeSeconds", "10 to 3600"),
        ("questionFrequency 2", Reply("questionFrequency", 2), "replyParameters.questionFrequency", "0 to 1"),
        ("language XX", Body(b => b["language"] = "XX"), "language", string.Join('|', Languages)),
        ("additionalLanguages[1] XX", Body(b => b["additionalLanguages"] = new JsonArray("ES", "XX")), "additionalLanguages[1]", string.Join('|', Languages)),
        ("replyTypingDelay SLOW", Reply("replyTypingDelay", "SLOW"), "replyParameters.replyTypingDelay", "INSTANT|NORMAL|FAST"),
        ("engage SOMETIMES", Reply("engage", "SOMETIMES"), "replyParameters.engage", "ICEBREAKER|NUDGE|REVIVE|AUTO"),
        ("meetingPolicy ANYWHERE", Reply("meetingPolicy", "ANYWHERE"), "replyParameters.meetingPolicy", "DEFAULT_MODE|DEFERRED_MEETING|CHAT_ONLY"),
        ("emojis LOTS", Reply("emojis", "LOTS"), "replyParameters.emojis", "NONE|RARE|OCCASIONAL|FREQUENT"),
        ("chatModel gpt-x", Reply("chatModel", "gpt-x"), "replyParameters.chatModel",
            "dating-smart-1|chat-2-smart|chat-2-pro|" + EnqueueValidationFixture.ExtraChatModel),
        (
            "banDurations[0] -1",
            Reply("guardrails", new JsonObject { ["aiSuspicionOptionSet"] = new JsonObject { ["banDurations"] = new JsonArray(-1) } }),
            "replyParameters.guardrails.aiSuspicionOptionSet.banDurations[0]", "0 to 5256000"),
        (
            "sexualDrive EXTREME", Reply("personaProfileOverrides", new JsonObject { ["sexualDrive"] = "EXTREME" }),
            "replyParameters.personaProfileOverrides.sexualDrive", "VERY_LOW|LOW|MEDIUM|HIGH|VERY_HIGH"),
        ("51 tags", Body(b => b["tags"] = ManyTags(51)), "tags", "50"),
        ("65-character tag key", Body(b => b["tags"] = new JsonObject { [LongKey] = "x" }), "tags." + LongKey, "64"),
        ("513-character tag value", Body(b => b["tags"] = new JsonObject { ["funnel"] = new string('v', 513) }), "tags.funnel", "512"),
        ("object tag value", Body(b => b["tags"] = new JsonObject { ["nested"] = new JsonObject { ["a"] = 1 } }), "tags.nested", "string"),
        ("userProfileId 129 characters", Body(b => b["userProfileId"] = new string('u', 129)), "userProfileId", "128"),
        ("personaProfileId control character", Body(b => b["personaProfileId"] = "per\u0007ona"), "personaProfileId", "control"),
    ];

    public static TheoryData<string, string, string, string> InvalidBodies
    {
        get
        {
            var data = new TheoryData<string, string, string, string>();
            foreach (var c in Cases) data.Add(c.Name, c.Body, c.Path, c.MustContain);
            return data;
        }
    }

    [Theory]
    [MemberData(nameof(InvalidBodies))]
    public async Task Invalid_body_is_a_400_problem_at_the_exact_path_and_nothing_is_stored(string name, string body, string path, string mustContain)
    {
        using var response = await f.Strict.EnqueueRawAsync(f.StrictProject.Key, body);
        var problem = await ProblemAssert.ReadAsync(response, HttpStatusCode.BadRequest);

        var errors = problem["errors"]!.AsObject();
        Assert.True(errors.Count == 1 && errors.ContainsKey(path),
            $"{name}: expected exactly one error at '{path}', got {errors.ToJsonString()}");
        var message = string.Join(" ", ProblemAssert.Messages(problem, path));
        foreach (var fragment in mustContain.Split('|', StringSplitOptions.RemoveEmptyEntries))
            Assert.True(message.Contains(fragment, StringComparison.Ordinal), $"{name}: '{message}' should mention '{fragment}'");

        StrictDatabaseIsEmpty();
    }

    [Fact]
    public async Task Enum_error_lists_exactly_the_languages_once_each()
    {
        using var response = await f.Strict.EnqueueRawAsync(f.StrictProject.Key, Body(b => b["language"] = "XX"));
        var problem = await ProblemAssert.ReadAsync(response, HttpStatusCode.BadRequest);
        var message = ProblemAssert.Messages(problem, "language").Single();
        var listed = message[(message.IndexOf(':', StringComparison.Ordinal) + 1)..].Split(',', StringSplitOptions.TrimEntries);
        Assert.Equal(Languages.Order(StringComparer.Ordinal), listed.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Body_over_256_KiB_with_a_length_is_a_413_problem()
    {
        using var response = await f.Strict.EnqueueRawAsync(f.StrictProject.Key, OversizeBody());
        var problem = await ProblemAssert.ReadAsync(response, HttpStatusCode.RequestEntityTooLarge);
        ProblemAssert.Messages(problem, "$");
        StrictDatabaseIsEmpty();
    }

    [Fact]
    public async Task Body_over_256_KiB_sent_chunked_is_a_413_problem()
    {
        // No Content-Length: the limit must hold while reading, not only against the header.
        var bytes = Encoding.UTF8.GetBytes(OversizeBody());
        using var request = new HttpRequestMessage(HttpMethod.Post, "/cs/v1/content_creation/conversations/enqueue")
        {
            Content = new StreamContent(new NonSeekableStream(bytes)),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", f.StrictProject.Key);
        request.Headers.TransferEncodingChunked = true;
        using var response = await f.Strict.Http.SendAsync(request, TestContext.Current.CancellationToken);
        var problem = await ProblemAssert.ReadAsync(response, HttpStatusCode.RequestEntityTooLarge);
        ProblemAssert.Messages(problem, "$");
        StrictDatabaseIsEmpty();
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/x-www-form-urlencoded")]
    public async Task Non_json_content_type_is_a_415_problem(string contentType)
    {
        // The body itself is a valid enqueue: only the Content-Type is wrong.
        using var response = await f.Strict.EnqueueRawAsync(f.StrictProject.Key, Body(), contentType);
        await ProblemAssert.ReadAsync(response, HttpStatusCode.UnsupportedMediaType);
        StrictDatabaseIsEmpty();
    }

    [Fact]
    public async Task Missing_content_type_is_a_415_problem_at_the_root()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/cs/v1/content_creation/conversations/enqueue")
        {
            Content = new ByteArrayContent(Encoding.UTF8.GetBytes(Body())),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", f.StrictProject.Key);
        using var response = await f.Strict.Http.SendAsync(request, TestContext.Current.CancellationToken);
        var problem = await ProblemAssert.ReadAsync(response, HttpStatusCode.UnsupportedMediaType);
        Assert.False(string.IsNullOrWhiteSpace((string?)problem["detail"]));
        ProblemAssert.Messages(problem, "$");
        StrictDatabaseIsEmpty();
    }

    [Fact]
    public async Task Text_plain_415_is_the_servers_own_problem_with_detail_and_root_error()
    {
        using var response = await f.Strict.EnqueueRawAsync(f.StrictProject.Key, Body(), "text/plain");
        var problem = await ProblemAssert.ReadAsync(response, HttpStatusCode.UnsupportedMediaType);
        Assert.Equal("urn:dumgum:problem:unsupported-media-type", (string?)problem["type"]);
        Assert.False(string.IsNullOrWhiteSpace((string?)problem["detail"]));
        ProblemAssert.Messages(problem, "$");
    }

    [Theory]
    [InlineData("application/json; charset=utf-8")]
    [InlineData("application/vnd.dumgum+json")]
    public async Task Json_media_types_with_parameters_or_suffix_reach_validation(string contentType)
    {
        // An invalid body, so that reaching validation (400 at the exact path) proves the Content-Type was accepted.
        using var response = await f.Strict.EnqueueRawAsync(f.StrictProject.Key, Body(b => b.Remove("language")), contentType);
        var problem = await ProblemAssert.ReadAsync(response, HttpStatusCode.BadRequest);
        ProblemAssert.Messages(problem, "language");
        StrictDatabaseIsEmpty();
    }

    [Fact]
    public async Task Malformed_json_is_a_400_problem_at_the_root()
    {
        using var response = await f.Strict.EnqueueRawAsync(f.StrictProject.Key, """{"userProfileId": "u-invalid", "personaProfileId": """);
        var problem = await ProblemAssert.ReadAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal(["$"], problem["errors"]!.AsObject().Select(e => e.Key));
        StrictDatabaseIsEmpty();
    }

    [Fact]
    public async Task Json_array_body_is_a_400_problem_at_the_root()
    {
        using var response = await f.Strict.EnqueueRawAsync(f.StrictProject.Key, "[" + Body() + "]");
        var problem = await ProblemAssert.ReadAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal(["$"], problem["errors"]!.AsObject().Select(e => e.Key));
        StrictDatabaseIsEmpty();
    }

    [Fact]
    public async Task After_every_invalid_request_nothing_is_queued_and_the_customer_is_never_called()
    {
        foreach (var c in Cases)
        {
            using var response = await f.Strict.EnqueueRawAsync(f.StrictProject.Key, c.Body);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        }
        using (var r = await f.Strict.EnqueueRawAsync(f.StrictProject.Key, OversizeBody())) Assert.Equal(HttpStatusCode.RequestEntityTooLarge, r.StatusCode);
        using (var r = await f.Strict.EnqueueRawAsync(f.StrictProject.Key, Body(), "text/plain")) Assert.Equal(HttpStatusCode.UnsupportedMediaType, r.StatusCode);
        using (var r = await f.Strict.EnqueueRawAsync(f.StrictProject.Key, "{")) Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
        using (var r = await f.Strict.EnqueueRawAsync(f.StrictProject.Key, "[" + Body() + "]")) Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);

        // Every invalid body asked for bufferSeconds 0: a request wrongly taken in would hold the scheduler (it is told
        // before the response) until its run and deliveries are done, so a quiet server has called whatever it would.
        await f.Strict.WaitQuietAsync();
        StrictDatabaseIsEmpty();
        Assert.Empty(f.StrictCustomer.Calls);
        Assert.Empty(f.StrictCustomer.Attempts);
    }

    // ---- accepted ----

    [Fact]
    public async Task Numeric_strings_are_accepted_and_stored_as_numbers()
    {
        var user = NewId("u");
        using var response = await f.Host.EnqueueAsync(f.Project.Key, new JsonObject
        {
            ["userProfileId"] = user, ["personaProfileId"] = "p-1", ["language"] = "EN",
            ["replyParameters"] = new JsonObject { ["bufferSeconds"] = "5", ["maxProcessingTimeSeconds"] = "120", ["questionFrequency"] = "0.25" },
        });
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);

        var stored = StoredRequest(user);
        var parameters = stored["replyParameters"]!.AsObject();
        Assert.Equal(System.Text.Json.JsonValueKind.Number, parameters["bufferSeconds"]!.GetValueKind());
        Assert.Equal(5, (int)parameters["bufferSeconds"]!);
        Assert.Equal(120, (int)parameters["maxProcessingTimeSeconds"]!);
        Assert.Equal(0.25, (double)parameters["questionFrequency"]!);
    }

    [Fact]
    public async Task Property_names_match_case_insensitively()
    {
        var user = NewId("u");
        using var response = await f.Host.EnqueueRawAsync(f.Project.Key,
            $$$"""{"UserProfileId": "{{{user}}}", "PERSONAPROFILEID": "p-1", "Language": "es", "ReplyParameters": {"BufferSeconds": 60, "EMOJIS": "rare"}}""");
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);

        var stored = StoredRequest(user);
        Assert.Equal(user, (string?)stored["userProfileId"]);
        Assert.Equal("p-1", (string?)stored["personaProfileId"]);
        Assert.Equal("ES", (string?)stored["language"]);
        Assert.Equal(60, (int)stored["replyParameters"]!["bufferSeconds"]!);
        Assert.Equal("RARE", (string?)stored["replyParameters"]!["emojis"]);
    }

    [Fact]
    public async Task Unknown_properties_are_ignored()
    {
        var user = NewId("u");
        using var response = await f.Host.EnqueueRawAsync(f.Project.Key,
            $$$"""{"userProfileId": "{{{user}}}", "personaProfileId": "p-1", "language": "EN", "favouriteColour": {"deep": [1, 2]}, "replyParameters": {"bufferSeconds": 60, "turbo": true}}""");
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);

        var stored = StoredRequest(user);
        Assert.False(stored.ContainsKey("favouriteColour"));
        Assert.False(stored["replyParameters"]!.AsObject().ContainsKey("turbo"));
    }

    [Fact]
    public async Task EN_UK_is_accepted_as_EN_GB()
    {
        var user = NewId("u");
        using var response = await f.Host.EnqueueAsync(f.Project.Key, new
        {
            userProfileId = user, personaProfileId = "p-1", language = "EN_UK", additionalLanguages = new[] { "en_uk", "DE_CH" },
            replyParameters = new { bufferSeconds = 60 },
        });
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);

        var stored = StoredRequest(user);
        Assert.Equal("EN_GB", (string?)stored["language"]);
        Assert.Equal("""["EN_GB","DE_CH"]""", stored["additionalLanguages"]!.ToJsonString());
    }

    [Fact]
    public async Task Valid_enqueue_with_bufferSeconds_0_is_stored_and_answered()
    {
        var user = NewId("u");
        f.Customer.Profiles[user] = FakeCustomer.Profile(user, "Tomas");
        f.Customer.Profiles["p-answer"] = FakeCustomer.Profile("p-answer", "Marta");
        f.Customer.AddUserText(user, "p-answer", "Hi! How was your day?");

        using var response = await f.Host.EnqueueAsync(f.Project.Key, new
        {
            userProfileId = user, personaProfileId = "p-answer", language = "EN", replyParameters = new { bufferSeconds = "0", replyTypingDelay = "INSTANT" },
        });
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        // The same read-only check that proves the strict server empty sees this conversation.
        Assert.Equal(1, Scalar(f.Host.DatabasePath, "SELECT COUNT(*) FROM conversations WHERE user_profile_id = $u", ("$u", user)));

        var created = (await f.Customer.WaitForEventAsync(Events.AnswerCreated, user))[0];
        Assert.Equal("p-answer", (string?)created.Data["answer"]!["personaProfileId"]);
        Assert.Contains(f.Customer.Calls, c => c.Path == "/history" && c.Query.Contains("userProfileId=" + user, StringComparison.Ordinal));
    }

    // ---- helpers ----

    static string NewId(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..10];

    static string OversizeBody() =>
        Body(b => b["padding"] = new string('x', 256 * 1024));   // an unknown property: valid JSON, valid body, too big

    void StrictDatabaseIsEmpty()
    {
        Assert.Equal(0, Scalar(f.Strict.DatabasePath, "SELECT COUNT(*) FROM enqueues"));
        Assert.Equal(0, Scalar(f.Strict.DatabasePath, "SELECT COUNT(*) FROM conversations"));
    }

    JsonObject StoredRequest(string user)
    {
        using var connection = ReadOnlyDatabase.Open(f.Host.DatabasePath);
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT e.request FROM enqueues e JOIN conversations c ON c.id = e.conversation_id WHERE c.user_profile_id = $u
            """;
        command.Parameters.AddWithValue("$u", user);
        var text = command.ExecuteScalar() as string;
        Assert.True(text is not null, $"no stored enqueue for {user}");
        return JsonNode.Parse(text)!.AsObject();
    }

    static long Scalar(string databasePath, string sql, params (string Name, object Value)[] parameters) =>
        ReadOnlyDatabase.Scalar(databasePath, sql, parameters);

    sealed class NonSeekableStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }
}

/// <summary>Asserts on RFC 9457 problem answers (docs/behaviour.md, "Requests and errors").</summary>
static class ProblemAssert
{
    public static async Task<JsonObject> ReadAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.StatusCode == status, $"expected {(int)status}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonNode.Parse(text)!.AsObject();
        Assert.Equal((int)status, (int?)problem["status"]);
        Assert.False(string.IsNullOrWhiteSpace((string?)problem["traceId"]), $"traceId is missing: {text}");
        Assert.False(string.IsNullOrWhiteSpace((string?)problem["type"]), $"type is missing: {text}");
        Assert.False(string.IsNullOrWhiteSpace((string?)problem["title"]), $"title is missing: {text}");
        return problem;
    }

    public static string[] Messages(JsonObject problem, string path)
    {
        var errors = problem["errors"] as JsonObject;
        Assert.True(errors is not null, $"no errors map in {problem.ToJsonString()}");
        Assert.True(errors.ContainsKey(path), $"expected an error at '{path}', got {errors.ToJsonString()}");
        var messages = errors[path]!.AsArray().Select(m => (string)m!).ToArray();
        Assert.NotEmpty(messages);
        Assert.All(messages, m => Assert.False(string.IsNullOrWhiteSpace(m)));
        return messages;
    }

    public static void IsBearerChallenge(HttpResponseMessage response) =>
        Assert.Contains(response.Headers.WwwAuthenticate, h => h.Scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase));
}

/// <summary>Reads the server's SQLite file through a separate read-only connection.</summary>
static class ReadOnlyDatabase
{
    public static SqliteConnection Open(string path)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = path, Mode = SqliteOpenMode.ReadOnly, Pooling = false,
        }.ToString());
        connection.Open();
        return connection;
    }

    public static long Scalar(string path, string sql, params (string Name, object Value)[] parameters)
    {
        using var connection = Open(path);
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value);
        return (long)command.ExecuteScalar()!;
    }
}
