using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using DumGum.AccessKeys;
using DumGum.Tests.Infrastructure;
using DumGum.Webhooks;

namespace DumGum.Tests.Api;

public sealed class AccessKeyFixture : IAsyncLifetime
{
    public DumGumHost Host { get; private set; } = null!;

    public ValueTask InitializeAsync()
    {
        Host = DumGumHost.Start();
        return ValueTask.CompletedTask;
    }

    public ValueTask DisposeAsync() => Host is null ? ValueTask.CompletedTask : Host.DisposeAsync();
}

public sealed class AccessKeyTests(AccessKeyFixture f) : IClassFixture<AccessKeyFixture>
{
    DumGumHost Host => f.Host;

    static CancellationToken Token => TestContext.Current.CancellationToken;

    static string NewId(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..10];

    /// <summary>A valid body; bufferSeconds 60 so nothing reaches the customer while the test runs.</summary>
    static object Valid(string user, string persona = "p-1", object? bufferSeconds = null) => new
    {
        userProfileId = user, personaProfileId = persona, language = "EN", replyParameters = new { bufferSeconds = bufferSeconds ?? 60 },
    };

    Task<HttpResponseMessage> EnqueueWithHeaderAsync(string? authorization, object body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/cs/v1/content_creation/conversations/enqueue")
        {
            Content = new StringContent(System.Text.Json.JsonSerializer.Serialize(body), System.Text.Encoding.UTF8, "application/json"),
        };
        if (authorization is not null) request.Headers.TryAddWithoutValidation("Authorization", authorization);
        return Host.Http.SendAsync(request, Token);
    }

    long ConversationsFor(string user) =>
        ReadOnlyDatabase.Scalar(Host.DatabasePath, "SELECT COUNT(*) FROM conversations WHERE user_profile_id = $u", ("$u", user));

    async Task<string> KeyIdAsync(string projectId, string key)
    {
        var list = await Host.AdminJsonAsync(HttpMethod.Get, $"/admin/v1/projects/{projectId}/access-keys");
        return (string)list["items"]!.AsArray().Single(k => (string?)k!["hint"] == AccessKeyFormat.Hint(key))!["id"]!;
    }

    static string ChangeOneCharacter(string key)
    {
        var chars = key.ToCharArray();
        var i = AccessKeyFormat.Prefix.Length + 7;
        chars[i] = chars[i] == 'a' ? 'b' : 'a';
        return new string(chars);
    }

    public static TheoryData<string, string?> BadCredentials => new()
    {
        { "missing Authorization", null },
        { "Basic scheme", "Basic dXNlcjpwYXNz" },
        { "malformed key", "Bearer sk-proj-abc" },
        { "unknown well-formed key", "Bearer " + AccessKeyFormat.NewKey() },
        { "admin token as key", "Bearer " + DumGumHost.AdminToken },
    };

    [Theory]
    [MemberData(nameof(BadCredentials))]
    public async Task Bad_credentials_are_a_401_bearer_challenge_and_nothing_is_queued(string name, string? authorization)
    {
        var user = NewId("u");
        using var response = await EnqueueWithHeaderAsync(authorization, Valid(user));
        var problem = await ProblemAssert.ReadAsync(response, HttpStatusCode.Unauthorized);
        ProblemAssert.IsBearerChallenge(response);
        Assert.False(string.IsNullOrWhiteSpace((string?)problem["detail"]), name);
        Assert.Equal(0, ConversationsFor(user));
    }

    [Fact]
    public async Task A_key_with_one_character_changed_fails_its_checksum_and_is_refused()
    {
        await using var customer = await FakeCustomer.StartAsync();
        var project = await Host.CreateProjectAsync(customer);
        var typo = ChangeOneCharacter(project.Key);
        Assert.False(AccessKeyFormat.IsWellFormed(typo), "precondition: the checksum catches a one-character change");

        var user = NewId("u");
        using var refused = await Host.EnqueueAsync(typo, Valid(user));
        await ProblemAssert.ReadAsync(refused, HttpStatusCode.Unauthorized);
        ProblemAssert.IsBearerChallenge(refused);
        Assert.Equal(0, ConversationsFor(user));

        using var accepted = await Host.EnqueueAsync(project.Key, Valid(user));
        Assert.Equal(HttpStatusCode.NoContent, accepted.StatusCode);
        Assert.Equal(1, ConversationsFor(user));
    }

    [Fact]
    public async Task A_revoked_key_is_refused_at_once()
    {
        await using var customer = await FakeCustomer.StartAsync();
        var project = await Host.CreateProjectAsync(customer);
        using (var before = await Host.EnqueueAsync(project.Key, Valid(NewId("u"))))
            Assert.Equal(HttpStatusCode.NoContent, before.StatusCode);   // the key works (and sits in the auth cache)

        var keyId = await KeyIdAsync(project.Id, project.Key);
        using (var revoke = await Host.Http.SendAsync(DumGumHost.Admin(HttpMethod.Delete, $"/admin/v1/projects/{project.Id}/access-keys/{keyId}"), Token))
            Assert.Equal(HttpStatusCode.NoContent, revoke.StatusCode);

        var user = NewId("u");
        using var after = await Host.EnqueueAsync(project.Key, Valid(user));
        await ProblemAssert.ReadAsync(after, HttpStatusCode.Unauthorized);
        ProblemAssert.IsBearerChallenge(after);
        Assert.Equal(0, ConversationsFor(user));

        var listed = (await Host.AdminJsonAsync(HttpMethod.Get, $"/admin/v1/projects/{project.Id}/access-keys"))["items"]!.AsArray()
            .Single(k => (string?)k!["id"] == keyId)!;
        Assert.NotNull((string?)listed["revokedAt"]);
    }

    [Fact]
    public async Task Key_listing_shows_hints_but_never_the_keys()
    {
        await using var customer = await FakeCustomer.StartAsync();
        var project = await Host.CreateProjectAsync(customer);
        var second = await Host.AdminJsonAsync(HttpMethod.Post, $"/admin/v1/projects/{project.Id}/access-keys", new { name = "ci" }, 201);
        var secondKey = (string)second["key"]!;
        Assert.True(AccessKeyFormat.IsWellFormed(secondKey));
        Assert.Matches("^key_[0-9A-Za-z]+$", (string)second["id"]!);

        using var response = await Host.Http.SendAsync(DumGumHost.Admin(HttpMethod.Get, $"/admin/v1/projects/{project.Id}/access-keys"), Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var text = await response.Content.ReadAsStringAsync(Token);
        foreach (var key in new[] { project.Key, secondKey })
        {
            Assert.DoesNotContain(key, text, StringComparison.Ordinal);
            Assert.DoesNotContain(key[AccessKeyFormat.Prefix.Length..^4], text, StringComparison.Ordinal);
        }

        var items = JsonNode.Parse(text)!["items"]!.AsArray();
        Assert.Equal(2, items.Count);
        Assert.All(items, k => Assert.False(k!.AsObject().ContainsKey("key"), "no key property in a listing"));
        var listedSecond = items.Single(k => (string?)k!["id"] == (string)second["id"]!)!;
        Assert.Equal("ci", (string?)listedSecond["name"]);
        Assert.Equal("sk-proj-…" + secondKey[^4..], (string?)listedSecond["hint"]);
        Assert.Null((string?)listedSecond["revokedAt"]);
        Assert.Contains(items, k => (string?)k!["hint"] == "sk-proj-…" + project.Key[^4..]);
    }

    [Fact]
    public async Task A_projects_key_reaches_only_its_own_customer()
    {
        await using var customerA = await FakeCustomer.StartAsync();
        await using var customerB = await FakeCustomer.StartAsync();
        var a = await Host.CreateProjectAsync(customerA);
        var b = await Host.CreateProjectAsync(customerB);
        foreach (var customer in new[] { customerA, customerB })
        {
            customer.Profiles["u1"] = FakeCustomer.Profile("u1", "Tomas");
            customer.Profiles["p1"] = FakeCustomer.Profile("p1", "Marta");
            customer.AddUserText("u1", "p1", "Hello there");
        }

        using var response = await Host.EnqueueAsync(a.Key, Valid("u1", "p1", "0"));
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);

        var created = (await customerA.WaitForEventAsync(Events.AnswerCreated, "u1"))[0];
        Assert.Equal(a.Id, (string?)created.Data["projectId"]);
        Assert.True(WebhookSigner.Verify(a.WebhookSecret, created.WebhookId, created.Timestamp, System.Text.Encoding.UTF8.GetBytes(created.Body), created.Signature));
        Assert.False(WebhookSigner.Verify(b.WebhookSecret, created.WebhookId, created.Timestamp, System.Text.Encoding.UTF8.GetBytes(created.Body), created.Signature));
        Assert.Contains(customerA.Calls, c => c.Path == "/history");

        // The host is shared with tests whose conversations stay pending (bufferSeconds 60): wait for this one only.
        await Host.WaitQuietAsync(Host.ConversationId(a.Id, "u1", "p1"));
        Assert.Empty(customerB.Calls);
        var bLogs = await Host.AdminJsonAsync(HttpMethod.Get, $"/admin/v1/projects/{b.Id}/logs");
        Assert.Empty(bLogs["items"]!.AsArray());
    }

    [Fact]
    public async Task A_projects_key_cannot_use_the_admin_api_on_another_project()
    {
        await using var customerA = await FakeCustomer.StartAsync();
        await using var customerB = await FakeCustomer.StartAsync();
        var a = await Host.CreateProjectAsync(customerA);
        var b = await Host.CreateProjectAsync(customerB);
        var bKeyId = await KeyIdAsync(b.Id, b.Key);

        foreach (var (method, path) in new[]
                 {
                     (HttpMethod.Get, $"/admin/v1/projects/{b.Id}/access-keys"),
                     (HttpMethod.Delete, $"/admin/v1/projects/{b.Id}/access-keys/{bKeyId}"),
                     (HttpMethod.Get, $"/admin/v1/projects/{a.Id}/access-keys"),
                 })
        {
            using var request = new HttpRequestMessage(method, path);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", a.Key);
            using var response = await Host.Http.SendAsync(request, Token);
            await ProblemAssert.ReadAsync(response, HttpStatusCode.Unauthorized);
            ProblemAssert.IsBearerChallenge(response);
        }

        var bKeys = (await Host.AdminJsonAsync(HttpMethod.Get, $"/admin/v1/projects/{b.Id}/access-keys"))["items"]!.AsArray();
        Assert.Null((string?)bKeys.Single(k => (string?)k!["id"] == bKeyId)!["revokedAt"]);
        using var stillWorks = await Host.EnqueueAsync(b.Key, Valid(NewId("u")));
        Assert.Equal(HttpStatusCode.NoContent, stillWorks.StatusCode);
    }

    [Fact]
    public async Task Revoking_another_projects_key_under_this_project_is_404_and_the_key_keeps_working()
    {
        await using var customerA = await FakeCustomer.StartAsync();
        await using var customerB = await FakeCustomer.StartAsync();
        var a = await Host.CreateProjectAsync(customerA);
        var b = await Host.CreateProjectAsync(customerB);
        var bKeyId = await KeyIdAsync(b.Id, b.Key);

        using var response = await Host.Http.SendAsync(DumGumHost.Admin(HttpMethod.Delete, $"/admin/v1/projects/{a.Id}/access-keys/{bKeyId}"), Token);
        await ProblemAssert.ReadAsync(response, HttpStatusCode.NotFound);

        var user = NewId("u");
        using var stillWorks = await Host.EnqueueAsync(b.Key, Valid(user));
        Assert.Equal(HttpStatusCode.NoContent, stillWorks.StatusCode);
        Assert.Equal(1, ConversationsFor(user));
        var bKeys = (await Host.AdminJsonAsync(HttpMethod.Get, $"/admin/v1/projects/{b.Id}/access-keys"))["items"]!.AsArray();
        Assert.Null((string?)bKeys.Single(k => (string?)k!["id"] == bKeyId)!["revokedAt"]);
    }

    [Fact]
    public async Task Over_the_rate_limit_is_a_429_problem_with_Retry_After()
    {
        await using var customer = await FakeCustomer.StartAsync();
        var project = await Host.CreateProjectAsync(customer);
        var patched = await Host.AdminJsonAsync(HttpMethod.Patch, $"/admin/v1/projects/{project.Id}",
            new { rateLimit = new { requestsPerSecond = 1, burst = 3 } });
        Assert.Equal(3, (int)patched["rateLimit"]!["burst"]!);

        var users = Enumerable.Range(0, 4).Select(_ => NewId("u")).ToArray();
        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? last = null;
        foreach (var user in users)
        {
            last?.Dispose();
            last = await Host.EnqueueAsync(project.Key, Valid(user));
            statuses.Add(last.StatusCode);
        }
        using var limited = last!;
        Assert.Equal([HttpStatusCode.NoContent, HttpStatusCode.NoContent, HttpStatusCode.NoContent, HttpStatusCode.TooManyRequests], statuses);
        await ProblemAssert.ReadAsync(limited, HttpStatusCode.TooManyRequests);
        var retryAfter = limited.Headers.RetryAfter;
        Assert.NotNull(retryAfter?.Delta);
        Assert.True(retryAfter.Delta.Value >= TimeSpan.FromSeconds(1), $"Retry-After {retryAfter}");
        Assert.Equal(0, ConversationsFor(users[3]));
    }
}
