using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using DumGum.Tests.Api;
using DumGum.Tests.Infrastructure;
using DumGum.Webhooks;

namespace DumGum.Tests.Hardening;

public sealed class MalformedJsonFixture : IAsyncLifetime
{
    public DumGumHost Host { get; private set; } = null!;
    public FakeCustomer Customer { get; private set; } = null!;
    public DumGumHost.TestProject Project { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Customer = await FakeCustomer.StartAsync();
        Host = DumGumHost.Start();
        Project = await Host.CreateProjectAsync(Customer);
    }

    public async ValueTask DisposeAsync()
    {
        if (Host is not null) await Host.DisposeAsync();
        if (Customer is not null) await Customer.DisposeAsync();
    }
}

/// <summary>
/// docs/behaviour.md, "Malformed JSON": invalid UTF-8, lone surrogates in values or names, duplicate names at any depth,
/// numbers out of range and nesting past 64 levels are a 400 problem naming the JSON path, on every endpoint that takes
/// JSON, and nothing is stored.
/// </summary>
public sealed class MalformedJsonTests(MalformedJsonFixture f) : IClassFixture<MalformedJsonFixture>
{
    static CancellationToken Token => TestContext.Current.CancellationToken;

    /// <summary>Each endpoint's valid body, with <c>/*X*/</c> where a property can be inserted into the object at the given path.</summary>
    static readonly Dictionary<string, (string Method, string Path, bool Admin, string Body, string Object)> Endpoints = new()
    {
        ["enqueue"] = ("POST", "/cs/v1/content_creation/conversations/enqueue", false,
            """{"userProfileId":"u-json","personaProfileId":"p-json","language":"EN","replyParameters":{"bufferSeconds":60},"tags":{/*X*/"a":1}}""", "tags"),
        ["generate"] = ("POST", "/cs/v1/content_creation/conversations/generate", false,
            """{"userProfile":{/*X*/"id":"u-1","firstName":"Tomas"},"personaProfile":{"id":"p-1","firstName":"Nora"},"messages":[{"sender":"USER","date":"2025-04-02T17:05:00Z","text":"hi"}],"language":"EN","testMode":true}""", "userProfile"),
        ["suggestion"] = ("POST", "/cs/v1/content_creation/suggestion", false,
            """{"userProfile":{/*X*/"id":"u-1","firstName":"Tomas"},"personaProfile":{"id":"p-1","firstName":"Nora"},"messages":[],"language":"EN"}""", "userProfile"),
        ["create-project"] = ("POST", "/admin/v1/projects", true,
            """{"name":"json","profileEndpointUrl":"http://127.0.0.1:9/p","chatHistoryEndpointUrl":"http://127.0.0.1:9/h","incomingContentEndpointUrl":"http://127.0.0.1:9/i","defaultReplyParameters":{/*X*/"bufferSeconds":1}}""", "defaultReplyParameters"),
        ["patch-project"] = ("PATCH", "/admin/v1/projects/{project}", true, """{"defaultReplyParameters":{/*X*/"bufferSeconds":1}}""", "defaultReplyParameters"),
        ["create-key"] = ("POST", "/admin/v1/projects/{project}/access-keys", true, """{/*X*/"name":"k"}""", ""),
        ["endpoint-test"] = ("POST", "/admin/v1/projects/{project}/endpoint-test", true, """{/*X*/"userProfileId":"u","personaProfileId":"p"}""", ""),
    };

    /// <summary>What is inserted, as bytes (some are not valid UTF-8 on purpose), and the path suffix and words the error must carry.</summary>
    static readonly Dictionary<string, (byte[] Insert, string Suffix, string Words)> Faults = new()
    {
        ["lone-surrogate-value"] = (Ascii("\"k\":\"a\\ud800b\","), "k", "not valid Unicode"),
        ["lone-low-surrogate-value"] = (Ascii("\"k\":\"\\udc00\","), "k", "not valid Unicode"),
        ["lone-surrogate-name"] = (Ascii("\"\\ud800\":1,"), "", "property name"),
        ["invalid-utf8-value"] = ([.. Ascii("\"k\":\""), 0xC3, 0x28, .. Ascii("\",")], "k", "not valid Unicode"),
        ["utf8-encoded-surrogate"] = ([.. Ascii("\"k\":\""), 0xED, 0xA0, 0x80, .. Ascii("\",")], "k", "not valid Unicode"),
        ["invalid-utf8-name"] = ([.. Ascii("\""), 0xFF, 0xFE, .. Ascii("\":1,")], "", "property name"),
        ["duplicate-name"] = (Ascii("\"k\":1,\"k\":2,"), "k", "more than once"),
        ["duplicate-name-deep"] = (Ascii("\"k\":{\"a\":[{\"b\":1,\"b\":1}]},"), "k.a[0].b", "more than once"),
        ["huge-number"] = (Ascii("\"k\":1e400,"), "k", "out of range"),
        ["huge-negative-number"] = (Ascii("\"k\":-1" + new string('0', 400) + ","), "k", "out of range"),
        ["deep-nesting"] = (Ascii("\"k\":" + new string('[', 80) + new string(']', 80) + ","), "k", "nest deeper than 64"),
    };

    static byte[] Ascii(string s) => Encoding.ASCII.GetBytes(s);

    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var endpoint in Endpoints.Keys)
            foreach (var fault in Faults.Keys)
                data.Add(endpoint, fault);
        return data;
    }

    async Task<HttpResponseMessage> SendAsync(string endpoint, byte[] body)
    {
        var (method, path, admin, _, _) = Endpoints[endpoint];
        var request = new HttpRequestMessage(new HttpMethod(method), path.Replace("{project}", f.Project.Id, StringComparison.Ordinal))
        {
            Content = new ByteArrayContent(body),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", admin ? DumGumHost.AdminToken : f.Project.Key);
        return await f.Host.Http.SendAsync(request, Token);
    }

    static byte[] Build(string endpoint, byte[] insert)
    {
        var parts = Endpoints[endpoint].Body.Split("/*X*/");
        return [.. Encoding.UTF8.GetBytes(parts[0]), .. insert, .. Encoding.UTF8.GetBytes(parts[1])];
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task A_malformed_body_is_a_400_naming_the_JSON_path(string endpoint, string fault)
    {
        var (insert, suffix, words) = Faults[fault];
        var prefix = Endpoints[endpoint].Object;
        using var response = await SendAsync(endpoint, Build(endpoint, insert));
        var problem = await ProblemAssert.ReadAsync(response, HttpStatusCode.BadRequest);
        var errors = problem["errors"]!.AsObject();
        var expected = suffix.Length == 0 ? prefix : prefix.Length == 0 ? suffix : $"{prefix}.{suffix}";
        var (path, messages) = Assert.Single(errors);
        if (suffix.Length == 0)
            Assert.StartsWith(prefix.Length == 0 ? "" : prefix + ".", path, StringComparison.Ordinal);   // the broken name, as far as it can be printed
        else Assert.StartsWith(expected, path, StringComparison.Ordinal);
        Assert.Contains(words, (string)messages!.AsArray()[0]!, StringComparison.Ordinal);
        Assert.Equal(0, EnqueueRows());
    }

    [Fact]
    public async Task The_valid_bodies_of_the_cases_are_accepted()
    {
        foreach (var endpoint in Endpoints.Keys.Where(e => e != "enqueue"))
        {
            using var response = await SendAsync(endpoint, Build(endpoint, []));
            Assert.True((int)response.StatusCode < 300, $"{endpoint}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(Token)}");
        }
    }

    [Fact]
    public async Task A_field_given_twice_in_different_case_is_refused_not_last_wins()
    {
        using var response = await f.Host.EnqueueRawAsync(f.Project.Key,
            """{"userProfileId":"u-a","USERPROFILEID":"u-b","personaProfileId":"p-json","language":"EN"}""");
        var problem = await ProblemAssert.ReadAsync(response, HttpStatusCode.BadRequest);
        Assert.Contains("more than once", ProblemAssert.Messages(problem, "userProfileId")[0], StringComparison.Ordinal);
        Assert.Equal(0, EnqueueRows());
    }

    /// <summary>A ban id or cursor is base64url JSON chosen by the client: a lone surrogate in it is "not found"/400, not a 500.</summary>
    [Fact]
    public async Task A_ban_id_or_cursor_holding_malformed_JSON_is_refused_cleanly()
    {
        var id = Convert.ToBase64String(Encoding.ASCII.GetBytes("[\"u\\ud800\",\"p\",\"USER_HOSTILE\"]")).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        using (var delete = await f.Host.Http.SendAsync(DumGumHost.Admin(HttpMethod.Delete, $"/admin/v1/projects/{f.Project.Id}/bans/{id}"), Token))
            Assert.True((int)delete.StatusCode is 400 or 404, $"{(int)delete.StatusCode}");
        using var list = await f.Host.Http.SendAsync(DumGumHost.Admin(HttpMethod.Get, $"/admin/v1/projects/{f.Project.Id}/bans?after={id}"), Token);
        Assert.Equal(HttpStatusCode.BadRequest, list.StatusCode);
    }

    long EnqueueRows()
    {
        using var connection = f.Host.Database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM enqueues";
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }
}

/// <summary>
/// docs/behaviour.md, "Malformed JSON": the same faults in a customer's answer drop the run with INVALID_PROFILE (a
/// profile) or CUSTOMER_ENDPOINT_FAILED (the chat history), never GENERATION_FAILED, and the project log says why.
/// </summary>
public sealed class MalformedCustomerJsonTests
{
    const string GoodUser = """{"profile":{"id":"u1","firstName":"Tomas"}}""";
    const string GoodPersona = """{"profile":{"id":"p1","firstName":"Marta"}}""";
    const string GoodHistory = """{"messages":[{"sender":"USER","date":"2025-04-02T17:05:00Z","text":"hi"}]}""";

    public static TheoryData<string, string, string, string> Cases => new()
    {
        // kind of endpoint, body, expected drop reason, words in the log row
        { "profile", """{"profile":{"id":"p1","firstName":"Marta","firstName":"Maria"}}""", "INVALID_PROFILE", "occurs more than once" },
        { "profile", """{"profile":{"id":"p1","firstName":"Ma\ud800rta"}}""", "INVALID_PROFILE", "profile.firstName" },
        { "profile", """{"profile":{"id":"p1","firstName":"Marta","features":{"x":1e999}}}""", "INVALID_PROFILE", "out of range" },
        { "chat_history", """{"messages":[{"sender":"USER","date":"2025-04-02T17:05:00Z","text":"hi \udc00"}]}""", "CUSTOMER_ENDPOINT_FAILED", "messages[0].text" },
        { "chat_history", """{"messages":[{"sender":"USER","sender":"PERSONA","date":"2025-04-02T17:05:00Z","text":"hi"}]}""", "CUSTOMER_ENDPOINT_FAILED", "occurs more than once" },
        { "chat_history", """{"messages":[""", "CUSTOMER_ENDPOINT_FAILED", "not valid JSON" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task A_customer_body_with_a_JSON_fault_drops_the_run_with_the_documented_reason_and_logs_why(
        string kind, string body, string reason, string words)
    {
        await using var customer = await FakeCustomer.StartAsync();
        await using var raw = RawCustomer.Start();
        raw.Reply = (target, _) => target switch
        {
            _ when target.StartsWith("/history", StringComparison.Ordinal) => RawReply.Json(kind == "chat_history" ? body : GoodHistory),
            _ when target.Contains("profileId=p1", StringComparison.Ordinal) => RawReply.Json(kind == "profile" ? body : GoodPersona),
            _ => RawReply.Json(GoodUser),
        };
        await using var host = DumGumHost.Start();
        var project = await host.CreateProjectAsync(customer, new
        {
            profileEndpointUrl = raw.BaseUrl + "/profile", chatHistoryEndpointUrl = raw.BaseUrl + "/history",
        });
        using (var response = await host.EnqueueAsync(project.Key, new { userProfileId = "u1", personaProfileId = "p1", language = "EN", replyParameters = new { bufferSeconds = 0 } }))
            Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);

        var dropped = (await customer.WaitForEventAsync(Events.ConversationDropped))[0];
        Assert.Equal(reason, (string?)dropped.Data["reason"]);
        var logs = await host.WaitForLogsAsync(project.Id, kind, l => l.Any(e => ((string?)e["error"])?.Contains(words, StringComparison.Ordinal) == true));
        var row = logs.First(e => ((string?)e["error"])?.Contains(words, StringComparison.Ordinal) == true);
        Assert.Equal(200, (int?)row["status"]);
        Assert.StartsWith("invalid JSON", (string?)row["error"], StringComparison.Ordinal);
        Assert.DoesNotContain(customer.Attempts, e => e.Event == Events.AnswerCreated);
    }
}
