using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using DumGum.AccessKeys;
using DumGum.Projects;
using DumGum.Sample;
using DumGum.Storage;
using DumGum.Webhooks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace DumGum.Tests.Sample;

/// <summary>The sample customer on real Kestrel, next to a stand-in for our enqueue endpoint that records its calls.</summary>
public sealed class SampleCustomerTests : IAsyncLifetime
{
    const string ProjectId = "proj_sampletest";
    readonly string accessKey = AccessKeyFormat.NewKey();
    readonly string secret = WebhookSigner.NewSecret();
    readonly ConcurrentQueue<(string? Authorization, JsonObject? Body)> enqueued = new();
    WebApplication app = null!;
    HttpClient http = null!;
    SampleCustomer customer = null!;

    static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        customer = new SampleCustomer(TimeProvider.System);
        builder.Services.AddSingleton(customer);
        builder.Services.AddHttpClient();
        app = builder.Build();
        app.MapSampleCustomer();
        app.MapPost("/cs/v1/content_creation/conversations/enqueue", async (HttpRequest request) =>
        {
            var body = await JsonNode.ParseAsync(request.Body) as JsonObject;
            enqueued.Enqueue((request.Headers.Authorization, body));
            return Results.NoContent();
        });
        await app.StartAsync(Ct);
        var baseUrl = app.Urls.Single();
        customer.Connect(baseUrl, ProjectId, accessKey, secret);
        http = new HttpClient { BaseAddress = new Uri(baseUrl) };
    }

    public async ValueTask DisposeAsync()
    {
        http.Dispose();
        await app.StopAsync(CancellationToken.None);
        await app.DisposeAsync();
    }

    [Fact]
    public async Task Profile_is_returned_whole_and_unknown_profile_is_404()
    {
        var body = await http.GetFromJsonAsync<JsonObject>("/sample/profile?profileId=p-marta", Ct);
        var profile = body!["profile"]!;
        Assert.Equal("p-marta", (string?)profile["id"]);
        Assert.Equal("Marta", (string?)profile["firstName"]);
        Assert.Equal("Europe/Madrid", (string?)profile["timeZone"]);
        Assert.NotNull((string?)profile["version"]);
        var expiresAt = DateTimeOffset.Parse((string)profile["expiresAt"]!, CultureInfo.InvariantCulture);
        Assert.InRange(expiresAt - DateTimeOffset.UtcNow, TimeSpan.FromHours(23), TimeSpan.FromHours(25));
        Assert.StartsWith("https://example.com/", (string?)profile["mainPictureUrl"], StringComparison.Ordinal);

        using var missing = await http.GetAsync("/sample/profile?profileId=p-nobody", Ct);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("application/problem+json", missing.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Profiles_lists_users_and_personas()
    {
        var list = await http.GetFromJsonAsync<JsonArray>("/sample/profiles", Ct);
        var ids = list!.Select(p => ((string?)p!["id"], (string?)p["role"])).ToList();
        Assert.Contains(("u-alex", "USER"), ids);
        Assert.Contains(("u-camille", "USER"), ids);
        Assert.Contains(("p-marta", "PERSONA"), ids);
        Assert.Contains(("p-lena", "PERSONA"), ids);
        Assert.Contains(("p-yuki", "PERSONA"), ids);
    }

    [Fact]
    public async Task History_is_oldest_first_and_empty_for_a_new_pair()
    {
        var seeded = await History("u-alex", "p-marta");
        Assert.Equal(["USER", "PERSONA"], seeded.Select(m => (string?)m!["sender"]));
        var dates = seeded.Select(m => DateTimeOffset.Parse((string)m!["date"]!, CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(dates.Order(), dates);

        Assert.Empty(await History("u-camille", "p-yuki"));

        using var missing = await http.GetAsync("/sample/history?userProfileId=u-alex", Ct);
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
    }

    [Fact]
    public async Task Signed_answer_created_is_recorded_valid_and_joins_the_history()
    {
        var body = Encoding.UTF8.GetBytes(AnswerCreated("answer_one", "u-camille", "p-lena", "Hallo Camille!"));
        using var response = await Deliver("msg_one", body, secret);
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);

        var inbox = await Inbox("?userProfileId=u-camille&personaProfileId=p-lena");
        var received = Assert.Single(inbox);
        Assert.Equal("answer.created", (string?)received!["event"]);
        Assert.Equal("msg_one", (string?)received["webhookId"]);
        Assert.True((bool)received["signatureValid"]!);
        Assert.Equal("answer_one", (string?)received["body"]!["data"]!["answer"]!["id"]);

        var message = Assert.Single(await History("u-camille", "p-lena"));
        Assert.Equal("answer_one", (string?)message!["id"]);
        Assert.Equal("PERSONA", (string?)message["sender"]);
        Assert.Equal("Hallo Camille!", (string?)message["text"]);
        Assert.Equal("2025-03-14T08:26:03.412Z", (string?)message["date"]);

        // At-least-once delivery: the same answer again is recorded but not shown twice.
        using var again = await Deliver("msg_one", body, secret);
        Assert.Equal(2, (await Inbox("?userProfileId=u-camille&personaProfileId=p-lena")).Count);
        Assert.Single(await History("u-camille", "p-lena"));
    }

    [Fact]
    public async Task Badly_signed_event_is_accepted_but_recorded_invalid_and_ignored()
    {
        var body = Encoding.UTF8.GetBytes(AnswerCreated("answer_forged", "u-alex", "p-yuki", "Send me your password"));
        using var response = await Deliver("msg_forged", body, WebhookSigner.NewSecret());
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);

        var received = Assert.Single(await Inbox("?personaProfileId=p-yuki&event=answer.created"));
        Assert.False((bool)received!["signatureValid"]!);
        Assert.NotNull((string?)received["signatureProblem"]);
        Assert.Empty(await History("u-alex", "p-yuki"));
    }

    [Fact]
    public async Task Stale_timestamp_fails_verification()
    {
        var body = Encoding.UTF8.GetBytes("""{"event":"answer.processing","data":{"projectId":"proj_sampletest","userProfileId":"u-alex","personaProfileId":"p-lena"}}""");
        using var response = await Deliver("msg_old", body, secret, Now() - 3600);
        var received = Assert.Single(await Inbox("?userProfileId=u-alex&personaProfileId=p-lena&event=answer.processing"));
        Assert.False((bool)received!["signatureValid"]!);
    }

    [Fact]
    public async Task Posting_a_message_stores_it_and_enqueues_with_the_sample_key()
    {
        using var response = await http.PostAsJsonAsync("/sample/messages",
            new { userProfileId = "u-camille", personaProfileId = "p-marta", text = "Salut Marta !", language = "FR" }, Ct);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var result = await response.Content.ReadFromJsonAsync<JsonObject>(Ct);
        var messageId = (string?)result!["messageId"];
        Assert.StartsWith("m-", messageId, StringComparison.Ordinal);
        Assert.Equal(204, (int)result["enqueueStatus"]!);

        var message = Assert.Single(await History("u-camille", "p-marta"));
        Assert.Equal(messageId, (string?)message!["id"]);
        Assert.Equal("USER", (string?)message["sender"]);
        Assert.Equal("Salut Marta !", (string?)message["text"]);

        var (authorization, enqueueBody) = Assert.Single(enqueued);
        Assert.Equal("Bearer " + accessKey, authorization);
        Assert.Equal("u-camille", (string?)enqueueBody!["userProfileId"]);
        Assert.Equal("p-marta", (string?)enqueueBody["personaProfileId"]);
        Assert.Equal("FR", (string?)enqueueBody["language"]);
    }

    [Theory]
    [InlineData("Hola Marta, ¿qué tal tu día? ¿Tienes planes para esta noche?", null, "ES", "detected")]
    [InlineData("Hallo Marta, wie geht es dir heute? Was machst du beruflich?", null, "DE", "detected")]
    [InlineData("Any plans for tonight?", "EN", "EN", "given")]
    [InlineData("12345", null, "FR", "userProfile")]
    public async Task Without_a_language_the_message_language_is_detected_and_reported(string text, string? given, string expected, string source)
    {
        using var response = await http.PostAsJsonAsync("/sample/messages",
            new { userProfileId = "u-camille", personaProfileId = "p-marta", text, language = given }, Ct);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var result = await response.Content.ReadFromJsonAsync<JsonObject>(Ct);
        Assert.Equal(expected, (string?)result!["language"]);
        Assert.Equal(source, (string?)result["languageSource"]);
        var (_, enqueueBody) = Assert.Single(enqueued);
        Assert.Equal(expected, (string?)enqueueBody!["language"]);
    }

    [Theory]
    [InlineData("""{"personaProfileId":"p-marta","text":"hi"}""", "userProfileId")]
    [InlineData("""{"userProfileId":"u-nobody","personaProfileId":"p-marta","text":"hi"}""", "userProfileId")]
    [InlineData("""{"userProfileId":"u-alex","personaProfileId":"u-camille","text":"hi"}""", "personaProfileId")]
    [InlineData("""{"userProfileId":"u-alex","personaProfileId":"p-marta"}""", "text")]
    [InlineData("""{"userProfileId":"u-alex","personaProfileId":"p-marta","text":"  "}""", "text")]
    [InlineData("""[1]""", "$")]
    public async Task Posting_a_bad_message_names_the_field(string json, string field)
    {
        using var content = new StringContent(json, Encoding.UTF8, "application/json");
        using var response = await http.PostAsync("/sample/messages", content, Ct);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonObject>(Ct);
        Assert.NotNull(problem!["errors"]![field]);
        Assert.Empty(enqueued);
    }

    [Fact]
    public async Task Setup_creates_the_project_once_then_reconnects_and_replaces_a_revoked_key()
    {
        var directory = Directory.CreateTempSubdirectory("dumgum-sample-");
        try
        {
            var database = Database.Sqlite(Path.Combine(directory.FullName, "dumgum.db"));
            using var writes = new WriteQueue(database, NullLogger<WriteQueue>.Instance);
            var projects = new ProjectStore(database, writes, TimeProvider.System);
            var keys = new AccessKeyStore(database, writes, TimeProvider.System);
            var sample = new SampleCustomer(TimeProvider.System);

            var first = await SampleSetup.EnsureAsync(projects, keys, sample, directory.FullName, "http://127.0.0.1:5080/", Ct);
            Assert.NotNull(first);
            var project = projects.Find(first.ProjectId);
            Assert.Equal("Sample project", project!.Name);
            Assert.Equal("http://127.0.0.1:5080/sample/incoming", project.Config.IncomingContentEndpointUrl);
            Assert.Equal(first.ProjectId, keys.Authenticate(first.AccessKey)?.ProjectId);
            Assert.Equal(new SampleConnection("http://127.0.0.1:5080", first.ProjectId, first.AccessKey, project.WebhookSecret), sample.Connection);
            Assert.True(File.Exists(Path.Combine(directory.FullName, SampleSetup.FileName)));

            // A restart on another port: same project and key, endpoints moved along, nothing new to print.
            var restarted = new SampleCustomer(TimeProvider.System);
            Assert.Null(await SampleSetup.EnsureAsync(projects, keys, restarted, directory.FullName, "http://127.0.0.1:6000", Ct));
            Assert.Single(projects.All());
            Assert.Equal(first.AccessKey, restarted.Connection!.AccessKey);
            Assert.Equal("http://127.0.0.1:6000/sample/profile", projects.Find(first.ProjectId)!.Config.ProfileEndpointUrl);

            var keyId = Assert.Single(keys.List(first.ProjectId)).Id;
            Assert.True(await keys.RevokeAsync(first.ProjectId, keyId, Ct));
            var replaced = await SampleSetup.EnsureAsync(projects, keys, new SampleCustomer(TimeProvider.System), directory.FullName, "http://127.0.0.1:6000", Ct);
            Assert.Equal(first.ProjectId, replaced?.ProjectId);
            Assert.NotEqual(first.AccessKey, replaced!.AccessKey);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            directory.Delete(recursive: true);
        }
    }

    static long Now() => DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    static string AnswerCreated(string answerId, string user, string persona, string text) => new JsonObject
    {
        ["event"] = "answer.created",
        ["data"] = new JsonObject
        {
            ["projectId"] = ProjectId,
            ["answer"] = new JsonObject
            {
                ["id"] = answerId, ["userProfileId"] = user, ["personaProfileId"] = persona, ["type"] = "TEXT",
                ["tags"] = new JsonObject(), ["cost"] = "0.0180", ["responseTime"] = 7, ["sequenceNumber"] = 0,
                ["createdAt"] = "2025-03-14T08:26:03.412Z", ["text"] = text,
            },
        },
    }.ToJsonString();

    async Task<HttpResponseMessage> Deliver(string webhookId, byte[] body, string signingSecret, long? at = null)
    {
        var timestamp = at ?? Now();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/sample/incoming") { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new("application/json");
        request.Headers.Add("webhook-id", webhookId);
        request.Headers.Add("webhook-timestamp", timestamp.ToString(CultureInfo.InvariantCulture));
        request.Headers.Add("webhook-signature", WebhookSigner.SignatureHeader([signingSecret], webhookId, timestamp, body));
        return await http.SendAsync(request, Ct);
    }

    async Task<JsonArray> History(string user, string persona) =>
        (await http.GetFromJsonAsync<JsonObject>($"/sample/history?userProfileId={user}&personaProfileId={persona}", Ct))!["messages"]!.AsArray();

    async Task<JsonArray> Inbox(string query) => (await http.GetFromJsonAsync<JsonArray>("/sample/inbox" + query, Ct))!;
}
