using System.Net;
using System.Text.Json.Nodes;
using DumGum.Customers;
using DumGum.Projects;
using DumGum.Tests.Api;
using DumGum.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace DumGum.Tests.Customers;

public sealed class EndpointTesterFixture : IAsyncLifetime
{
    public DumGumHost Host { get; private set; } = null!;
    public FakeCustomer Customer { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Customer = await FakeCustomer.StartAsync();
        Host = DumGumHost.Start();
    }

    public async ValueTask DisposeAsync()
    {
        if (Host is not null) await Host.DisposeAsync();
        if (Customer is not null) await Customer.DisposeAsync();
    }
}

/// <summary>POST /admin/v1/projects/{id}/endpoint-test against a fake customer.</summary>
public sealed class EndpointTesterTests(EndpointTesterFixture f) : IClassFixture<EndpointTesterFixture>
{
    DumGumHost Host => f.Host;
    FakeCustomer Customer => f.Customer;

    static string NewId(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..8];

    Task<JsonObject> TestAsync(string projectId, string user, string persona) =>
        Host.AdminJsonAsync(HttpMethod.Post, $"/admin/v1/projects/{projectId}/endpoint-test", new { userProfileId = user, personaProfileId = persona });

    [Fact]
    public async Task A_good_customer_passes_with_headers_sent_and_secrets_redacted()
    {
        var project = await Host.CreateProjectAsync(Customer, new
        {
            profileEndpointUrl = Customer.ProfileUrl + "?token=s3cret",
            customHeaders = new Dictionary<string, string> { ["X-Api-Key"] = "abc" },
        });
        var (user, persona) = (NewId("u"), NewId("p"));
        Customer.AddPair(user, persona, "hello");
        Customer.AddMessage(user, persona, new JsonObject { ["id"] = "m-bad", ["sender"] = "ROBOT", ["date"] = DateTimeOffset.UtcNow.ToString("O"), ["text"] = "?" });

        var result = await TestAsync(project.Id, user, persona);

        Assert.True((bool?)result["ok"], result.ToJsonString());
        foreach (var name in new[] { "userProfile", "personaProfile", "chatHistory" })
        {
            var call = result[name]!.AsObject();
            Assert.Equal(200, (int?)call["status"]);
            Assert.Null(call["error"]);
            Assert.Empty(call["problems"]!.AsArray());
            Assert.True((long?)call["latencyMs"] >= 0);
            Assert.True((bool?)call["ok"]);
        }
        Assert.Equal("profile", (string?)result["userProfile"]!["kind"]);
        Assert.Equal("chat_history", (string?)result["chatHistory"]!["kind"]);
        var userUrl = (string)result["userProfile"]!["url"]!;
        Assert.Contains("token=REDACTED", userUrl, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret", userUrl, StringComparison.Ordinal);
        Assert.Contains("profileId=" + user, userUrl, StringComparison.Ordinal);
        Assert.Contains($"userProfileId={user}&personaProfileId={persona}", (string)result["chatHistory"]!["url"]!, StringComparison.Ordinal);
        // The unreadable message is reported, as a run would skip and log it.
        Assert.Contains(result["chatHistory"]!["warnings"]!.AsArray(), w => ((string)w!).Contains("messages[1].sender", StringComparison.Ordinal));
        var calls = Customer.Calls.Where(c => c.Query.Contains(user, StringComparison.Ordinal) || c.Query.Contains(persona, StringComparison.Ordinal)).ToList();
        Assert.Equal(3, calls.Count);
        Assert.All(calls, c => Assert.Equal("abc", c.Headers["X-Api-Key"]));
        Assert.All(calls, c => Assert.StartsWith("DumGum", c.Headers["User-Agent"], StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_profile_with_the_wrong_id_is_a_problem()
    {
        var project = await Host.CreateProjectAsync(Customer);
        var (user, persona) = (NewId("u"), NewId("p"));
        Customer.AddPair(user, persona, "hello");
        Customer.Profiles[user] = FakeCustomer.Profile("somebody-else", "Tomas");
        var nameless = FakeCustomer.Profile(persona, "x");
        nameless.Remove("firstName");
        Customer.Profiles[persona] = nameless;

        var result = await TestAsync(project.Id, user, persona);

        Assert.False((bool?)result["ok"]);
        var userCall = result["userProfile"]!;
        Assert.Equal(200, (int?)userCall["status"]);
        Assert.False((bool?)userCall["ok"]);
        Assert.Contains("does not equal the requested id", (string)userCall["problems"]![0]!, StringComparison.Ordinal);
        Assert.Contains("neither firstName nor nickname", (string)result["personaProfile"]!["problems"]![0]!, StringComparison.Ordinal);
        Assert.True((bool?)result["chatHistory"]!["ok"]);
    }

    [Fact]
    public async Task A_history_without_messages_is_a_problem()
    {
        var user = NewId("u");
        Customer.Profiles[user] = FakeCustomer.Profile(user, "Tomas");
        // The history URL points at the Profile endpoint: a JSON object, but without "messages".
        var project = await Host.CreateProjectAsync(Customer, new { chatHistoryEndpointUrl = Customer.ProfileUrl + "?profileId=" + user });

        var result = await TestAsync(project.Id, user, user);

        var history = result["chatHistory"]!;
        Assert.Equal(200, (int?)history["status"]);
        Assert.Contains("no \"messages\" array", (string)history["problems"]![0]!, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_500_is_reported_after_a_single_attempt()
    {
        await using var failing = await FakeCustomer.StartAsync();
        failing.ProfileHook = _ => Task.FromResult<int?>(500);
        failing.HistoryHook = _ => Task.FromResult<int?>(503);
        var project = await Host.CreateProjectAsync(failing);

        var result = await TestAsync(project.Id, "u-500", "p-500");

        Assert.False((bool?)result["ok"]);
        Assert.Equal(500, (int?)result["userProfile"]!["status"]);
        Assert.Equal("HTTP 500", (string?)result["userProfile"]!["error"]);
        Assert.Equal(503, (int?)result["chatHistory"]!["status"]);
        Assert.Empty(result["chatHistory"]!["problems"]!.AsArray());
        // No retries, though 5xx are retried in runs.
        Assert.Equal(2, failing.CallCount("/profile"));
        Assert.Equal(1, failing.CallCount("/history"));
    }

    [Fact]
    public async Task An_unreachable_url_is_a_transport_error()
    {
        // Port 1 on loopback: nothing listens, the connection is refused.
        var project = await Host.AdminJsonAsync(HttpMethod.Post, "/admin/v1/projects", new
        {
            name = "unreachable", profileEndpointUrl = "http://127.0.0.1:1/profile", chatHistoryEndpointUrl = "http://127.0.0.1:1/history",
            incomingContentEndpointUrl = "http://127.0.0.1:1/incoming",
        }, 201);

        var result = await TestAsync((string)project["id"]!, "u1", "p1");

        foreach (var name in new[] { "userProfile", "personaProfile", "chatHistory" })
        {
            var call = result[name]!;
            Assert.Null(call["status"]);
            Assert.False(string.IsNullOrWhiteSpace((string?)call["error"]), call.ToJsonString());
            Assert.False((bool?)call["ok"]);
        }
    }

    [Fact]
    public async Task The_service_answers_the_dashboard_the_same()
    {
        var project = await Host.CreateProjectAsync(Customer);
        var (user, persona) = (NewId("u"), NewId("p"));
        Customer.AddPair(user, persona, "hello");
        var result = await Host.Services.GetRequiredService<EndpointTester>().TestAsync(
            Host.Services.GetRequiredService<ProjectStore>().Find(project.Id)!, user, persona, TestContext.Current.CancellationToken);
        Assert.True(result.Ok);
        Assert.Equal(CallLog.History, result.ChatHistory.Kind);
    }

    [Fact]
    public async Task Bad_bodies_and_unknown_projects_are_refused()
    {
        var project = await Host.CreateProjectAsync(Customer);
        using (var missing = await Host.Http.SendAsync(DumGumHost.Admin(HttpMethod.Post, $"/admin/v1/projects/{project.Id}/endpoint-test",
                   new { userProfileId = "u1" }), TestContext.Current.CancellationToken))
            ProblemAssert.Messages(await ProblemAssert.ReadAsync(missing, HttpStatusCode.BadRequest), "personaProfileId");
        using (var empty = await Host.Http.SendAsync(DumGumHost.Admin(HttpMethod.Post, $"/admin/v1/projects/{project.Id}/endpoint-test",
                   new { userProfileId = "", personaProfileId = "p" }), TestContext.Current.CancellationToken))
            ProblemAssert.Messages(await ProblemAssert.ReadAsync(empty, HttpStatusCode.BadRequest), "userProfileId");
        using var unknown = await Host.Http.SendAsync(DumGumHost.Admin(HttpMethod.Post, "/admin/v1/projects/proj_missing/endpoint-test",
            new { userProfileId = "u1", personaProfileId = "p1" }), TestContext.Current.CancellationToken);
        await ProblemAssert.ReadAsync(unknown, HttpStatusCode.NotFound);
    }
}
