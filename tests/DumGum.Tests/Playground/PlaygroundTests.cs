using System.Net;
using System.Text.Json.Nodes;
using DumGum.Playground;
using DumGum.Projects;
using DumGum.Sample;
using DumGum.Storage;
using DumGum.Tests.Infrastructure;
using DumGum.Webhooks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Hosting;

namespace DumGum.Tests.Playground;

/// <summary>
/// The Playground end to end through the real server and the admin API's playground routes: a message goes through the
/// real enqueue, run and delivery, whose customer calls the built-in playground customer answers in-process (the
/// project's own endpoints are never called), and the events come back to the operator in order.
/// </summary>
public abstract class PlaygroundTests(StorageProvider provider) : StorageSuite(provider)
{
    const string User = "u-tom", Persona = "p-marta";

    sealed class Rig : IAsyncDisposable
    {
        public required FakeCustomer Customer { get; init; }
        public required DumGumHost Host { get; init; }
        public required DumGumHost.TestProject Project { get; init; }
        string Base => $"/admin/v1/projects/{Project.Id}/playground";

        public async Task SaveAsync(string role, JsonObject profile, bool acceptInvalid = false) =>
            await Host.AdminJsonAsync(HttpMethod.Post, Base + "/profiles", new JsonObject
            {
                ["role"] = role, ["profile"] = profile, ["acceptInvalid"] = acceptInvalid,
            }, 201);

        public async Task SavePairAsync(JsonObject? persona = null, bool acceptInvalid = false)
        {
            await SaveAsync("USER", new JsonObject { ["id"] = User, ["firstName"] = "Tom", ["timeZone"] = "Europe/London" });
            await SaveAsync("PERSONA", persona ?? new JsonObject
            {
                ["id"] = Persona, ["firstName"] = "Marta", ["timeZone"] = "Europe/Madrid", ["description"] = "Weekend hiker.",
            }, acceptInvalid);
        }

        public Task<JsonObject> SendAsync(string text, JsonObject? replyParameters = null, int expectedStatus = 202) =>
            Host.AdminJsonAsync(HttpMethod.Post, Base + "/messages", new JsonObject
            {
                ["user"] = User, ["persona"] = Persona, ["text"] = text, ["replyParameters"] = replyParameters,
            }, expectedStatus);

        public Task<JsonObject> ReadAsync(long after = 0) =>
            Host.AdminJsonAsync(HttpMethod.Get, $"{Base}/conversation?user={User}&persona={Persona}&after={after}");

        /// <summary>Polls the conversation until its events (after <paramref name="after"/>) satisfy <paramref name="done"/>.</summary>
        public async Task<JsonObject> WaitAsync(Func<List<JsonObject>, bool> done, long after = 0, double seconds = 20)
        {
            var until = DateTime.UtcNow.AddSeconds(seconds);
            while (true)
            {
                var conversation = await ReadAsync(after);
                if (done(Events(conversation))) return conversation;
                if (DateTime.UtcNow > until) throw new TimeoutException("playground events never matched: " + conversation.ToJsonString());
                await Task.Delay(50, TestContext.Current.CancellationToken);
            }
        }

        public static List<JsonObject> Events(JsonObject conversation) => [.. conversation["events"]!.AsArray().Select(e => e!.AsObject())];

        public async ValueTask DisposeAsync()
        {
            await Host.DisposeAsync();
            await Customer.DisposeAsync();
        }
    }

    async Task<Rig> StartAsync()
    {
        var customer = await FakeCustomer.StartAsync();
        var host = StartHost();
        // The project's own customer: the Playground must never call it.
        var project = await host.CreateProjectAsync(customer);
        return new Rig { Customer = customer, Host = host, Project = project };
    }

    static string Name(JsonObject e) => (string)e["event"]!;
    static JsonObject Answer(JsonObject e) => e["body"]!["data"]!["answer"]!.AsObject();

    [Fact]
    public async Task A_message_gets_processing_then_created_through_the_real_pipeline_in_test_mode()
    {
        await using var rig = await StartAsync();
        await rig.SavePairAsync();

        var sent = await rig.SendAsync("Hi Marta! Which trail would you pick this weekend?");
        var after = (long)sent["after"]!;
        var conversation = await rig.WaitAsync(events => events.Any(e => Name(e) == Events.AnswerCreated), after);

        var events = Rig.Events(conversation);
        Assert.Equal([Events.AnswerProcessing, Events.AnswerCreated], events.Select(Name));
        Assert.All(events, e => Assert.True((bool)e["signatureValid"]!, "signed with the project's secret"));
        Assert.True((long)events[0]["sequence"]! < (long)events[1]["sequence"]!);
        var answer = Answer(events[1]);
        Assert.Equal("0.0000", (string?)answer["cost"]);
        Assert.Equal(PlaygroundRouting.UserPrefix + User, (string?)answer["userProfileId"]);
        Assert.Equal(Persona, (string?)answer["personaProfileId"]);
        Assert.Equal(0, (int)answer["sequenceNumber"]!);
        Assert.Equal("playground", (string?)answer["tags"]!["source"]);

        // The chat: the user's message, then the persona's reply under the answer's id.
        var messages = conversation["messages"]!.AsArray().Select(m => m!.AsObject()).ToList();
        Assert.Equal(2, messages.Count);
        Assert.Equal(("USER", "Hi Marta! Which trail would you pick this weekend?"), ((string)messages[0]["sender"]!, (string)messages[0]["text"]!));
        Assert.Equal(("PERSONA", (string)answer["id"]!, (string?)answer["text"]), ((string)messages[1]["sender"]!, (string)messages[1]["id"]!, (string?)messages[1]["text"]));

        // The history the run fetched held the user's message: it is in the answer's prompt itemisation.
        var stored = await rig.Host.AdminJsonAsync(HttpMethod.Get, $"/admin/v1/projects/{rig.Project.Id}/answers/{answer["id"]}");
        Assert.Contains("Which trail would you pick this weekend?", stored["itemisation"]!.ToJsonString(), StringComparison.Ordinal);

        // A second message: the reply answers it, and the history now has four messages.
        var second = await rig.SendAsync("Sounds great!");
        conversation = await rig.WaitAsync(events => events.Any(e => Name(e) == Events.AnswerCreated), (long)second["after"]!);
        Assert.Equal(4, conversation["messages"]!.AsArray().Count);
    }

    [Fact]
    public async Task Customer_calls_go_to_the_built_in_customer_show_in_the_project_logs_and_never_reach_the_project()
    {
        await using var rig = await StartAsync();
        await rig.SavePairAsync();
        var sent = await rig.SendAsync("Hello there");
        await rig.WaitAsync(events => events.Any(e => Name(e) == Events.AnswerCreated), (long)sent["after"]!);

        var prefix = $"http://{PlaygroundRouting.Host}/{rig.Project.Id}/";
        var profiles = await rig.Host.WaitForLogsAsync(rig.Project.Id, "profile", l => l.Count >= 2);
        var history = await rig.Host.WaitForLogsAsync(rig.Project.Id, "chat_history", l => l.Count >= 1);
        var incoming = await rig.Host.WaitForLogsAsync(rig.Project.Id, "incoming_content", l => l.Count >= 2);
        Assert.All(profiles.Concat(history).Concat(incoming), l =>
        {
            Assert.StartsWith(prefix, (string)l["url"]!, StringComparison.Ordinal);
            Assert.Equal(200, (int?)l["status"] is 204 ? 200 : (int?)l["status"]);
            Assert.Null((string?)l["error"]);
            Assert.Equal(PlaygroundRouting.UserPrefix + User, (string?)l["userProfileId"]);
        });
        Assert.Contains(profiles, l => ((string)l["url"]!).Contains("profileId=playground%3Au-tom", StringComparison.Ordinal));
        Assert.Contains(profiles, l => ((string)l["url"]!).Contains("profileId=p-marta", StringComparison.Ordinal));

        Assert.Empty(rig.Customer.Calls);
        Assert.Empty(rig.Customer.Attempts);
    }

    [Fact]
    public async Task A_split_reply_arrives_as_parts_each_announced_by_its_own_typing_indicator()
    {
        await using var rig = await StartAsync();
        await rig.SavePairAsync();
        var sent = await rig.SendAsync("Tell me about your weekend", new JsonObject
        {
            ["multipleMessagesPerReply"] = true, ["multipleMessagesPerReplyFrequency"] = 1, ["messageLength"] = "LONG",
            ["replyTypingDelay"] = "FAST",
        });
        var conversation = await rig.WaitAsync(events => events.Count(e => Name(e) == Events.AnswerCreated) >= 2, (long)sent["after"]!, seconds: 30);

        // The offline engine sends a LONG split reply as 2 to 4 parts (its sentences); wait until the last part is in.
        conversation = await rig.WaitAsync(events =>
        {
            var created = events.Where(e => Name(e) == Events.AnswerCreated).Select(Answer).ToList();
            return created.Count >= 2 && created.Count == created.Max(p => (int)p["sequenceNumber"]!)
                   && events.Count(e => Name(e) == Events.AnswerProcessing) == created.Count;
        }, (long)sent["after"]!, seconds: 30);
        var events = Rig.Events(conversation);
        var parts = events.Where(e => Name(e) == Events.AnswerCreated).Select(Answer).ToList();
        Assert.InRange(parts.Count, 2, 4);
        // Each part is announced by its own typing indicator.
        Assert.Equal(Enumerable.Repeat(new[] { Events.AnswerProcessing, Events.AnswerCreated }, parts.Count).SelectMany(x => x), events.Select(Name));
        Assert.Equal(Enumerable.Range(1, parts.Count), parts.Select(p => (int)p["sequenceNumber"]!));
        Assert.Null((string?)parts[0]["parentAnswerId"]);
        Assert.All(parts.Skip(1), p => Assert.Equal((string)parts[0]["id"]!, (string?)p["parentAnswerId"]));
        Assert.All(parts, p => Assert.False(string.IsNullOrWhiteSpace((string?)p["text"])));
        Assert.All(parts, p => Assert.Equal("0.0000", (string?)p["cost"]));
        // Both parts are in the chat, in order.
        var persona = conversation["messages"]!.AsArray().Select(m => m!.AsObject()).Where(m => (string)m["sender"]! == "PERSONA").ToList();
        Assert.Equal(parts.Select(p => (string)p["id"]!), persona.Select(m => (string)m["id"]!));
    }

    [Fact]
    public async Task A_pasted_persona_without_a_name_is_refused_unless_accepted_and_then_the_run_drops_with_INVALID_PROFILE()
    {
        await using var rig = await StartAsync();
        var nameless = new JsonObject { ["id"] = Persona, ["description"] = "No name at all." };
        var refused = await rig.Host.AdminJsonAsync(HttpMethod.Post, $"/admin/v1/projects/{rig.Project.Id}/playground/profiles",
            new JsonObject { ["role"] = "PERSONA", ["profile"] = nameless.DeepClone() }, 400);
        Assert.True(refused["errors"]!.AsObject().ContainsKey("profile.firstName"), refused.ToJsonString());

        await rig.SavePairAsync(nameless, acceptInvalid: true);
        var sent = await rig.SendAsync("Hello?");
        var conversation = await rig.WaitAsync(events => events.Any(e => Name(e) == Events.ConversationDropped), (long)sent["after"]!);
        var dropped = Rig.Events(conversation).Single(e => Name(e) == Events.ConversationDropped);
        Assert.Equal("INVALID_PROFILE", (string?)dropped["body"]!["data"]!["reason"]);
        Assert.DoesNotContain(Rig.Events(conversation), e => Name(e) == Events.AnswerCreated);
    }

    [Fact]
    public async Task A_guardrail_stop_rides_on_the_answer_and_then_the_banned_pair_is_refused()
    {
        await using var rig = await StartAsync();
        await rig.SavePairAsync();
        var sent = await rig.SendAsync("btw I am 15 years old");
        var conversation = await rig.WaitAsync(events => events.Any(e => Name(e) == Events.AnswerCreated), (long)sent["after"]!);
        var answer = Answer(Rig.Events(conversation).Single(e => Name(e) == Events.AnswerCreated));
        Assert.Equal("USER_UNDERAGE", (string?)answer["conversationStopReason"]);

        var refused = await rig.SendAsync("hello again", expectedStatus: 409);
        Assert.Equal("USER_UNDERAGE", (string?)refused["stopReason"]);
    }

    [Fact]
    public async Task Bad_input_is_refused_per_field_and_leaves_no_message()
    {
        await using var rig = await StartAsync();
        await rig.SavePairAsync();
        var bad = await rig.Host.AdminJsonAsync(HttpMethod.Post, $"/admin/v1/projects/{rig.Project.Id}/playground/messages", new JsonObject
        {
            ["user"] = "u-nobody", ["persona"] = Persona, ["text"] = "", ["replyParameters"] = new JsonObject { ["messageLength"] = "HUGE" },
        }, 400);
        var errors = bad["errors"]!.AsObject();
        Assert.True(errors.ContainsKey("user") && errors.ContainsKey("text") && errors.ContainsKey("replyParameters.messageLength"), bad.ToJsonString());

        var wrongParameters = await rig.SendAsync("hi", new JsonObject { ["emojis"] = "LOTS" }, expectedStatus: 400);
        Assert.True(wrongParameters["errors"]!.AsObject().ContainsKey("replyParameters.emojis"), wrongParameters.ToJsonString());
        Assert.Empty((await rig.ReadAsync())["messages"]!.AsArray());

        var badProfile = await rig.Host.AdminJsonAsync(HttpMethod.Post, $"/admin/v1/projects/{rig.Project.Id}/playground/profiles",
            new JsonObject { ["role"] = "USER", ["profile"] = new JsonObject { ["firstName"] = "Anon" } }, 400);
        Assert.True(badProfile["errors"]!.AsObject().ContainsKey("profile.id"), badProfile.ToJsonString());
        await rig.Host.AdminJsonAsync(HttpMethod.Get, "/admin/v1/projects/proj_nope/playground/profiles", expectedStatus: 404);
    }

    [Fact]
    public async Task A_profile_is_copied_from_the_projects_Profile_endpoint_on_request()
    {
        await using var rig = await StartAsync();
        rig.Customer.Profiles["p-real"] = FakeCustomer.Profile("p-real", "Lucia");
        var copied = await rig.Host.AdminJsonAsync(HttpMethod.Post, $"/admin/v1/projects/{rig.Project.Id}/playground/profiles/copy",
            new JsonObject { ["role"] = "PERSONA", ["profileId"] = "p-real" }, 201);
        Assert.Equal(("p-real", "Lucia", "copied"), ((string)copied["id"]!, (string)copied["name"]!, (string)copied["source"]!));
        Assert.Equal(1, rig.Customer.ProfileCallCount("p-real"));

        var missing = await rig.Host.AdminJsonAsync(HttpMethod.Post, $"/admin/v1/projects/{rig.Project.Id}/playground/profiles/copy",
            new JsonObject { ["role"] = "PERSONA", ["profileId"] = "p-missing" }, 502);
        Assert.Contains("404", (string)missing["detail"]!, StringComparison.Ordinal);

        var list = await rig.Host.AdminJsonAsync(HttpMethod.Get, $"/admin/v1/projects/{rig.Project.Id}/playground/profiles");
        Assert.Equal(["p-real"], list["personas"]!.AsArray().Select(p => (string)p!["id"]!));
        Assert.Empty(list["users"]!.AsArray());
    }

    [Fact]
    public async Task The_stream_sends_each_event_as_it_arrives_over_HTTP()
    {
        await using var rig = await StartAsync();
        await rig.SavePairAsync();
        var ct = TestContext.Current.CancellationToken;
        using var request = DumGumHost.Admin(HttpMethod.Get, $"/admin/v1/projects/{rig.Project.Id}/playground/stream?user={User}&persona={Persona}");
        using var response = await rig.Host.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);

        await rig.SendAsync("Are you there?");
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct));
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(20));
        var received = new List<(string Event, string Id, JsonObject Data)>();
        string? name = null, id = null;
        while (received.Count < 2)
        {
            var line = await reader.ReadLineAsync(timeout.Token) ?? throw new EndOfStreamException("the stream ended");
            if (line.StartsWith("event: ", StringComparison.Ordinal)) name = line["event: ".Length..];
            else if (line.StartsWith("id: ", StringComparison.Ordinal)) id = line["id: ".Length..];
            else if (line.StartsWith("data: ", StringComparison.Ordinal)) received.Add((name!, id!, JsonNode.Parse(line["data: ".Length..])!.AsObject()));
        }
        Assert.Equal([Events.AnswerProcessing, Events.AnswerCreated], received.Select(r => r.Event));
        Assert.All(received, r => Assert.Equal(r.Id, ((long)r.Data["sequence"]!).ToString(System.Globalization.CultureInfo.InvariantCulture)));
        Assert.Equal("0.0000", (string?)received[1].Data["body"]!["data"]!["answer"]!["cost"]);

        // Resuming after the last id replays nothing already seen.
        var resumed = await rig.ReadAsync(long.Parse(received[1].Id, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Empty(resumed["events"]!.AsArray());
    }

    [Fact]
    public async Task In_Development_the_sample_personas_and_users_are_ready_to_use()
    {
        await using var rig = await StartAsync();
        var sp = rig.Host.Services;
        var development = new PlaygroundCustomer(sp.GetRequiredService<PlaygroundStore>(), sp.GetRequiredService<ProjectStore>(),
            sp.GetRequiredService<SampleCustomer>(), new Environment(Environments.Development), sp.GetRequiredService<PlaygroundSignal>(), TimeProvider.System);
        var profiles = development.Profiles(rig.Project.Id);
        Assert.Contains(profiles, p => p is { Id: "p-marta", Role: PlaygroundRole.Persona, Source: PlaygroundProfile.Sample, Name: "Marta" });
        Assert.Contains(profiles, p => p is { Id: "u-alex", Role: PlaygroundRole.User, Source: PlaygroundProfile.Sample });
        // Outside Development there are none.
        Assert.Empty(sp.GetRequiredService<PlaygroundService>().Profiles(rig.Project.Id));
    }

    sealed class Environment(string name) : IHostEnvironment
    {
        public string EnvironmentName { get; set; } = name;
        public string ApplicationName { get; set; } = "DumGum.Server";
        public string ContentRootPath { get; set; } = AppContext.BaseDirectory;
        public IFileProvider ContentRootFileProvider { get; set; } = new NullFileProvider();
    }
}

public sealed class PlaygroundTestsOnSqlite() : PlaygroundTests(StorageProvider.Sqlite);

public sealed class PlaygroundTestsOnPostgres() : PlaygroundTests(StorageProvider.Postgres);
