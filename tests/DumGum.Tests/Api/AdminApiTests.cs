using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using DumGum.Tests.Infrastructure;
using DumGum.Webhooks;

namespace DumGum.Tests.Api;

public sealed class AdminApiFixture : IAsyncLifetime
{
    public DumGumHost Host { get; private set; } = null!;

    public ValueTask InitializeAsync()
    {
        Host = DumGumHost.Start();
        return ValueTask.CompletedTask;
    }

    public ValueTask DisposeAsync() => Host is null ? ValueTask.CompletedTask : Host.DisposeAsync();
}

public sealed class AdminApiTests(AdminApiFixture f) : IClassFixture<AdminApiFixture>
{
    DumGumHost Host => f.Host;

    static CancellationToken Token => TestContext.Current.CancellationToken;

    static string NewId(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..10];

    static JsonObject NewProjectBody(string name, string baseUrl = "https://customer.example.com") => new()
    {
        ["name"] = name,
        ["profileEndpointUrl"] = baseUrl + "/profile",
        ["chatHistoryEndpointUrl"] = baseUrl + "/history",
        ["incomingContentEndpointUrl"] = baseUrl + "/incoming",
    };

    static HttpRequestMessage WithAuthorization(HttpMethod method, string path, string? authorization, object? body = null)
    {
        var request = new HttpRequestMessage(method, path);
        if (authorization is not null) request.Headers.TryAddWithoutValidation("Authorization", authorization);
        if (body is not null) request.Content = JsonContent.Create(body);
        return request;
    }

    /// <summary>Enqueues (user, persona) with bufferSeconds 0 and waits for the answer.</summary>
    static async Task<ReceivedEvent> AnswerAsync(DumGumHost host, FakeCustomer customer, DumGumHost.TestProject project, string user,
        string persona = "p-admin", object? replyParameters = null)
    {
        customer.Profiles[user] = FakeCustomer.Profile(user, "Tomas");
        customer.Profiles[persona] = FakeCustomer.Profile(persona, "Marta");
        customer.AddUserText(user, persona, "Hey, what are you up to?");
        using var response = await host.EnqueueAsync(project.Key, new
        {
            userProfileId = user, personaProfileId = persona, language = "EN",
            replyParameters = replyParameters ?? new { bufferSeconds = "0", replyTypingDelay = "INSTANT" },
        });
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        return (await customer.WaitForEventAsync(Events.AnswerCreated, user))[0];
    }

    [Theory]
    [InlineData(null)]
    [InlineData("Bearer wrong-token")]
    [InlineData("Bearer " + DumGumHost.AdminToken + "x")]
    [InlineData("Basic dGVzdDp0ZXN0")]
    [InlineData(DumGumHost.AdminToken)]
    public async Task Admin_routes_need_the_admin_token(string? authorization)
    {
        var name = NewId("unauthorised");
        using (var list = await Host.Http.SendAsync(WithAuthorization(HttpMethod.Get, "/admin/v1/projects", authorization), Token))
        {
            await ProblemAssert.ReadAsync(list, HttpStatusCode.Unauthorized);
            ProblemAssert.IsBearerChallenge(list);
        }
        using (var create = await Host.Http.SendAsync(WithAuthorization(HttpMethod.Post, "/admin/v1/projects", authorization, NewProjectBody(name)), Token))
            await ProblemAssert.ReadAsync(create, HttpStatusCode.Unauthorized);

        var all = await Host.AdminJsonAsync(HttpMethod.Get, "/admin/v1/projects");
        Assert.DoesNotContain(all["items"]!.AsArray(), p => (string?)p!["name"] == name);
    }

    [Fact]
    public async Task Creating_a_project_returns_201_with_its_id_and_webhook_secret_and_GET_returns_it()
    {
        using var response = await Host.Http.SendAsync(DumGumHost.Admin(HttpMethod.Post, "/admin/v1/projects", NewProjectBody("Acme dating")), Token);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var created = JsonNode.Parse(await response.Content.ReadAsStringAsync(Token))!.AsObject();
        var id = (string)created["id"]!;
        Assert.Matches("^proj_[0-9A-Za-z]{21}$", id);
        Assert.Equal($"/admin/v1/projects/{id}", response.Headers.Location?.OriginalString);
        var secret = (string)created["webhookSecret"]!;
        Assert.StartsWith("whsec_", secret, StringComparison.Ordinal);
        Assert.Equal(32, Convert.FromBase64String(secret["whsec_".Length..]).Length);

        var fetched = await Host.AdminJsonAsync(HttpMethod.Get, $"/admin/v1/projects/{id}");
        Assert.Equal(id, (string?)fetched["id"]);
        Assert.Equal("Acme dating", (string?)fetched["name"]);
        Assert.Equal("https://customer.example.com/profile", (string?)fetched["profileEndpointUrl"]);
        Assert.Equal("https://customer.example.com/history", (string?)fetched["chatHistoryEndpointUrl"]);
        Assert.Equal("https://customer.example.com/incoming", (string?)fetched["incomingContentEndpointUrl"]);
        Assert.Equal(secret, (string?)fetched["webhookSecret"]);

        var all = await Host.AdminJsonAsync(HttpMethod.Get, "/admin/v1/projects");
        Assert.Contains(all["items"]!.AsArray(), p => (string?)p!["id"] == id);

        using var missing = await Host.Http.SendAsync(DumGumHost.Admin(HttpMethod.Get, "/admin/v1/projects/proj_000000000000000000000"), Token);
        await ProblemAssert.ReadAsync(missing, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_project_without_required_fields_is_a_400_naming_each()
    {
        using var response = await Host.Http.SendAsync(DumGumHost.Admin(HttpMethod.Post, "/admin/v1/projects", new { customHeaders = new { } }), Token);
        var problem = await ProblemAssert.ReadAsync(response, HttpStatusCode.BadRequest);
        var errors = problem["errors"]!.AsObject();
        Assert.Equal(
            new[] { "chatHistoryEndpointUrl", "incomingContentEndpointUrl", "name", "profileEndpointUrl" },
            errors.Select(e => e.Key).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_bad_endpoint_url_is_a_400_naming_the_field()
    {
        var body = NewProjectBody(NewId("bad-url"));
        body["chatHistoryEndpointUrl"] = "/relative/history";
        using var response = await Host.Http.SendAsync(DumGumHost.Admin(HttpMethod.Post, "/admin/v1/projects", body), Token);
        var problem = await ProblemAssert.ReadAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal(["chatHistoryEndpointUrl"], problem["errors"]!.AsObject().Select(e => e.Key));
    }

    [Theory]
    [InlineData("webhook-signature")]
    [InlineData("Webhook-Id")]
    [InlineData("Host")]
    [InlineData("Content-Length")]
    public async Task A_reserved_custom_header_is_refused(string header)
    {
        var body = NewProjectBody(NewId("reserved"));
        body["customHeaders"] = new JsonObject { ["X-Tenant"] = "acme", [header] = "v1,forged" };
        using var create = await Host.Http.SendAsync(DumGumHost.Admin(HttpMethod.Post, "/admin/v1/projects", body), Token);
        var problem = await ProblemAssert.ReadAsync(create, HttpStatusCode.BadRequest);
        Assert.Equal([$"customHeaders.{header}"], problem["errors"]!.AsObject().Select(e => e.Key));

        var existing = await Host.AdminJsonAsync(HttpMethod.Post, "/admin/v1/projects", NewProjectBody(NewId("reserved-patch")), 201);
        var id = (string)existing["id"]!;
        using var patch = await Host.Http.SendAsync(DumGumHost.Admin(HttpMethod.Patch, $"/admin/v1/projects/{id}",
            new JsonObject { ["customHeaders"] = new JsonObject { [header] = "v1,forged" } }), Token);
        var patchProblem = await ProblemAssert.ReadAsync(patch, HttpStatusCode.BadRequest);
        ProblemAssert.Messages(patchProblem, $"customHeaders.{header}");
        var after = await Host.AdminJsonAsync(HttpMethod.Get, $"/admin/v1/projects/{id}");
        Assert.Empty(after["customHeaders"]!.AsObject());
    }

    [Fact]
    public async Task PATCH_changes_endpoints_headers_and_default_reply_parameters_and_refuses_invalid_defaults()
    {
        var project = await Host.AdminJsonAsync(HttpMethod.Post, "/admin/v1/projects", NewProjectBody(NewId("patch")), 201);
        var id = (string)project["id"]!;

        var patched = await Host.AdminJsonAsync(HttpMethod.Patch, $"/admin/v1/projects/{id}", new JsonObject
        {
            ["profileEndpointUrl"] = "https://other.example.com/p",
            ["customHeaders"] = new JsonObject { ["X-Tenant"] = "acme" },
            ["defaultReplyParameters"] = new JsonObject { ["bufferSeconds"] = "2", ["emojis"] = "rare" },
        });
        Assert.Equal("https://other.example.com/p", (string?)patched["profileEndpointUrl"]);
        Assert.Equal("https://customer.example.com/history", (string?)patched["chatHistoryEndpointUrl"]);
        Assert.Equal("acme", (string?)patched["customHeaders"]!["X-Tenant"]);
        Assert.Equal(2, (int)patched["defaultReplyParameters"]!["bufferSeconds"]!);
        Assert.Equal("RARE", (string?)patched["defaultReplyParameters"]!["emojis"]);
        Assert.Equal((string?)project["webhookSecret"], (string?)patched["webhookSecret"]);

        using var invalid = await Host.Http.SendAsync(DumGumHost.Admin(HttpMethod.Patch, $"/admin/v1/projects/{id}",
            new { defaultReplyParameters = new { bufferSeconds = 99 } }), Token);
        var problem = await ProblemAssert.ReadAsync(invalid, HttpStatusCode.BadRequest);
        Assert.Equal(["defaultReplyParameters.bufferSeconds"], problem["errors"]!.AsObject().Select(e => e.Key));

        var fetched = await Host.AdminJsonAsync(HttpMethod.Get, $"/admin/v1/projects/{id}");
        Assert.Equal("https://other.example.com/p", (string?)fetched["profileEndpointUrl"]);
        Assert.Equal("acme", (string?)fetched["customHeaders"]!["X-Tenant"]);
        Assert.Equal(2, (int)fetched["defaultReplyParameters"]!["bufferSeconds"]!);

        using var unknown = await Host.Http.SendAsync(DumGumHost.Admin(HttpMethod.Patch, "/admin/v1/projects/proj_000000000000000000000",
            new { name = "x" }), Token);
        await ProblemAssert.ReadAsync(unknown, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Rotated_secret_signs_with_both_the_new_and_the_old_secret()
    {
        await using var customer = await FakeCustomer.StartAsync();
        var project = await Host.CreateProjectAsync(customer);

        var rotated = await Host.AdminJsonAsync(HttpMethod.Patch, $"/admin/v1/projects/{project.Id}", new { rotateWebhookSecret = true });
        var newSecret = (string)rotated["webhookSecret"]!;
        Assert.StartsWith("whsec_", newSecret, StringComparison.Ordinal);
        Assert.NotEqual(project.WebhookSecret, newSecret);
        var overlapEnd = DateTimeOffset.Parse((string)rotated["previousWebhookSecretExpiresAt"]!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(overlapEnd, DateTimeOffset.UtcNow.AddHours(23), DateTimeOffset.UtcNow.AddHours(25));

        var e = await AnswerAsync(Host, customer, project, NewId("u"));
        var signatures = e.Signature.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, signatures.Length);
        Assert.All(signatures, s => Assert.StartsWith("v1,", s, StringComparison.Ordinal));
        var body = Encoding.UTF8.GetBytes(e.Body);
        Assert.True(WebhookSigner.Verify(newSecret, e.WebhookId, e.Timestamp, body, e.Signature), "verifies with the new secret");
        Assert.True(WebhookSigner.Verify(project.WebhookSecret, e.WebhookId, e.Timestamp, body, e.Signature), "verifies with the old secret");
        Assert.False(WebhookSigner.Verify(WebhookSigner.NewSecret(), e.WebhookId, e.Timestamp, body, e.Signature));
        Assert.False(WebhookSigner.Verify(newSecret, e.WebhookId, e.Timestamp + 1, body, e.Signature), "the timestamp is signed");
    }

    [Fact]
    public async Task Custom_headers_and_default_reply_parameters_reach_the_customer()
    {
        await using var customer = await FakeCustomer.StartAsync();
        var project = await Host.CreateProjectAsync(customer, new JsonObject
        {
            ["customHeaders"] = new JsonObject { ["X-Tenant"] = "acme", ["Authorization"] = "Bearer customer-token" },
            // No bufferSeconds in the request below: the project default (0) must apply, not the built-in 5 s.
            ["defaultReplyParameters"] = new JsonObject { ["bufferSeconds"] = 0, ["replyTypingDelay"] = "INSTANT" },
        });
        var user = NewId("u");
        customer.Profiles[user] = FakeCustomer.Profile(user, "Tomas");
        customer.Profiles["p-headers"] = FakeCustomer.Profile("p-headers", "Marta");
        customer.AddUserText(user, "p-headers", "Hello");

        using var response = await Host.EnqueueAsync(project.Key, new { userProfileId = user, personaProfileId = "p-headers", language = "EN" });
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        await customer.WaitForEventAsync(Events.AnswerProcessing, user, seconds: 4);
        await customer.WaitForEventAsync(Events.AnswerCreated, user);

        var calls = customer.Calls.ToList();
        foreach (var path in new[] { "/profile", "/history", "/incoming" })
        {
            var ofPath = calls.Where(c => c.Path == path).ToList();
            Assert.NotEmpty(ofPath);
            Assert.All(ofPath, c =>
            {
                Assert.Equal("acme", c.Headers.GetValueOrDefault("X-Tenant"));
                Assert.Equal("Bearer customer-token", c.Headers.GetValueOrDefault("Authorization"));
                Assert.False(string.IsNullOrWhiteSpace(c.Headers.GetValueOrDefault("User-Agent")), $"{path} carries a User-Agent");
            });
        }
    }

    [Fact]
    public async Task Logs_list_the_calls_to_the_customer_and_filter_by_kind()
    {
        await using var customer = await FakeCustomer.StartAsync();
        var project = await Host.CreateProjectAsync(customer);
        var other = await Host.CreateProjectAsync(customer);
        var user = NewId("u");
        await AnswerAsync(Host, customer, project, user, "p-logs");

        // Log lines are written without waiting; poll until the incoming event delivery shows up.
        JsonArray items = [];
        var until = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < until)
        {
            items = (await Host.AdminJsonAsync(HttpMethod.Get, $"/admin/v1/projects/{project.Id}/logs"))["items"]!.AsArray();
            if (items.Count(i => (string?)i!["kind"] == "incoming_content") >= 2 && items.Any(i => (string?)i!["kind"] == "chat_history")
                && items.Count(i => (string?)i!["kind"] == "profile") >= 2) break;
            await Task.Delay(50, Token);
        }

        var history = items.Single(i => (string?)i!["kind"] == "chat_history")!;
        Assert.StartsWith(customer.HistoryUrl + "?", (string)history["url"]!, StringComparison.Ordinal);
        Assert.Contains("userProfileId=" + user, (string)history["url"]!, StringComparison.Ordinal);
        Assert.Equal(200, (int)history["status"]!);
        Assert.Equal(1, (int)history["attempt"]!);
        Assert.InRange((long)history["latencyMs"]!, 0, 10_000);
        Assert.Equal(user, (string?)history["userProfileId"]);
        Assert.Equal("p-logs", (string?)history["personaProfileId"]);

        var profiles = items.Where(i => (string?)i!["kind"] == "profile").ToList();
        Assert.Equal(2, profiles.Count);
        Assert.Contains(profiles, p => ((string)p!["url"]!).EndsWith("profileId=" + user, StringComparison.Ordinal));
        Assert.Contains(profiles, p => ((string)p!["url"]!).EndsWith("profileId=p-logs", StringComparison.Ordinal));
        Assert.All(profiles, p => Assert.Equal(200, (int)p!["status"]!));

        var incoming = items.Where(i => (string?)i!["kind"] == "incoming_content").ToList();
        Assert.True(incoming.Count >= 2, $"processing and created deliveries are logged: {items.ToJsonString()}");
        Assert.All(incoming, i =>
        {
            Assert.Equal(customer.IncomingUrl, (string?)i!["url"]);
            Assert.Equal(204, (int)i["status"]!);
            Assert.Equal(1, (int)i["attempt"]!);
            Assert.True((long)i["latencyMs"]! >= 0);
        });

        var onlyHistory = (await Host.AdminJsonAsync(HttpMethod.Get, $"/admin/v1/projects/{project.Id}/logs?kind=chat_history"))["items"]!.AsArray();
        Assert.Single(onlyHistory);
        Assert.Equal("chat_history", (string?)onlyHistory[0]!["kind"]);

        var limited = (await Host.AdminJsonAsync(HttpMethod.Get, $"/admin/v1/projects/{project.Id}/logs?limit=1"))["items"]!.AsArray();
        Assert.Single(limited);

        using var zero = await Host.Http.SendAsync(DumGumHost.Admin(HttpMethod.Get, $"/admin/v1/projects/{project.Id}/logs?limit=0"), Token);
        var problem = await ProblemAssert.ReadAsync(zero, HttpStatusCode.BadRequest);
        ProblemAssert.Messages(problem, "limit");

        using var badKind = await Host.Http.SendAsync(DumGumHost.Admin(HttpMethod.Get, $"/admin/v1/projects/{project.Id}/logs?kind=dns"), Token);
        ProblemAssert.Messages(await ProblemAssert.ReadAsync(badKind, HttpStatusCode.BadRequest), "kind");

        var otherLogs = (await Host.AdminJsonAsync(HttpMethod.Get, $"/admin/v1/projects/{other.Id}/logs"))["items"]!.AsArray();
        Assert.Empty(otherLogs);
    }

    [Fact]
    public async Task Without_private_networks_allowed_local_and_private_endpoint_urls_are_refused()
    {
        await using var strict = DumGumHost.Start(settings: new() { ["Security:AllowPrivateNetworkEndpoints"] = "false" });
        foreach (var url in new[] { "http://127.0.0.1:9/x", "https://localhost/x", "https://10.0.0.5/x", "https://127.0.0.1/x", "https://[::1]/x", "https://169.254.169.254/latest" })
        {
            var body = NewProjectBody(NewId("private"));
            body["profileEndpointUrl"] = url;
            using var response = await strict.Http.SendAsync(DumGumHost.Admin(HttpMethod.Post, "/admin/v1/projects", body), Token);
            var problem = await ProblemAssert.ReadAsync(response, HttpStatusCode.BadRequest);
            Assert.True(problem["errors"]!.AsObject().Select(e => e.Key).SequenceEqual(["profileEndpointUrl"]),
                $"{url}: {problem.ToJsonString()}");
        }
        Assert.Empty((await strict.AdminJsonAsync(HttpMethod.Get, "/admin/v1/projects"))["items"]!.AsArray());

        var created = await strict.AdminJsonAsync(HttpMethod.Post, "/admin/v1/projects", NewProjectBody("public"), 201);
        var id = (string)created["id"]!;

        using var patch = await strict.Http.SendAsync(DumGumHost.Admin(HttpMethod.Patch, $"/admin/v1/projects/{id}",
            new { incomingContentEndpointUrl = "https://192.168.1.10/in" }), Token);
        var patchProblem = await ProblemAssert.ReadAsync(patch, HttpStatusCode.BadRequest);
        ProblemAssert.Messages(patchProblem, "incomingContentEndpointUrl");
        Assert.Equal("https://customer.example.com/incoming",
            (string?)(await strict.AdminJsonAsync(HttpMethod.Get, $"/admin/v1/projects/{id}"))["incomingContentEndpointUrl"]);
    }
}
