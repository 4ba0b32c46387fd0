using System.Net;
using DumGum.Tests.Infrastructure;

namespace DumGum.Tests.Customers;

/// <summary>The project's endpoint bearer token: sent on every call to the customer, never shown back, never logged, rotatable.</summary>
public sealed class EndpointBearerTokenTests : IAsyncLifetime
{
    const string Token = "tok_Zr8Qm2LxW9vB4nK7pT1d";
    FakeCustomer customer = null!;
    DumGumHost host = null!;

    public async ValueTask InitializeAsync()
    {
        customer = await FakeCustomer.StartAsync();
        host = DumGumHost.Start();
    }

    public async ValueTask DisposeAsync()
    {
        await host.DisposeAsync();
        await customer.DisposeAsync();
    }

    static string? Authorization(ReceivedCall call) => call.Headers.TryGetValue("Authorization", out var v) ? v : null;

    [Fact]
    public async Task The_token_goes_on_every_call_and_never_comes_back()
    {
        var project = await host.CreateProjectAsync(customer, new { endpointBearerToken = Token, customHeaders = new Dictionary<string, string> { ["Authorization"] = "Basic b2xkOm9sZA==" } });
        var json = await host.AdminJsonAsync(HttpMethod.Get, $"/admin/v1/projects/{project.Id}");
        Assert.True((bool)json["endpointBearerTokenSet"]!);
        Assert.Equal("…" + Token[^4..], (string)json["endpointBearerTokenHint"]!);
        Assert.DoesNotContain(Token, json.ToJsonString(), StringComparison.Ordinal);

        customer.AddPair("u-1", "p-1", "Hi!");
        using (var r = await host.EnqueueAsync(project.Key, new { userProfileId = "u-1", personaProfileId = "p-1", language = "EN", replyParameters = new { bufferSeconds = 0 } }))
            Assert.Equal(HttpStatusCode.NoContent, r.StatusCode);
        await customer.WaitForCallsAsync("/incoming", 2);
        foreach (var path in new[] { "/profile", "/history", "/incoming" })
            Assert.All(customer.Calls.Where(c => c.Path == path), c => Assert.Equal("Bearer " + Token, Authorization(c)));

        var logs = await host.WaitForLogsAsync(project.Id, "incoming_content", items => items.Count >= 2);
        Assert.DoesNotContain(Token, string.Join("", logs.Select(l => l.ToJsonString())), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_token_is_rotated_or_removed_and_a_bad_one_is_refused()
    {
        var project = await host.CreateProjectAsync(customer, new { endpointBearerToken = Token });
        using (var bad = await host.Http.SendAsync(DumGumHost.Admin(HttpMethod.Patch, $"/admin/v1/projects/{project.Id}", new { endpointBearerToken = "two words" }), TestContext.Current.CancellationToken))
        {
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
            Assert.Contains("endpointBearerToken", await bad.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
        }

        await host.AdminJsonAsync(HttpMethod.Patch, $"/admin/v1/projects/{project.Id}", new { endpointBearerToken = "tok_rotated_0000000000000" });
        customer.AddPair("u-2", "p-2", "Hello");
        using (var r = await host.EnqueueAsync(project.Key, new { userProfileId = "u-2", personaProfileId = "p-2", language = "EN", replyParameters = new { bufferSeconds = 0 } }))
            Assert.Equal(HttpStatusCode.NoContent, r.StatusCode);
        await customer.WaitForCallsAsync("/history", 1);
        Assert.Equal("Bearer tok_rotated_0000000000000", Authorization(customer.Calls.First(c => c.Path == "/history")));

        var removed = await host.AdminJsonAsync(HttpMethod.Patch, $"/admin/v1/projects/{project.Id}", new { endpointBearerToken = "" });
        Assert.False((bool)removed["endpointBearerTokenSet"]!);
        customer.AddPair("u-3", "p-3", "Hey");
        using (var r = await host.EnqueueAsync(project.Key, new { userProfileId = "u-3", personaProfileId = "p-3", language = "EN", replyParameters = new { bufferSeconds = 0 } }))
            Assert.Equal(HttpStatusCode.NoContent, r.StatusCode);
        await customer.WaitForCallsAsync("/history", 2);
        Assert.Null(Authorization(customer.Calls.Last(c => c.Path == "/history")));
    }
}
