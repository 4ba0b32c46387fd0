using DumGum.Storage;
using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using DumGum.Tests.Infrastructure;
using DumGum.Webhooks;

namespace DumGum.Tests.Pipeline;

/// <summary>Guardrails end to end, on the deterministic checks (testMode), so no model is involved.</summary>
public abstract class GuardrailFlowTests(StorageProvider provider) : StorageSuite(provider)
{
    static object Enqueue(string user, object? replyParameters = null) => new
    {
        userProfileId = user, personaProfileId = "p1", language = "EN", testMode = true,
        replyParameters = replyParameters ?? new { bufferSeconds = 0 },
    };

    async Task<(FakeCustomer Customer, DumGumHost Host, DumGumHost.TestProject Project)> StartAsync(params string[] users)
    {
        var customer = await FakeCustomer.StartAsync();
        var host = StartHost();
        var project = await host.CreateProjectAsync(customer);
        customer.Profiles["p1"] = FakeCustomer.Profile("p1", "Marta");
        foreach (var u in users) customer.Profiles[u] = FakeCustomer.Profile(u, "Sam");
        return (customer, host, project);
    }

    [Fact]
    public async Task An_underage_user_gets_a_permanent_stop_and_the_next_enqueue_is_refused_with_409()
    {
        var (customer, host, project) = await StartAsync("u1");
        await using var _ = customer;
        await using var __ = host;
        customer.AddUserText("u1", "p1", "hey, I'm 15 years old btw");

        using (var r = await host.EnqueueAsync(project.Key, Enqueue("u1"))) Assert.Equal(HttpStatusCode.NoContent, r.StatusCode);
        var answer = (await customer.WaitForEventAsync(Events.AnswerCreated))[0].Data["answer"]!;
        Assert.Equal("USER_UNDERAGE", (string?)answer["conversationStopReason"]);
        Assert.True(answer.AsObject().ContainsKey("conversationStoppedUntil") && answer["conversationStoppedUntil"] is null, "permanent: null");
        Assert.False(string.IsNullOrEmpty((string?)answer["text"]), "answer: true by default keeps the in-character reply");

        using var refused = await host.EnqueueAsync(project.Key, Enqueue("u1"));
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        var problem = JsonNode.Parse(await refused.Content.ReadAsStringAsync(TestContext.Current.CancellationToken))!;
        Assert.Equal("USER_UNDERAGE", (string?)problem["stopReason"]);
        Assert.Null(problem["stoppedUntil"]);

        // The ban is scoped to the pair: the same persona with another user goes on.
        customer.Profiles["u2"] = FakeCustomer.Profile("u2", "Kim");
        using var other = await host.EnqueueAsync(project.Key, Enqueue("u2"));
        Assert.Equal(HttpStatusCode.NoContent, other.StatusCode);
    }

    [Fact]
    public async Task Repeated_messages_get_a_progressive_stop_and_answer_false_sends_no_text()
    {
        var (customer, host, project) = await StartAsync("u1");
        await using var _ = customer;
        await using var __ = host;
        for (var i = 0; i < 3; i++) customer.AddUserText("u1", "p1", "hello??");

        var before = DateTimeOffset.UtcNow;
        using (var r = await host.EnqueueAsync(project.Key, Enqueue("u1", new
               {
                   bufferSeconds = 0,
                   guardrails = new { messageRepetition = true, messageRepetitionOptionSet = new { answer = false, banDurations = new[] { 30 } } },
               })))
            Assert.Equal(HttpStatusCode.NoContent, r.StatusCode);
        var answer = (await customer.WaitForEventAsync(Events.AnswerCreated))[0].Data["answer"]!;
        Assert.Equal("USER_MESSAGE_REPETITION", (string?)answer["conversationStopReason"]);
        Assert.Null((string?)answer["text"]);
        var until = DateTimeOffset.Parse((string)answer["conversationStoppedUntil"]!, CultureInfo.InvariantCulture);
        Assert.InRange(until, before.AddMinutes(30).AddSeconds(-5), DateTimeOffset.UtcNow.AddMinutes(30).AddSeconds(5));

        using var refused = await host.EnqueueAsync(project.Key, Enqueue("u1"));
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        var problem = JsonNode.Parse(await refused.Content.ReadAsStringAsync(TestContext.Current.CancellationToken))!;
        Assert.Equal("USER_MESSAGE_REPETITION", (string?)problem["stopReason"]);
        Assert.Equal((string?)answer["conversationStoppedUntil"], (string?)problem["stoppedUntil"]);
    }

    [Fact]
    public async Task A_switched_off_guardrail_does_not_stop()
    {
        var (customer, host, project) = await StartAsync("u1");
        await using var _ = customer;
        await using var __ = host;
        for (var i = 0; i < 3; i++) customer.AddUserText("u1", "p1", "hello??");
        using (var r = await host.EnqueueAsync(project.Key, Enqueue("u1", new { bufferSeconds = 0, guardrails = new { messageRepetition = false } })))
            Assert.Equal(HttpStatusCode.NoContent, r.StatusCode);
        var answer = (await customer.WaitForEventAsync(Events.AnswerCreated))[0].Data["answer"]!;
        Assert.Null((string?)answer["conversationStopReason"]);
        using var again = await host.EnqueueAsync(project.Key, Enqueue("u1"));
        Assert.Equal(HttpStatusCode.NoContent, again.StatusCode);
    }

    [Fact]
    public async Task A_user_writing_in_an_unexpected_language_is_stopped_when_unknown_language_is_on()
    {
        var (customer, host, project) = await StartAsync("u1");
        await using var _ = customer;
        await using var __ = host;
        customer.AddUserText("u1", "p1", "Ich habe heute den ganzen Tag im Garten gearbeitet und bin jetzt wirklich sehr müde.");
        using (var r = await host.EnqueueAsync(project.Key, Enqueue("u1", new { bufferSeconds = 0, guardrails = new { unknownLanguage = true } })))
            Assert.Equal(HttpStatusCode.NoContent, r.StatusCode);
        var answer = (await customer.WaitForEventAsync(Events.AnswerCreated))[0].Data["answer"]!;
        Assert.Equal("UNKNOWN_LANGUAGE", (string?)answer["conversationStopReason"]);
    }

    [Fact]
    public async Task Additional_languages_are_expected_too()
    {
        var (customer, host, project) = await StartAsync("u1");
        await using var _ = customer;
        await using var __ = host;
        customer.AddUserText("u1", "p1", "Ich habe heute den ganzen Tag im Garten gearbeitet und bin jetzt wirklich sehr müde.");
        using (var r = await host.EnqueueAsync(project.Key, new
               {
                   userProfileId = "u1", personaProfileId = "p1", language = "EN", additionalLanguages = new[] { "DE" }, testMode = true,
                   replyParameters = new { bufferSeconds = 0, guardrails = new { unknownLanguage = true } },
               }))
            Assert.Equal(HttpStatusCode.NoContent, r.StatusCode);
        var answer = (await customer.WaitForEventAsync(Events.AnswerCreated))[0].Data["answer"]!;
        Assert.Null((string?)answer["conversationStopReason"]);
    }

    [Fact]
    public async Task Synchronous_generation_applies_guardrails_and_then_refuses_the_banned_pair()
    {
        var (customer, host, project) = await StartAsync();
        await using var _ = customer;
        await using var __ = host;
        var body = new
        {
            userProfile = new { id = "u9", firstName = "Sam" },
            personaProfile = new { id = "p9", firstName = "Marta" },
            messages = new[] { new { id = "m1", sender = "USER", date = DateTimeOffset.UtcNow.ToString("O"), text = "just so you know I am 14 years old" } },
            language = "EN",
            testMode = true,
        };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/cs/v1/content_creation/conversations/generate")
        {
            Content = System.Net.Http.Json.JsonContent.Create(body),
        };
        request.Headers.Authorization = new("Bearer", project.Key);
        using var first = await host.Http.SendAsync(request, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var answers = JsonNode.Parse(await first.Content.ReadAsStringAsync(TestContext.Current.CancellationToken))!["answers"]!.AsArray();
        Assert.Equal("USER_UNDERAGE", (string?)answers[^1]!["conversationStopReason"]);

        using var again = new HttpRequestMessage(HttpMethod.Post, "/cs/v1/content_creation/conversations/generate")
        {
            Content = System.Net.Http.Json.JsonContent.Create(body),
        };
        again.Headers.Authorization = new("Bearer", project.Key);
        using var second = await host.Http.SendAsync(again, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Conflict, second.StatusCode);
        Assert.Empty(customer.Calls);
    }
}

public sealed class GuardrailFlowTestsOnSqlite() : GuardrailFlowTests(StorageProvider.Sqlite);

public sealed class GuardrailFlowTestsOnPostgres() : GuardrailFlowTests(StorageProvider.Postgres);
