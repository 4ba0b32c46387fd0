using System.Net;
using System.Text.Json.Nodes;
using DumGum.Guardrails;
using DumGum.Storage;
using DumGum.Tests.Infrastructure;
using DumGum.Webhooks;

namespace DumGum.Tests.Pipeline;

/// <summary>
/// The safety replies end to end through a real host (docs/behaviour.md, "Safety replies", "Self-harm", "AI disclosure"):
/// exits in every offline language, self-harm care with the helpline of the user's country and no ban, the run flagged
/// in the itemisation and counted in usage, a model's unfit reply replaced, and the three disclosure policies.
/// </summary>
public abstract class SafetyFlowTests(StorageProvider provider) : StorageSuite(provider)
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    static object Enqueue(string user, string persona = "p1", string language = "EN", bool testMode = true) => new
    {
        userProfileId = user, personaProfileId = persona, language, testMode, replyParameters = new { bufferSeconds = 0 },
    };

    static async Task<JsonObject> AnswerAsync(FakeCustomer customer, string user, int count = 1) =>
        (await customer.WaitForEventAsync(Events.AnswerCreated, user, count, seconds: 30))[count - 1].Data["answer"]!.AsObject();

    static async Task<JsonObject> PollAsync(DumGumHost host, string path, Func<JsonObject, bool> done)
    {
        var until = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            var json = await host.AdminJsonAsync(HttpMethod.Get, path);
            if (done(json)) return json;
            if (DateTime.UtcNow > until) throw new TimeoutException($"{path} never matched: {json.ToJsonString()}");
            await Task.Delay(50, Ct);
        }
    }

    static JsonObject Profile(string id, string name, string? country)
    {
        var p = FakeCustomer.Profile(id, name);
        if (country is null) p.Remove("countryCode");
        else p["countryCode"] = country;
        return p;
    }

    static readonly (string Language, string Text)[] UnderageByLanguage =
    [
        ("EN", "hey, I'm 15 years old btw"),
        ("FR", "au fait j'ai 15 ans"),
        ("DE", "ich bin 15 Jahre alt"),
        ("ES", "tengo 15 años jaja"),
        ("IT", "ho 15 anni"),
        ("NL", "ik ben 15 jaar oud"),
        ("PT_BR", "tenho 15 anos"),
    ];

    [Fact]
    public async Task An_underage_stop_ends_the_chat_in_every_offline_language_without_a_question_or_the_topic()
    {
        await using var customer = await FakeCustomer.StartAsync();
        await using var host = StartHost();
        var project = await host.CreateProjectAsync(customer);
        customer.Profiles["p1"] = FakeCustomer.Profile("p1", "Marta");
        foreach (var (language, text) in UnderageByLanguage)
        {
            var user = "u-" + language;
            customer.Profiles[user] = FakeCustomer.Profile(user, "Sam");
            customer.AddUserText(user, "p1", text);
            using var r = await host.EnqueueAsync(project.Key, Enqueue(user, language: language));
            Assert.Equal(HttpStatusCode.NoContent, r.StatusCode);
        }
        foreach (var (language, _) in UnderageByLanguage)
        {
            var answer = await AnswerAsync(customer, "u-" + language);
            Assert.Equal("USER_UNDERAGE", (string?)answer["conversationStopReason"]);
            var text = (string)answer["text"]!;
            Assert.Contains(text, SafetyMessages.For(language)!.Exit[StopReasons.UserUnderage].Select(t => SafetyMessages.Fill(t, "Sam")));
            Assert.DoesNotContain("?", text, StringComparison.Ordinal);
            Assert.DoesNotContain("15", text, StringComparison.Ordinal);
            Assert.Contains("18", text, StringComparison.Ordinal);
            Assert.Null(answer["pictureUrl"]);
        }
    }

    [Fact]
    public async Task Self_harm_gets_care_and_the_helpline_of_the_users_country_is_flagged_and_counted_and_never_banned()
    {
        await using var customer = await FakeCustomer.StartAsync();
        await using var host = StartHost();
        var project = await host.CreateProjectAsync(customer);
        customer.Profiles["p1"] = FakeCustomer.Profile("p1", "Marta");
        customer.Profiles["u-gb"] = Profile("u-gb", "Sam", "GB");
        customer.Profiles["u-none"] = Profile("u-none", "Kim", null);
        customer.AddUserText("u-gb", "p1", "honestly I just want to kill myself");
        customer.AddUserText("u-none", "p1", "ich will nicht mehr leben");

        using (var r = await host.EnqueueAsync(project.Key, Enqueue("u-gb"))) Assert.Equal(HttpStatusCode.NoContent, r.StatusCode);
        using (var r = await host.EnqueueAsync(project.Key, Enqueue("u-none", language: "DE"))) Assert.Equal(HttpStatusCode.NoContent, r.StatusCode);
        var gb = await AnswerAsync(customer, "u-gb");
        var none = await AnswerAsync(customer, "u-none");

        Assert.Contains("Samaritans (116 123)", (string)gb["text"]!, StringComparison.Ordinal);
        Assert.Contains((string)gb["text"]!, SafetyMessages.English.SelfHarm.Select(t => SafetyMessages.Fill(t, "Sam", "Samaritans (116 123)")));
        Assert.Null((string?)gb["conversationStopReason"]);
        Assert.Contains("https://findahelpline.com", (string)none["text"]!, StringComparison.Ordinal);
        Assert.Contains((string)none["text"]!, SafetyMessages.For("DE")!.SelfHarm.Select(t => SafetyMessages.Fill(t, "Kim", "https://findahelpline.com")));

        // Not banned: nothing in the ledger, the next enqueue is accepted.
        Assert.Empty((await host.AdminJsonAsync(HttpMethod.Get, $"/admin/v1/projects/{project.Id}/bans"))["items"]!.AsArray());
        using (var again = await host.EnqueueAsync(project.Key, Enqueue("u-gb"))) Assert.Equal(HttpStatusCode.NoContent, again.StatusCode);

        // Flagged in the answer's itemisation and in the run's checks (what the Response explorer shows).
        var found = await host.AdminJsonAsync(HttpMethod.Get, $"/admin/v1/projects/{project.Id}/answers/{(string)gb["id"]!}");
        var safety = found["itemisation"]!["safety"]!.AsObject();
        Assert.True((bool)safety["selfHarm"]!);
        Assert.Equal("GB", (string?)safety["helpline"]!["country"]);
        Assert.Equal("Samaritans", (string?)safety["helpline"]!["name"]);
        Assert.Equal(SafetyReplies.SelfHarmCare, (string?)safety["replacement"]);
        var runs = await PollAsync(host, $"/admin/v1/projects/{project.Id}/runs?userProfileId=u-none",
            j => j["items"]!.AsArray().Count >= 1);
        var checks = runs["items"]![0]!["checks"]!["safety"]!;
        Assert.True((bool)checks["selfHarm"]!);
        Assert.Null((string?)checks["helpline"]!["country"]);

        // Counted in usage: two self-harm runs (the third run, after the second enqueue, may still be on its way).
        var usage = await PollAsync(host, $"/admin/v1/projects/{project.Id}/usage", u => (long)u["totals"]!["selfHarmRuns"]! >= 2);
        Assert.InRange((long)usage["totals"]!["selfHarmRuns"]!, 2, 3);
        using var csv = await host.Http.SendAsync(DumGumHost.Admin(HttpMethod.Get, $"/admin/v1/projects/{project.Id}/usage.csv"), Ct);
        var lines = (await csv.Content.ReadAsStringAsync(Ct)).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.EndsWith(",self_harm_runs", lines[0], StringComparison.Ordinal);
        Assert.InRange(lines.Skip(1).Sum(l => long.Parse(l.Split(',')[^1], System.Globalization.CultureInfo.InvariantCulture)), 2, 3);
    }

    [Fact]
    public async Task With_a_model_an_unfit_stop_reply_is_replaced_a_fitting_one_kept_and_the_self_harm_signal_gets_care()
    {
        await using var model = await FakeModelServer.StartAsync();
        await using var customer = await FakeCustomer.StartAsync();
        await using var host = StartHost(settings: new()
        {
            ["Generation:Provider"] = "OpenAI",
            ["Generation:Endpoint"] = model.Endpoint,
            ["Generation:ApiKey"] = "sk-test-safety",
        });
        var project = await host.CreateProjectAsync(customer);
        customer.Profiles["p1"] = FakeCustomer.Profile("p1", "Marta");
        foreach (var u in new[] { "u-young", "u-rude", "u-sad" }) customer.Profiles[u] = Profile(u, "Sam", "US");
        customer.AddUserText("u-young", "p1", "hey, what's up");
        customer.AddUserText("u-rude", "p1", "whatever, loser");
        customer.AddUserText("u-sad", "p1", "everything feels pointless lately");
        model.Default = request => request.PromptText switch
        {
            var p when p.Contains("what's up", StringComparison.Ordinal) => new ModelReply(ModelReply.Structured(
                ["'I'm 15 years old' — okay, now I'm curious. Tell me more!"], trueSignal: "userUnderage")),
            var p when p.Contains("loser", StringComparison.Ordinal) => new ModelReply(ModelReply.Structured(
                ["I won't be talked to this way. Goodbye."], trueSignal: "hostile")),
            _ => new ModelReply(ModelReply.Structured(["Aww, want to grab a drink and forget about it tonight?"], trueSignal: "selfHarm")),
        };

        foreach (var u in new[] { "u-young", "u-rude", "u-sad" })
            using (var r = await host.EnqueueAsync(project.Key, Enqueue(u, testMode: false))) Assert.Equal(HttpStatusCode.NoContent, r.StatusCode);

        var young = await AnswerAsync(customer, "u-young");
        Assert.Equal("USER_UNDERAGE", (string?)young["conversationStopReason"]);
        Assert.Contains((string)young["text"]!, SafetyMessages.English.Exit[StopReasons.UserUnderage].Select(t => SafetyMessages.Fill(t, "Sam")));
        var youngSafety = (await host.AdminJsonAsync(HttpMethod.Get, $"/admin/v1/projects/{project.Id}/answers/{(string)young["id"]!}"))["itemisation"]!["safety"]!;
        Assert.Equal(SafetyReplies.Exit, (string?)youngSafety["replacement"]);
        Assert.Equal("is not a goodbye", (string?)youngSafety["replacedBecause"]);

        var rude = await AnswerAsync(customer, "u-rude");
        Assert.Equal("USER_HOSTILE", (string?)rude["conversationStopReason"]);
        Assert.Equal("I won't be talked to this way. Goodbye.", (string?)rude["text"]);

        var sad = await AnswerAsync(customer, "u-sad");
        Assert.Null((string?)sad["conversationStopReason"]);
        Assert.Contains("988 Suicide & Crisis Lifeline (988)", (string)sad["text"]!, StringComparison.Ordinal);
        Assert.DoesNotContain("drink", (string)sad["text"]!, StringComparison.Ordinal);
        Assert.Equal(2, (await host.AdminJsonAsync(HttpMethod.Get, $"/admin/v1/projects/{project.Id}/bans"))["items"]!.AsArray().Count);
    }

    [Fact]
    public async Task The_three_disclosure_policies_end_to_end()
    {
        await using var customer = await FakeCustomer.StartAsync();
        await using var host = StartHost();
        var never = await host.CreateProjectAsync(customer);
        var sincere = await host.CreateProjectAsync(customer, new { aiDisclosurePolicy = "when-asked-sincerely" });
        var always = await host.CreateProjectAsync(customer, new { aiDisclosurePolicy = "ALWAYS-ON-FIRST-MESSAGE" });
        Assert.Equal("never", (string?)(await host.AdminJsonAsync(HttpMethod.Get, $"/admin/v1/projects/{never.Id}"))["aiDisclosurePolicy"]);
        Assert.Equal("always-on-first-message", (string?)(await host.AdminJsonAsync(HttpMethod.Get, $"/admin/v1/projects/{always.Id}"))["aiDisclosurePolicy"]);
        customer.Profiles["p1"] = FakeCustomer.Profile("p1", "Marta");
        foreach (var u in new[] { "u-never", "u-sincere", "u-always" }) customer.Profiles[u] = FakeCustomer.Profile(u, "Sam");
        customer.AddUserText("u-never", "p1", "be honest, are you a bot?");
        customer.AddUserText("u-sincere", "p1", "be honest, are you a bot?");
        customer.AddUserText("u-always", "p1", "hi there, nice profile");

        using (var r = await host.EnqueueAsync(never.Key, Enqueue("u-never"))) Assert.Equal(HttpStatusCode.NoContent, r.StatusCode);
        using (var r = await host.EnqueueAsync(sincere.Key, Enqueue("u-sincere"))) Assert.Equal(HttpStatusCode.NoContent, r.StatusCode);
        using (var r = await host.EnqueueAsync(always.Key, Enqueue("u-always"))) Assert.Equal(HttpStatusCode.NoContent, r.StatusCode);

        // never: the documented behaviour, an AI_SUSPICION stop with its exit.
        var stopped = await AnswerAsync(customer, "u-never");
        Assert.Equal("AI_SUSPICION", (string?)stopped["conversationStopReason"]);
        Assert.Contains((string)stopped["text"]!, SafetyMessages.English.Exit[StopReasons.AiSuspicion].Select(t => SafetyMessages.Fill(t, "Sam")));
        Assert.False(SafetyMessages.English.DisclosesAi((string)stopped["text"]!));

        // when-asked-sincerely: an honest answer, no stop, no ban.
        var honest = await AnswerAsync(customer, "u-sincere");
        Assert.Null((string?)honest["conversationStopReason"]);
        Assert.Contains((string)honest["text"]!, SafetyMessages.English.AiDisclosure.Select(t => SafetyMessages.Fill(t, "Sam")));
        Assert.Empty((await host.AdminJsonAsync(HttpMethod.Get, $"/admin/v1/projects/{sincere.Id}/bans"))["items"]!.AsArray());

        // always-on-first-message: the first message starts with the disclosure line; later ones do not.
        var first = (string)(await AnswerAsync(customer, "u-always"))["text"]!;
        Assert.Contains(SafetyMessages.English.AiDisclosureFirst, line => first.StartsWith(line + " ", StringComparison.Ordinal));
        customer.AddMessage("u-always", "p1", new JsonObject
        {
            ["id"] = "m-her", ["sender"] = "PERSONA", ["date"] = DateTimeOffset.UtcNow.ToString("O"), ["text"] = first,
        });
        customer.AddMessage("u-always", "p1", new JsonObject
        {
            ["id"] = "m-next", ["sender"] = "USER", ["date"] = DateTimeOffset.UtcNow.AddSeconds(1).ToString("O"), ["text"] = "ok cool, how was your day",
        });
        using (var r = await host.EnqueueAsync(always.Key, Enqueue("u-always"))) Assert.Equal(HttpStatusCode.NoContent, r.StatusCode);
        var second = (string)(await AnswerAsync(customer, "u-always", count: 2))["text"]!;
        Assert.DoesNotContain(SafetyMessages.English.AiDisclosureFirst, line => second.Contains(line, StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_policy_is_a_project_setting_checked_like_the_others()
    {
        await using var customer = await FakeCustomer.StartAsync();
        await using var host = StartHost();
        var project = await host.CreateProjectAsync(customer);
        var bad = await host.AdminJsonAsync(HttpMethod.Patch, $"/admin/v1/projects/{project.Id}", new { aiDisclosurePolicy = "sometimes" }, 400);
        Assert.Contains("when-asked-sincerely", (string)bad["errors"]!["aiDisclosurePolicy"]![0]!, StringComparison.Ordinal);
        var saved = await host.AdminJsonAsync(HttpMethod.Patch, $"/admin/v1/projects/{project.Id}", new { aiDisclosurePolicy = "when-asked-sincerely" });
        Assert.Equal("when-asked-sincerely", (string?)saved["aiDisclosurePolicy"]);
        // Another setting saved later keeps it.
        var later = await host.AdminJsonAsync(HttpMethod.Patch, $"/admin/v1/projects/{project.Id}", new { smartShareEnabled = true });
        Assert.Equal("when-asked-sincerely", (string?)later["aiDisclosurePolicy"]);
        // selfHarm and its option set are reply parameters like the other guardrails.
        using var wrong = await host.EnqueueAsync(project.Key, new
        {
            userProfileId = "u1", personaProfileId = "p1", language = "EN",
            replyParameters = new { guardrails = new { selfHarm = "yes", selfHarmOptionSet = new { answer = 1 } } },
        });
        Assert.Equal(HttpStatusCode.BadRequest, wrong.StatusCode);
        var errors = JsonNode.Parse(await wrong.Content.ReadAsStringAsync(Ct))!["errors"]!.AsObject();
        Assert.True(errors.ContainsKey("replyParameters.guardrails.selfHarm"), errors.ToJsonString());
        Assert.True(errors.ContainsKey("replyParameters.guardrails.selfHarmOptionSet.answer"), errors.ToJsonString());
    }
}

public sealed class SafetyFlowTestsOnSqlite() : SafetyFlowTests(StorageProvider.Sqlite);

public sealed class SafetyFlowTestsOnPostgres() : SafetyFlowTests(StorageProvider.Postgres);
