using System.Net;
using System.Text.Json.Nodes;
using DumGum.Suggestions;
using DumGum.Tests.Api;
using DumGum.Tests.Infrastructure;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace DumGum.Tests.Synchronous;

/// <summary>A model that never answers, on a fake clock: the synchronous endpoints answer 504 exactly at their deadline.</summary>
public sealed class DeadlineFixture() : SynchronousFixture(new FakeChatClient { ServedModel = _ => "scripted-1" }, new FakeTimeProvider())
{
    public FakeChatClient Model => (FakeChatClient)Host.Services.GetRequiredService<IChatClient>();
    public FakeTimeProvider Clock => (FakeTimeProvider)Host.Services.GetRequiredService<TimeProvider>();
}

/// <summary>
/// The deadline of generate (<c>maxProcessingTimeSeconds</c>) and of suggestion (60 s) on a fake clock: once the clock
/// reaches it, a 504 problem with the endpoint's own type (docs/behaviour.md, "Synchronous endpoints").
/// </summary>
public sealed class SynchronousDeadlineTests(DeadlineFixture f) : IClassFixture<DeadlineFixture>
{
    static CancellationToken Token => TestContext.Current.CancellationToken;

    /// <summary>Posts, waits until the model has been called (the work is under way), then moves the clock to the deadline.</summary>
    async Task<HttpResponseMessage> TimedOutAsync(string path, JsonObject body, TimeSpan deadline)
    {
        f.Model.Reset();
        f.Model.Hang();
        var response = f.PostAsync(path, body);
        var until = DateTime.UtcNow.AddSeconds(30);   // only turns a hang into a failure
        while (f.Model.Calls.Count == 0 && DateTime.UtcNow < until && !response.IsCompleted) await Task.Delay(20, Token);
        Assert.Single(f.Model.Calls);

        Assert.False(response.IsCompleted);   // the clock has not moved: no deadline can have passed
        f.Clock.Advance(deadline);
        return await response.WaitAsync(TimeSpan.FromSeconds(30), Token);
    }

    [Fact]
    public async Task Generate_answers_504_generation_timeout_at_maxProcessingTimeSeconds()
    {
        var body = new JsonObject
        {
            ["userProfile"] = new JsonObject { ["id"] = "u-1", ["firstName"] = "Tomas" },
            ["personaProfile"] = new JsonObject { ["id"] = "p-1", ["firstName"] = "Nora" },
            ["messages"] = new JsonArray { new JsonObject { ["sender"] = "USER", ["date"] = "2025-04-02T17:05:00Z", ["text"] = "Hi!" } },
            ["language"] = "EN",
            ["replyParameters"] = new JsonObject { ["maxProcessingTimeSeconds"] = 20 },
        };
        using var response = await TimedOutAsync(SynchronousFixture.GeneratePath, body, TimeSpan.FromSeconds(20));
        var problem = await ProblemAssert.ReadAsync(response, HttpStatusCode.GatewayTimeout);
        Assert.Equal("urn:dumgum:problem:generation-timeout", (string?)problem["type"]);
        Assert.Contains("(20 s)", (string?)problem["detail"], StringComparison.Ordinal);
        await f.AssertCustomerUntouchedAsync();
    }

    [Fact]
    public async Task Suggestion_answers_504_suggestion_timeout_after_its_60_seconds()
    {
        using var response = await TimedOutAsync(SynchronousFixture.SuggestionPath, SuggestionEndpointTests.Body(), SuggestionWriter.Timeout);
        var problem = await ProblemAssert.ReadAsync(response, HttpStatusCode.GatewayTimeout);
        Assert.Equal("urn:dumgum:problem:suggestion-timeout", (string?)problem["type"]);
    }
}
