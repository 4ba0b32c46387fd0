using System.Net;
using System.Text.Json.Nodes;
using DumGum.Tests.Infrastructure;

namespace DumGum.Tests.Api;

/// <summary>GET /admin/v1/status says which reply engine writes the replies, so nobody mistakes the offline stand-in for a model.</summary>
public sealed class StatusTests
{
    static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_default_server_says_it_runs_the_offline_engine()
    {
        await using var host = DumGumHost.Start();
        var status = await host.AdminJsonAsync(HttpMethod.Get, "/admin/v1/status");
        var engine = status["engine"]!;
        Assert.Equal("Offline", (string?)engine["provider"]);
        Assert.Equal("offline", (string?)engine["kind"]);
        Assert.Contains("not a language model", (string?)engine["description"] ?? "", StringComparison.OrdinalIgnoreCase);
        Assert.Null((string?)engine["endpoint"]);
        Assert.Equal("dumgum-offline-1", (string?)engine["models"]![0]!["backendModel"]);
        Assert.Equal(["DE", "EN", "ES", "FR", "IT", "NL", "PT"], engine["offlineLanguages"]!.AsArray().Select(l => (string)l!));
        Assert.Equal("Sqlite", (string?)status["storage"]);

        using var anonymous = await host.Http.GetAsync("/admin/v1/status", Token);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
    }

    [Fact]
    public async Task A_model_server_is_named_with_its_endpoint_and_models_but_never_its_key()
    {
        await using var host = DumGumHost.Start(settings: new()
        {
            ["Generation:Provider"] = "OpenAI",
            ["Generation:Endpoint"] = "http://127.0.0.1:9/v1",
            ["Generation:ApiKey"] = "sk-secret-never-shown",
            ["Generation:Models:dating-smart-1:BackendModel"] = "qwen2.5:7b-instruct",
        });
        using var response = await host.Http.SendAsync(DumGumHost.Admin(HttpMethod.Get, "/admin/v1/status"), Token);
        var text = await response.Content.ReadAsStringAsync(Token);
        Assert.DoesNotContain("sk-secret", text, StringComparison.Ordinal);
        var engine = JsonNode.Parse(text)!["engine"]!;
        Assert.Equal("OpenAI", (string?)engine["provider"]);
        Assert.Equal("model", (string?)engine["kind"]);
        Assert.Equal("http://127.0.0.1:9/v1", (string?)engine["endpoint"]);
        Assert.Contains(engine["models"]!.AsArray(), m => (string?)m!["name"] == "dating-smart-1" && (string?)m["backendModel"] == "qwen2.5:7b-instruct");
    }

    [Fact]
    public async Task OpenApi_describes_the_status_route()
    {
        await using var host = DumGumHost.Start();
        using var response = await host.Http.GetAsync("/openapi/v1.json", Token);
        var operation = JsonNode.Parse(await response.Content.ReadAsStringAsync(Token))!["paths"]!["/admin/v1/status"]!["get"]!;
        Assert.Equal("GetStatus", (string?)operation["operationId"]);
        Assert.False(string.IsNullOrWhiteSpace((string?)operation["summary"]));
        Assert.True(operation["responses"]!.AsObject().Count >= 2);
    }
}
