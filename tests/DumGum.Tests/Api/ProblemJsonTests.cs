using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using DumGum.Tests.Infrastructure;

namespace DumGum.Tests.Api;

/// <summary>
/// Every error answer comes from one producer (IProblemDetailsService), with the same members whoever made the problem
/// and whatever the client's Accept header says (docs/behaviour.md, "Requests and errors").
/// </summary>
public sealed class ProblemJsonTests
{
    static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_validation_problem_has_exactly_the_documented_members()
    {
        await using var customer = await FakeCustomer.StartAsync();
        await using var host = DumGumHost.Start();
        var project = await host.CreateProjectAsync(customer);
        using var response = await host.EnqueueAsync(project.Key, new { userProfileId = "u-1", personaProfileId = "p-1", language = "KLINGON" });
        var problem = await ProblemAssert.ReadAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal(new[] { "detail", "errors", "status", "title", "traceId", "type" }, problem.Select(p => p.Key).Order(StringComparer.Ordinal));
        Assert.Equal("urn:dumgum:problem:validation", (string?)problem["type"]);
        Assert.IsType<JsonArray>(problem["errors"]!["language"]);
    }

    [Fact]
    public async Task A_client_that_does_not_list_json_in_Accept_still_gets_problem_json()
    {
        await using var host = DumGumHost.Start();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/cs/v1/content_creation/conversations/enqueue")
        {
            Content = new StringContent("{}", Encoding.UTF8, "application/json"),
        };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/html"));
        using var response = await host.Http.SendAsync(request, Token);
        var problem = await ProblemAssert.ReadAsync(response, HttpStatusCode.Unauthorized);
        Assert.Equal("urn:dumgum:problem:unauthorized", (string?)problem["type"]);
        ProblemAssert.IsBearerChallenge(response);
    }

    [Fact]
    public async Task The_frameworks_own_problems_have_the_same_shape()
    {
        await using var host = DumGumHost.Start();
        using var response = await host.Http.GetAsync("/no/such/path", Token);
        var problem = await ProblemAssert.ReadAsync(response, HttpStatusCode.NotFound);
        Assert.Equal("No resource at this path.", (string?)problem["detail"]);
    }
}
