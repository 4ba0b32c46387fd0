using System.Net;
using System.Text.Json.Nodes;
using DumGum.Projects;
using DumGum.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace DumGum.Tests.Api;

/// <summary>GET /admin/v1/projects pages like the logs: limit and an after cursor (nextAfter).</summary>
public sealed class ProjectPagingTests
{
    static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Pages_cover_every_project_once_oldest_first()
    {
        await using var customer = await FakeCustomer.StartAsync();
        await using var host = DumGumHost.Start();
        var created = new List<string>();
        for (var i = 0; i < 5; i++) created.Add((await host.CreateProjectAsync(customer)).Id);

        var seen = new List<string>();
        string? after = null;
        var pages = 0;
        do
        {
            var page = await host.AdminJsonAsync(HttpMethod.Get, "/admin/v1/projects?limit=2" + (after is null ? "" : "&after=" + after));
            var ids = page["items"]!.AsArray().Select(p => (string)p!["id"]!).ToList();
            Assert.InRange(ids.Count, 1, 2);
            seen.AddRange(ids);
            after = (string?)page["nextAfter"];
            pages++;
        } while (after is not null);
        Assert.Equal(3, pages);
        Assert.Equal(created, seen);

        var all = await host.AdminJsonAsync(HttpMethod.Get, "/admin/v1/projects");
        Assert.Equal(5, all["items"]!.AsArray().Count);
        Assert.Null(all["nextAfter"]);

        // The service the dashboard calls answers the same.
        var store = host.Services.GetRequiredService<ProjectStore>();
        var second = store.Page(2, store.Page(2).NextAfter);
        Assert.Equal(created[2..4], second.Items.Select(p => p.Id));
    }

    [Fact]
    public async Task OpenApi_names_and_summarises_the_dashboard_routes()
    {
        await using var host = DumGumHost.Start();
        using var response = await host.Http.GetAsync("/openapi/v1.json", Token);
        var paths = JsonNode.Parse(await response.Content.ReadAsStringAsync(Token))!["paths"]!;
        foreach (var (path, method, name) in new[]
                 {
                     ("/admin/v1/projects", "get", "ListProjects"),
                     ("/admin/v1/projects/{id}/bans", "get", "ListBans"),
                     ("/admin/v1/projects/{id}/bans/{banId}", "delete", "LiftBan"),
                     ("/admin/v1/projects/{id}/endpoint-test", "post", "TestCustomerEndpoints"),
                 })
        {
            var operation = paths[path]?[method];
            Assert.True(operation is JsonObject, $"{method} {path} is described");
            Assert.Equal(name, (string?)operation["operationId"]);
            Assert.False(string.IsNullOrWhiteSpace((string?)operation["summary"]), $"{name} has a summary");
            Assert.True(operation["responses"]!.AsObject().Count >= 2, $"{name} lists its responses");
        }
        Assert.True(paths["/admin/v1/projects/{id}/endpoint-test"]!["post"]!["requestBody"]?["content"]?["application/json"] is JsonObject);
    }

    [Theory]
    [InlineData("limit=0", "limit")]
    [InlineData("limit=1001", "limit")]
    [InlineData("limit=-1", "limit")]
    [InlineData("limit=abc", "limit")]
    [InlineData("after=proj_doesnotexist", "after")]
    public async Task Bad_paging_values_are_refused_naming_the_parameter(string query, string parameter)
    {
        await using var host = DumGumHost.Start();
        using var response = await host.Http.SendAsync(DumGumHost.Admin(HttpMethod.Get, "/admin/v1/projects?" + query), Token);
        var problem = await ProblemAssert.ReadAsync(response, HttpStatusCode.BadRequest);
        ProblemAssert.Messages(problem, parameter);
    }
}
