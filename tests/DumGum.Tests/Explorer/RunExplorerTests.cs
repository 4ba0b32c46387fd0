using System.Net;
using System.Text.Json.Nodes;
using DumGum.Storage;
using DumGum.Tests.Infrastructure;
using DumGum.Webhooks;

namespace DumGum.Tests.Explorer;

/// <summary>
/// The Response explorer and Usage data through the admin API, end to end: a real server, a fake customer and a fake
/// model server. One answered run (hostile signal → guardrail stop, first delivery attempt refused) and one dropped run
/// (the customer has no such profile: <c>CUSTOMER_ENDPOINT_FAILED</c>).
/// </summary>
public abstract class RunExplorerTests(StorageProvider provider) : StorageSuite(provider)
{
    const string User = "u-explore", Persona = "p-explore", Ghost = "u-ghost";
    const string Backend = "llama-3.1-8b-instruct";

    sealed record Setup(DumGumHost Host, FakeCustomer Customer, FakeModelServer Model, DumGumHost.TestProject Project,
        DumGumHost.TestProject Other) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await Host.DisposeAsync();
            await Customer.DisposeAsync();
            await Model.DisposeAsync();
        }
    }

    async Task<Setup> RunBothAsync()
    {
        var model = await FakeModelServer.StartAsync();
        var customer = await FakeCustomer.StartAsync();
        var host = StartHost(settings: new()
        {
            ["Generation:Provider"] = "OpenAI",
            ["Generation:Endpoint"] = model.Endpoint,
            ["Generation:ApiKey"] = "sk-test-explorer",
            ["Generation:Models:dating-smart-1:BackendModel"] = Backend,
            ["Generation:Models:dating-smart-1:InputPricePerMillion"] = "2.5",
            ["Generation:Models:dating-smart-1:OutputPricePerMillion"] = "10",
        });
        var project = await host.CreateProjectAsync(customer);
        var other = await host.CreateProjectAsync(customer);
        customer.AddPair(User, Persona, "You are useless and I hate this app.");
        customer.AddUserText(Ghost, Persona, "Hello?");
        // The first POST of answer.created is refused, the retry accepted: the detail shows both attempts.
        var refused = 0;
        customer.IncomingStatus = e => e.Event == Events.AnswerCreated && Interlocked.Increment(ref refused) == 1 ? 503 : 204;
        // 2345 + 67 tokens at 2.5 and 10 per million: 0.0058625 + 0.00067 = 0.0065325, reported as 0.0065.
        model.Enqueue(new ModelReply(ModelReply.Structured(["Wow, okay. I'm going to step away from this chat."], trueSignal: "hostile"),
            PromptTokens: 2345, CompletionTokens: 67));

        using (var answered = await host.EnqueueAsync(project.Key, new
        {
            userProfileId = User, personaProfileId = Persona, language = "EN", replyParameters = new { bufferSeconds = "0" },
        }))
            Assert.Equal(HttpStatusCode.NoContent, answered.StatusCode);
        await customer.WaitForEventAsync(Events.AnswerCreated, User, seconds: 30);
        using (var dropped = await host.EnqueueAsync(project.Key, new
        {
            userProfileId = Ghost, personaProfileId = Persona, language = "EN", replyParameters = new { bufferSeconds = "0" },
        }))
            Assert.Equal(HttpStatusCode.NoContent, dropped.StatusCode);
        await customer.WaitForEventAsync(Events.ConversationDropped, Ghost, seconds: 30);
        return new Setup(host, customer, model, project, other);
    }

    static List<JsonObject> Items(JsonObject page) => page["items"]!.AsArray().Select(i => i!.AsObject()).ToList();

    [Fact]
    public async Task Runs_are_listed_newest_first_with_their_fields_and_every_filter()
    {
        await using var s = await RunBothAsync();
        var runs = $"/admin/v1/projects/{s.Project.Id}/runs";

        var all = Items(await s.Host.AdminJsonAsync(HttpMethod.Get, runs));
        Assert.Equal(2, all.Count);
        var (drop, answer) = (all[0], all[1]);

        Assert.Equal("ANSWER", (string?)answer["outcome"]);
        Assert.Equal(User, (string?)answer["userProfileId"]);
        Assert.Equal(Persona, (string?)answer["personaProfileId"]);
        Assert.Equal("USER_HOSTILE", (string?)answer["stopReason"]);
        Assert.Null((string?)answer["dropReason"]);
        Assert.Equal("dating-smart-1", (string?)answer["chatModel"]);
        Assert.Equal(Backend, (string?)answer["backendModel"]);
        Assert.False((bool)answer["testMode"]!);
        Assert.Equal(2345, (long)answer["inputTokens"]!);
        Assert.Equal(67, (long)answer["outputTokens"]!);
        Assert.Equal(0.0065m, (decimal)answer["cost"]!);
        Assert.Equal(1, (int)answer["parts"]!);
        Assert.Equal(1, (int)answer["attempts"]!);
        Assert.Empty(answer["regenerationReasons"]!.AsArray());
        Assert.True((bool)answer["checks"]!["signals"]!["hostile"]!);
        Assert.Equal("USER_HOSTILE", (string?)answer["checks"]!["stop"]!["reason"]);
        Assert.NotNull((long?)answer["fetchMs"]);
        Assert.NotNull((long?)answer["generateMs"]);
        var answerId = (string)answer["answerId"]!;
        var delivered = (await s.Customer.WaitForEventAsync(Events.AnswerCreated, User))[0].Data["answer"]!;
        Assert.Equal((string?)delivered["id"], answerId);

        Assert.Equal("DROP", (string?)drop["outcome"]);
        Assert.Equal(Ghost, (string?)drop["userProfileId"]);
        Assert.Equal("CUSTOMER_ENDPOINT_FAILED", (string?)drop["dropReason"]);
        Assert.False(string.IsNullOrEmpty((string?)drop["detail"]));
        Assert.Null((string?)drop["answerId"]);
        Assert.Equal(0m, (decimal)drop["cost"]!);
        Assert.Equal("dating-smart-1", (string?)drop["chatModel"]);

        async Task<List<long>> Ids(string query) =>
            Items(await s.Host.AdminJsonAsync(HttpMethod.Get, runs + query)).Select(i => (long)i["id"]!).ToList();
        var (dropId, answerId2) = ((long)drop["id"]!, (long)answer["id"]!);
        Assert.Equal([answerId2], await Ids($"?userProfileId={User}"));
        Assert.Equal([dropId, answerId2], await Ids($"?personaProfileId={Persona}"));
        Assert.Equal([answerId2], await Ids("?outcome=ANSWER"));
        Assert.Equal([dropId], await Ids("?outcome=DROP"));
        Assert.Equal([answerId2], await Ids("?stopReason=USER_HOSTILE"));
        Assert.Equal([dropId], await Ids("?dropReason=CUSTOMER_ENDPOINT_FAILED"));
        Assert.Empty(await Ids("?dropReason=TIMEOUT"));
        Assert.Equal([dropId, answerId2], await Ids("?model=dating-smart-1"));
        Assert.Empty(await Ids("?model=dating-fast-1"));
        Assert.Equal([dropId, answerId2], await Ids("?testMode=false"));
        Assert.Empty(await Ids("?testMode=true"));
        var since = Uri.EscapeDataString(DateTimeOffset.UtcNow.AddMinutes(-10).ToString("O"));
        Assert.Equal([dropId, answerId2], await Ids($"?since={since}&until={Uri.EscapeDataString(DateTimeOffset.UtcNow.AddMinutes(1).ToString("O"))}"));
        Assert.Empty(await Ids($"?until={since}"));

        // Keyset pages: one run each, then none.
        var first = await s.Host.AdminJsonAsync(HttpMethod.Get, runs + "?limit=1");
        Assert.Equal(dropId, (long)Items(first)[0]["id"]!);
        var second = await s.Host.AdminJsonAsync(HttpMethod.Get, runs + $"?limit=1&before={(long)first["nextBefore"]!}");
        Assert.Equal(answerId2, (long)Items(second)[0]["id"]!);
        var third = await s.Host.AdminJsonAsync(HttpMethod.Get, runs + $"?limit=1&before={(long)second["nextBefore"]!}");
        Assert.Empty(Items(third));
        Assert.Null(third["nextBefore"]);

        // Another project sees none of them.
        Assert.Empty(Items(await s.Host.AdminJsonAsync(HttpMethod.Get, $"/admin/v1/projects/{s.Other.Id}/runs")));
    }

    [Fact]
    public async Task A_run_detail_shows_its_parts_itemisation_events_and_attempts_and_only_in_its_project()
    {
        await using var s = await RunBothAsync();
        var runs = $"/admin/v1/projects/{s.Project.Id}/runs";
        var answerRun = (long)Items(await s.Host.AdminJsonAsync(HttpMethod.Get, runs + "?outcome=ANSWER"))[0]["id"]!;
        var dropRun = (long)Items(await s.Host.AdminJsonAsync(HttpMethod.Get, runs + "?outcome=DROP"))[0]["id"]!;

        // Statuses and attempt logs are written just after each POST: poll until the retry shows.
        var detail = await PollAsync(s.Host, $"{runs}/{answerRun}", d =>
            d["events"]!.AsArray().Any(e => (string?)e!["event"] == Events.AnswerCreated && (string?)e["status"] == "delivered"
                                            && e["attemptLog"]!.AsArray().Count == 2)
            && d["firstPartDeliveryMs"] is not null);

        Assert.Equal(answerRun, (long)detail["run"]!["id"]!);
        var part = Assert.Single(detail["answers"]!.AsArray())!;
        Assert.Equal("Wow, okay. I'm going to step away from this chat.", (string?)part["answer"]!["text"]);
        Assert.Equal("USER_HOSTILE", (string?)part["answer"]!["conversationStopReason"]);
        var items = detail["itemisation"]!;
        Assert.Equal(2345, (long)items["inputTokens"]!);
        Assert.Equal(Backend, (string?)items["backendModel"]);
        var blocks = items["blocks"]!.AsArray();
        Assert.NotEmpty(blocks);
        Assert.All(blocks, b => Assert.True((int)b!["tokens"]! > 0));

        var events = detail["events"]!.AsArray().Select(e => e!.AsObject()).ToList();
        Assert.Equal([Events.AnswerProcessing, Events.AnswerCreated], events.Select(e => (string?)e["event"]));
        var created = events[1];
        Assert.Equal(2, (int)created["attempts"]!);
        Assert.False(string.IsNullOrEmpty((string?)created["webhookId"]));
        Assert.Equal([503, 204], created["attemptLog"]!.AsArray().Select(a => (int?)a!["status"]));
        Assert.Equal([1, 2], created["attemptLog"]!.AsArray().Select(a => (int)a!["attempt"]!));
        Assert.NotNull((string?)created["deliveredAt"]);
        Assert.Equal("delivered", (string?)events[0]["status"]);
        Assert.Equal([204], events[0]["attemptLog"]!.AsArray().Select(a => (int?)a!["status"]));
        Assert.True((long)detail["firstPartDeliveryMs"]! >= 0);

        var dropDetail = await PollAsync(s.Host, $"{runs}/{dropRun}", d =>
            d["events"]!.AsArray().Any(e => (string?)e!["status"] == "delivered" && e["attemptLog"]!.AsArray().Count == 1));
        Assert.Empty(dropDetail["answers"]!.AsArray());
        Assert.Null(dropDetail["itemisation"]);
        Assert.Null(dropDetail["firstPartDeliveryMs"]);
        Assert.Equal([Events.AnswerProcessing, Events.ConversationDropped],
            dropDetail["events"]!.AsArray().Select(e => (string?)e!["event"]));

        // Another project's path, an unknown run and a run id that is not a number are all 404.
        await s.Host.AdminJsonAsync(HttpMethod.Get, $"/admin/v1/projects/{s.Other.Id}/runs/{answerRun}", expectedStatus: 404);
        await s.Host.AdminJsonAsync(HttpMethod.Get, $"{runs}/{answerRun + 1000}", expectedStatus: 404);
        var problem = await s.Host.AdminJsonAsync(HttpMethod.Get, $"{runs}/abc", expectedStatus: 404);
        Assert.Equal("urn:dumgum:problem:not-found", (string?)problem["type"]);
    }

    [Fact]
    public async Task Usage_counts_answers_drops_tokens_cost_and_customer_errors_also_as_csv()
    {
        await using var s = await RunBothAsync();
        var usage = $"/admin/v1/projects/{s.Project.Id}/usage";
        // Customer calls are counted with the log batch, just after each call: poll for the refused POST's retry.
        var series = await PollAsync(s.Host, usage, u => (long)u["totals"]!["customerCalls"]! >= 7);
        var totals = series["totals"]!;
        Assert.Equal(1, (long)totals["answers"]!);
        Assert.Equal(1, (long)totals["drops"]!["customerEndpointFailed"]!);
        Assert.Equal(0, (long)totals["drops"]!["timeout"]!);
        Assert.Equal(1, (long)totals["drops"]!["total"]!);
        Assert.Equal(2345, (long)totals["inputTokens"]!);
        Assert.Equal(67, (long)totals["outputTokens"]!);
        Assert.Equal(0.0065m, (decimal)totals["cost"]!);
        // Calls: answered run history + 2 profiles, dropped run history + user profile (404) + persona from cache,
        // processing ×2, answer.created ×2 (503, then 204), conversation.dropped.
        Assert.Equal(2, (long)totals["customerErrors"]!);
        Assert.NotNull((long?)totals["p50Ms"]);
        Assert.NotNull((long?)totals["p95Ms"]);
        // The last 24 hours, widened to whole hours: 25 points unless now is exactly on the hour.
        var points = series["points"]!.AsArray().Count;
        Assert.InRange(points, 24, 25);
        Assert.Equal(1, series["points"]!.AsArray().Sum(p => (long)p!["answers"]!));

        var daily = await s.Host.AdminJsonAsync(HttpMethod.Get, usage + "?granularity=day&from=" +
            Uri.EscapeDataString(DateTimeOffset.UtcNow.AddDays(-2).ToString("O")));
        Assert.Equal(1, (long)daily["totals"]!["answers"]!);
        Assert.Equal(1, daily["points"]!.AsArray().Sum(p => (long)p!["answers"]!));
        Assert.Equal("day", (string?)daily["granularity"]);
        Assert.Equal("hour", (string?)series["granularity"]);

        using var csv = await s.Host.Http.SendAsync(DumGumHost.Admin(HttpMethod.Get, $"/admin/v1/projects/{s.Project.Id}/usage.csv"),
            TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, csv.StatusCode);
        Assert.Equal("text/csv", csv.Content.Headers.ContentType?.MediaType);
        var lines = (await csv.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("start,answers,drops_timeout,", lines[0], StringComparison.Ordinal);
        Assert.InRange(lines.Length, 25, 26);
        Assert.Equal(1, lines.Skip(1).Sum(l => long.Parse(l.Split(',')[1], System.Globalization.CultureInfo.InvariantCulture)));
        Assert.Contains(lines, l => l.Split(',')[8] == "0.0065");

        // Another project used nothing.
        var other = await s.Host.AdminJsonAsync(HttpMethod.Get, $"/admin/v1/projects/{s.Other.Id}/usage");
        Assert.Equal(0, (long)other["totals"]!["answers"]!);
        Assert.Equal(0, (long)other["totals"]!["customerCalls"]!);
    }

    [Theory]
    [InlineData("runs?testMode=maybe", "testMode")]
    [InlineData("runs?limit=0", "limit")]
    [InlineData("runs?limit=201", "limit")]
    [InlineData("runs?dropReason=BORED", "dropReason")]
    [InlineData("runs?outcome=MAYBE", "outcome")]
    [InlineData("runs?since=yesterday", "since")]
    [InlineData("runs?until=soon", "until")]
    [InlineData("runs?before=x", "before")]
    [InlineData("usage?granularity=week", "granularity")]
    [InlineData("usage?from=2020-01-01T00:00:00Z&to=2020-03-01T00:00:00Z", "from")]
    [InlineData("usage?from=2020-01-02T00:00:00Z&to=2020-01-01T00:00:00Z", "from")]
    [InlineData("usage.csv?to=tomorrow", "to")]
    [InlineData("logs?until=later", "until")]
    public async Task A_bad_parameter_is_a_400_naming_it(string path, string parameter)
    {
        await using var customer = await FakeCustomer.StartAsync();
        await using var host = StartHost();
        var project = await host.CreateProjectAsync(customer);
        var problem = await host.AdminJsonAsync(HttpMethod.Get, $"/admin/v1/projects/{project.Id}/{path}", expectedStatus: 400);
        Assert.Equal("urn:dumgum:problem:validation", (string?)problem["type"]);
        Assert.True(problem["errors"]!.AsObject().ContainsKey(parameter), problem.ToJsonString());
        await host.AdminJsonAsync(HttpMethod.Get, $"/admin/v1/projects/proj_nope/{path.Split('?')[0]}", expectedStatus: 404);
    }

    static async Task<JsonObject> PollAsync(DumGumHost host, string path, Func<JsonObject, bool> done)
    {
        var until = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            var json = await host.AdminJsonAsync(HttpMethod.Get, path);
            if (done(json)) return json;
            if (DateTime.UtcNow > until) throw new TimeoutException($"{path} never matched: {json.ToJsonString()}");
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
    }
}

public sealed class RunExplorerTestsOnSqlite() : RunExplorerTests(StorageProvider.Sqlite);

public sealed class RunExplorerTestsOnPostgres() : RunExplorerTests(StorageProvider.Postgres);
