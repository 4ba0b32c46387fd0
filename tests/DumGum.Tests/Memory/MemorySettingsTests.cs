using System.Net;
using System.Text.Json.Nodes;
using DumGum.Tests.Infrastructure;

namespace DumGum.Tests.Memory;

/// <summary>The project's memory settings: accepted on create and patch with the endpoint rules, returned, stored.</summary>
public sealed class MemorySettingsTests : IAsyncLifetime
{
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

    [Fact]
    public async Task Defaults_are_memory_on_full_state_and_no_webhook()
    {
        var project = await host.CreateProjectAsync(customer);
        var json = await host.AdminJsonAsync(HttpMethod.Get, $"/admin/v1/projects/{project.Id}");
        Assert.True((bool)json["memoryEnabled"]!);
        Assert.Null(json["memoryWebhookUrl"]);
        Assert.Equal("{}", json["memoryWebhookCustomHeaders"]!.ToJsonString());
        Assert.Equal("FULL_STATE", (string?)json["memoryWebhookMode"]);
    }

    [Fact]
    public async Task Settings_are_stored_on_create_changed_on_patch_and_the_url_removed_with_an_empty_string()
    {
        var project = await host.CreateProjectAsync(customer, new
        {
            memoryEnabled = false,
            memoryWebhookUrl = customer.BaseUrl + "/memory",
            memoryWebhookCustomHeaders = new Dictionary<string, string> { ["X-Api-Key"] = "k-123" },
            memoryWebhookMode = "CHANGES_ONLY",
        });
        var json = await host.AdminJsonAsync(HttpMethod.Get, $"/admin/v1/projects/{project.Id}");
        Assert.False((bool)json["memoryEnabled"]!);
        Assert.Equal(customer.BaseUrl + "/memory", (string?)json["memoryWebhookUrl"]);
        Assert.Equal("k-123", (string?)json["memoryWebhookCustomHeaders"]!["X-Api-Key"]);
        Assert.Equal("CHANGES_ONLY", (string?)json["memoryWebhookMode"]);

        var patched = await host.AdminJsonAsync(HttpMethod.Patch, $"/admin/v1/projects/{project.Id}", new { memoryEnabled = true, memoryWebhookMode = "FULL_STATE" });
        Assert.True((bool)patched["memoryEnabled"]!);
        Assert.Equal("FULL_STATE", (string?)patched["memoryWebhookMode"]);
        Assert.Equal(customer.BaseUrl + "/memory", (string?)patched["memoryWebhookUrl"]);   // untouched when not sent

        var removed = await host.AdminJsonAsync(HttpMethod.Patch, $"/admin/v1/projects/{project.Id}", new { memoryWebhookUrl = "" });
        Assert.Null(removed["memoryWebhookUrl"]);
        Assert.Null((await host.AdminJsonAsync(HttpMethod.Get, $"/admin/v1/projects/{project.Id}"))["memoryWebhookUrl"]);
    }

    [Fact]
    public async Task The_settings_are_in_the_OpenAPI_document()
    {
        var doc = JsonNode.Parse(await host.Http.GetStringAsync("/openapi/v1.json", TestContext.Current.CancellationToken))!;
        var response = doc["components"]!["schemas"]!["ProjectResponse"]!["properties"]!;
        foreach (var field in new[] { "memoryEnabled", "memoryWebhookUrl", "memoryWebhookCustomHeaders", "memoryWebhookMode" })
            Assert.NotNull(response[field]);
        // The create and patch bodies (inline or referenced) describe them too.
        foreach (var operationId in new[] { "CreateProject", "UpdateProject" })
        {
            var operation = doc["paths"]!.AsObject().SelectMany(p => p.Value!.AsObject().Select(m => m.Value!))
                .Single(o => (string?)o["operationId"] == operationId);
            var schema = operation["requestBody"]!["content"]!["application/json"]!["schema"]!;
            if (schema["$ref"] is { } reference) schema = doc["components"]!["schemas"]![((string)reference!).Split('/')[^1]]!;
            foreach (var field in new[] { "memoryEnabled", "memoryWebhookUrl", "memoryWebhookCustomHeaders", "memoryWebhookMode" })
                Assert.True(schema["properties"]?[field] is not null, $"{operationId} body has {field}");
        }
    }

    [Theory]
    [InlineData("memoryWebhookUrl", "\"ftp://example.com/memory\"")]
    [InlineData("memoryWebhookUrl", "\"https://user:pw@example.com/memory\"")]
    [InlineData("memoryWebhookMode", "\"SOMETIMES\"")]
    [InlineData("memoryEnabled", "\"yes\"")]
    [InlineData("memoryWebhookCustomHeaders.Host", "{\"Host\":\"evil\"}")]
    public async Task A_broken_setting_is_refused_naming_the_field(string field, string value)
    {
        var project = await host.CreateProjectAsync(customer);
        var top = field.Split('.')[0];
        var body = JsonNode.Parse($"{{\"{top}\":{value}}}")!;
        using var response = await host.Http.SendAsync(DumGumHost.Admin(HttpMethod.Patch, $"/admin/v1/projects/{project.Id}", body), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken))!;
        Assert.NotNull(problem["errors"]![field]);
    }
}
