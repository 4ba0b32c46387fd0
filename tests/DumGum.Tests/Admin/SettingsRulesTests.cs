using System.Net;
using System.Text.Json.Nodes;
using DumGum.Storage;
using DumGum.Tests.Api;
using DumGum.Tests.Infrastructure;

namespace DumGum.Tests.Admin;

/// <summary>The cases both the admin API and the command line must refuse (or normalise) when a project is saved.</summary>
public static class SettingsCases
{
    public const string Good = "https://customer.example.com";

    /// <summary>A bad endpoint URL and a fragment of the message naming its rule.</summary>
    public static TheoryData<string, string> BadUrls => new()
    {
        { "ftp://customer.example.com/p", "http:// or https://" },
        { "/relative/path", "http:// or https://" },
        { "customer.example.com/p", "http:// or https://" },
        { "https://user:secret@customer.example.com/p", "user name or password" },
        { "https://@customer.example.com/p", "user name or password" },
        { "https://customer.example.com/p#section", "#fragment" },
        { "https://customer.example.com/p q", "whitespace" },
        { " https://customer.example.com/p", "whitespace" },
        { "https://customer.example.com/p\n", "whitespace" },
        { "https://customer.example.com/p\t", "whitespace" },
        { "https://customer.example.com/p\u0000", "control characters" },
        { "https://customer.example.com/p\u007f", "control characters" },
        { "https://customer.example.com/p\u00a0", "whitespace" },
    };

    /// <summary>The cases a command line can carry (a process argument cannot hold NUL).</summary>
    public static TheoryData<string, string> BadUrlsForCli => Without(BadUrls, '\0');

    public static TheoryData<string, string, string> BadHeadersForCli => Without(BadHeaders, '\0');

    static TheoryData<T1, T2> Without<T1, T2>(TheoryData<T1, T2> data, char c)
    {
        var result = new TheoryData<T1, T2>();
        foreach (var row in data)
            if (!$"{row.Data.Item1}{row.Data.Item2}".Contains(c, StringComparison.Ordinal)) result.Add(row.Data.Item1, row.Data.Item2);
        return result;
    }

    static TheoryData<T1, T2, T3> Without<T1, T2, T3>(TheoryData<T1, T2, T3> data, char c)
    {
        var result = new TheoryData<T1, T2, T3>();
        foreach (var row in data)
            if (!$"{row.Data.Item1}{row.Data.Item2}{row.Data.Item3}".Contains(c, StringComparison.Ordinal)) result.Add(row.Data.Item1, row.Data.Item2, row.Data.Item3);
        return result;
    }

    /// <summary>A bad custom header (name, value) and a fragment of the message naming its rule.</summary>
    public static TheoryData<string, string, string> BadHeaders => new()
    {
        { "X Api", "v", "RFC 9110 token" },
        { "X:Api", "v", "RFC 9110 token" },
        { "X(Api)", "v", "RFC 9110 token" },
        { "Ümlaut", "v", "RFC 9110 token" },
        { "X-Api", "a\r\nInjected: x", "visible ASCII" },
        { "X-Api", "a\nb", "visible ASCII" },
        { "X-Api", "a\u0000b", "visible ASCII" },
        { "X-Api", "café", "visible ASCII" },
        { "X-Api", " leading", "start or end" },
        { "X-Api", "trailing\t", "start or end" },
        { "Connection", "close", "hop-by-hop" },
        { "Keep-Alive", "timeout=5", "hop-by-hop" },
        { "TE", "trailers", "hop-by-hop" },
        { "Upgrade", "h2c", "hop-by-hop" },
        { "Proxy-Authorization", "Basic eA==", "hop-by-hop" },
        { "proxy-connection", "keep-alive", "hop-by-hop" },
        { "Host", "evil.example", "hop-by-hop" },
        { "Content-Length", "0", "hop-by-hop" },
        { "Transfer-Encoding", "chunked", "hop-by-hop" },
        { "webhook-signature", "v1,x", "set by DumGum" },
    };
}

public sealed class SettingsRulesApiTests(AdminApiFixture f) : IClassFixture<AdminApiFixture>
{
    DumGumHost Host => f.Host;
    static CancellationToken Token => TestContext.Current.CancellationToken;

    static JsonObject Body(string? profileUrl = null, JsonObject? headers = null) => new()
    {
        ["name"] = "rules",
        ["profileEndpointUrl"] = profileUrl ?? SettingsCases.Good + "/profile",
        ["chatHistoryEndpointUrl"] = SettingsCases.Good + "/history",
        ["incomingContentEndpointUrl"] = SettingsCases.Good + "/incoming",
        ["customHeaders"] = headers ?? [],
    };

    async Task<string[]> RefusedAsync(HttpMethod method, string path, JsonObject body, string field)
    {
        using var response = await Host.Http.SendAsync(DumGumHost.Admin(method, path, body), Token);
        return ProblemAssert.Messages(await ProblemAssert.ReadAsync(response, HttpStatusCode.BadRequest), field);
    }

    [Theory]
    [MemberData(nameof(SettingsCases.BadUrls), MemberType = typeof(SettingsCases))]
    public async Task Bad_urls_are_refused_on_create_and_update(string url, string rule)
    {
        var created = await RefusedAsync(HttpMethod.Post, "/admin/v1/projects", Body(profileUrl: url), "profileEndpointUrl");
        Assert.Contains(created, m => m.Contains(rule, StringComparison.Ordinal));

        var project = await Host.AdminJsonAsync(HttpMethod.Post, "/admin/v1/projects", Body(), 201);
        var updated = await RefusedAsync(HttpMethod.Patch, $"/admin/v1/projects/{project["id"]}",
            new JsonObject { ["chatHistoryEndpointUrl"] = url }, "chatHistoryEndpointUrl");
        Assert.Contains(updated, m => m.Contains(rule, StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(SettingsCases.BadHeaders), MemberType = typeof(SettingsCases))]
    public async Task Bad_headers_are_refused_naming_the_header(string name, string value, string rule)
    {
        var messages = await RefusedAsync(HttpMethod.Post, "/admin/v1/projects", Body(headers: new JsonObject { [name] = value }), "customHeaders." + name);
        Assert.Contains(messages, m => m.Contains(rule, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_header_name_given_twice_in_different_case_is_refused()
    {
        var messages = await RefusedAsync(HttpMethod.Post, "/admin/v1/projects",
            Body(headers: new JsonObject { ["X-Api-Key"] = "1", ["x-api-key"] = "2" }), "customHeaders.x-api-key");
        Assert.Contains(messages, m => m.Contains("twice", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Good_headers_and_idn_hosts_are_stored_idn_as_punycode()
    {
        var headers = new JsonObject { ["X-Api-Key"] = "abc def\tghi", ["X_tok!#$%&'*+-.^`|~"] = "v", ["Authorization"] = "Bearer x", ["X-Empty"] = "" };
        var project = await Host.AdminJsonAsync(HttpMethod.Post, "/admin/v1/projects",
            Body(profileUrl: "https://bücher.example:8443/profile?lang=de", headers: headers), 201);
        Assert.Equal("https://xn--bcher-kva.example:8443/profile?lang=de", (string?)project["profileEndpointUrl"]);
        Assert.Equal("abc def\tghi", (string?)project["customHeaders"]!["X-Api-Key"]);

        var updated = await Host.AdminJsonAsync(HttpMethod.Patch, $"/admin/v1/projects/{project["id"]}",
            new JsonObject { ["incomingContentEndpointUrl"] = "https://ÄPFEL.example/in" });
        Assert.Equal("https://xn--pfel-koa.example/in", (string?)updated["incomingContentEndpointUrl"]);
        var read = await Host.AdminJsonAsync(HttpMethod.Get, $"/admin/v1/projects/{project["id"]}");
        Assert.Equal("https://xn--pfel-koa.example/in", (string?)read["incomingContentEndpointUrl"]);
        // ASCII URLs are stored exactly as given.
        Assert.Equal(SettingsCases.Good + "/history", (string?)read["chatHistoryEndpointUrl"]);
    }
}

/// <summary>The same rules on the command line: exit code 2 and a message naming the option, never a stack trace.</summary>
public sealed class SettingsRulesCliTests
{
    static Task<(int Exit, string Out, string Err)> CreateAsync(string db, string profileUrl, params string[] headers)
    {
        var args = new List<string>
        {
            "projects", "create", "--name", "rules", "--profile-url", profileUrl, "--history-url", SettingsCases.Good + "/history",
            "--incoming-url", SettingsCases.Good + "/incoming", $"--Storage:Sqlite:Path={db}",
        };
        foreach (var h in headers) args.AddRange(["--header", h]);
        return CliTests.RunAsync([.. args]);
    }

    static void AssertRefused((int Exit, string Out, string Err) result, string option, string rule)
    {
        Assert.True(result.Exit == 2, $"exit {result.Exit}: {result.Err}");
        Assert.Contains(option, result.Err, StringComparison.Ordinal);
        Assert.Contains(rule, result.Err, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Err, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", result.Err, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(SettingsCases.BadUrlsForCli), MemberType = typeof(SettingsCases))]
    public async Task Bad_urls_exit_2_naming_the_option(string url, string rule) =>
        AssertRefused(await CreateAsync(DumGumHost.NewDatabasePath(), url), "--profile-url", rule);

    [Theory]
    [MemberData(nameof(SettingsCases.BadHeadersForCli), MemberType = typeof(SettingsCases))]
    public async Task Bad_headers_exit_2_naming_the_header(string name, string value, string rule) =>
        AssertRefused(await CreateAsync(DumGumHost.NewDatabasePath(), SettingsCases.Good + "/profile", $"{name}={value}"), "--header " + name, rule);

    [Fact]
    public async Task A_header_given_twice_or_without_a_value_exits_2()
    {
        var twice = await CreateAsync(DumGumHost.NewDatabasePath(), SettingsCases.Good + "/profile", "X-A=1", "x-a=2");
        AssertRefused(twice, "--header x-a", "twice");
        var malformed = await CreateAsync(DumGumHost.NewDatabasePath(), SettingsCases.Good + "/profile", "X-A");
        AssertRefused(malformed, "--header", "NAME=VALUE");
        var dangling = await CliTests.RunAsync("projects", "create", "--name");
        AssertRefused(dangling, "--name", "needs a value");
    }

    [Fact]
    public async Task An_idn_host_is_stored_as_punycode()
    {
        var db = DumGumHost.NewDatabasePath();
        var result = await CreateAsync(db, "https://bücher.example/profile");
        Assert.True(result.Exit == 0, result.Err);
        using var database = Database.Sqlite(db);
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT config FROM projects";
        var config = JsonNode.Parse((string)command.ExecuteScalar()!)!;
        Assert.Equal("https://xn--bcher-kva.example/profile", (string?)config["profileEndpointUrl"]);
    }
}
