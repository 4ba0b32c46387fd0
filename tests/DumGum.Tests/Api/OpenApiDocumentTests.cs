using System.Text.Json.Nodes;
using DumGum.Tests.Infrastructure;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.OpenApi;
using Microsoft.OpenApi.Reader;

namespace DumGum.Tests.Api;

/// <summary>docs/behaviour.md, "The OpenAPI document": a document a client can be generated from.</summary>
public sealed class OpenApiDocumentTests : IAsyncLifetime
{
    static CancellationToken Token => TestContext.Current.CancellationToken;
    DumGumHost host = null!;
    string text = "";

    public async ValueTask InitializeAsync()
    {
        host = DumGumHost.Start();
        text = await host.Http.GetStringAsync("/openapi/v1.json", Token);
    }

    public async ValueTask DisposeAsync() => await host.DisposeAsync();

    JsonNode Json => JsonNode.Parse(text)!;

    IEnumerable<(string Path, string Method, JsonObject Operation)> Operations() =>
        from path in Json["paths"]!.AsObject()
        from method in path.Value!.AsObject()
        select (path.Key, method.Key, method.Value!.AsObject());

    [Fact]
    public async Task Microsoft_OpenApi_reads_and_validates_it_without_errors()
    {
        using var stream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(text));
        var result = await OpenApiDocument.LoadAsync(stream, "json", new OpenApiReaderSettings(), Token);
        Assert.Empty(result.Diagnostic?.Errors ?? []);
        var errors = result.Document!.Validate(ValidationRuleSet.GetDefaultRuleSet())?.ToList() ?? [];
        Assert.True(errors.Count == 0, string.Join("\n", errors.Select(e => $"{e.Pointer}: {e.Message}")));
    }

    [Fact]
    public void Every_operation_has_an_operationId_a_summary_and_a_security_scheme()
    {
        var schemes = Json["components"]!["securitySchemes"]!.AsObject();
        Assert.Equal("bearer", (string?)schemes["accessKey"]!["scheme"]);
        Assert.Equal("bearer", (string?)schemes["adminToken"]!["scheme"]);
        var ids = new HashSet<string>();
        foreach (var (path, method, operation) in Operations())
        {
            var id = (string?)operation["operationId"];
            Assert.False(string.IsNullOrWhiteSpace(id), $"{method} {path} has an operationId");
            Assert.True(ids.Add(id!), $"operationId {id} is unique");
            Assert.False(string.IsNullOrWhiteSpace((string?)operation["summary"]), $"{method} {path} has a summary");
            var security = operation["security"]?.AsArray().SelectMany(r => r!.AsObject().Select(p => p.Key)).ToList();
            Assert.Equal([path.StartsWith("/admin/", StringComparison.Ordinal) ? "adminToken" : "accessKey"], security);
        }
    }

    [Fact]
    public void Enqueue_requires_only_the_three_documented_fields()
    {
        var body = Json["paths"]!["/cs/v1/content_creation/conversations/enqueue"]!["post"]!["requestBody"]!["content"]!["application/json"]!["schema"]!;
        Assert.Equal(["language", "personaProfileId", "userProfileId"],
            body["required"]!.AsArray().Select(x => (string)x!).Order(StringComparer.Ordinal));
        Assert.NotNull(body["properties"]!["replyParameters"]);
    }

    [Fact]
    public void Every_admin_request_and_response_body_has_a_schema_and_problems_describe_errors()
    {
        foreach (var (path, method, operation) in Operations())
        {
            if (operation["requestBody"] is { } request)
                Assert.NotNull(request["content"]?["application/json"]?["schema"]);
            else if (method is "post" or "patch" && path != "/admin/v1/projects/{id}/bans/{banId}")
                Assert.Fail($"{method} {path} describes its request body");
            foreach (var (status, response) in operation["responses"]!.AsObject())
            {
                if (status == "204") continue;
                var content = response!["content"]?.AsObject();
                Assert.True(content is { Count: > 0 }, $"{method} {path} {status} has a body schema");
                foreach (var (_, media) in content!) Assert.NotNull(media!["schema"]);
                if (status.StartsWith('4') || status.StartsWith('5'))
                    Assert.Equal("#/components/schemas/ProblemDetails", (string?)content["application/problem+json"]?["schema"]?["$ref"]);
            }
        }
        var problem = Json["components"]!["schemas"]!["ProblemDetails"]!;
        Assert.Equal("array", (string?)problem["properties"]!["errors"]!["additionalProperties"]!["type"]);
        Assert.NotNull(problem["properties"]!["traceId"]);
        var created = Json["paths"]!["/admin/v1/projects"]!["post"]!;
        Assert.Equal(["chatHistoryEndpointUrl", "incomingContentEndpointUrl", "name", "profileEndpointUrl"],
            created["requestBody"]!["content"]!["application/json"]!["schema"]!["required"]!.AsArray().Select(x => (string)x!).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Webhooks_describe_every_event_DumGum_sends()
    {
        var webhooks = Json["webhooks"]!.AsObject();
        Assert.Equal(["answer.created", "answer.processing", "chat.image.rejected", "conversation.dropped"], webhooks.Select(w => w.Key).Order(StringComparer.Ordinal));
        foreach (var (name, item) in webhooks)
        {
            var post = item!["post"]!;
            Assert.False(string.IsNullOrWhiteSpace((string?)post["operationId"]));
            Assert.False(string.IsNullOrWhiteSpace((string?)post["summary"]));
            var reference = (string)post["requestBody"]!["content"]!["application/json"]!["schema"]!["$ref"]!;
            var schema = Json["components"]!["schemas"]![reference.Split('/')[^1]]!;
            Assert.Equal(name, (string?)schema["properties"]!["event"]!["enum"]![0]);
            Assert.Contains(post["parameters"]!.AsArray(), p => (string?)p!["name"] == "webhook-signature");
        }
        // The answer's optional members are always present, null when they have no value (docs/behaviour.md, "Events").
        var answer = Json["components"]!["schemas"]!["AnswerDocument"]!;
        Assert.Contains("parentAnswerId", answer["required"]!.AsArray().Select(x => (string)x!));
        Assert.Contains("null", answer["properties"]!["parentAnswerId"]!["type"]!.AsArray().Select(x => (string)x!));
    }

    [Fact]
    public void Every_mapped_endpoint_is_documented_except_the_dashboard_sample_and_operations()
    {
        var documented = Operations().Select(o => (o.Path, o.Method.ToUpperInvariant())).ToHashSet();
        string[] undocumented = ["/dashboard", "/sample", "/healthz", "/metrics", "/openapi/", "/_framework/", "/_blazor"];
        var missing = new List<string>();
        foreach (var endpoint in host.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>())
        {
            var path = "/" + endpoint.RoutePattern.RawText!.TrimStart('/');
            var methods = endpoint.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.IHttpMethodMetadata>()?.HttpMethods ?? ["*"];
            var excluded = endpoint.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.IExcludeFromDescriptionMetadata>()?.ExcludeFromDescription == true;
            if (undocumented.Any(p => path.StartsWith(p, StringComparison.Ordinal)) || IsStaticAsset(endpoint)) continue;
            Assert.False(excluded, $"{path} is hidden from the document but is not a dashboard, sample or operations route");
            foreach (var method in methods)
                if (!documented.Contains((path, method))) missing.Add($"{method} {path}");
        }
        Assert.Empty(missing);
    }

    /// <summary>The dashboard's static files (MapStaticAssets, and the development-time fallback <c>{**path:file}</c>).</summary>
    static bool IsStaticAsset(RouteEndpoint endpoint) =>
        endpoint.Metadata.Any(m => m.GetType().Name.Contains("StaticAsset", StringComparison.Ordinal))
        || endpoint.RoutePattern.RawText?.Contains(":file}", StringComparison.Ordinal) == true;
}
