using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using DumGum.Storage;
using DumGum.Tests.Infrastructure;
using DumGum.Webhooks;

namespace DumGum.Tests.Memory;

/// <summary>The memory admin API and the erasure of a user (docs/memory.md, "Admin API", "Erasing a user").</summary>
public abstract class MemoryAdminTests(StorageProvider provider) : StorageSuite(provider)
{
    static CancellationToken Token => TestContext.Current.CancellationToken;

    static async Task AnswerAsync(DumGumHost host, FakeCustomer customer, DumGumHost.TestProject project, string user, string persona, string text, int count)
    {
        customer.Profiles[user] = FakeCustomer.Profile(user, "Anna");
        customer.Profiles[persona] = FakeCustomer.Profile(persona, "Marta");
        customer.AddUserText(user, persona, text);
        using (var r = await host.EnqueueAsync(project.Key, new { userProfileId = user, personaProfileId = persona, language = "EN", replyParameters = new { bufferSeconds = 0 } }))
            Assert.Equal(HttpStatusCode.NoContent, r.StatusCode);
        await customer.WaitForEventAsync(Events.AnswerCreated, user, count);
    }

    static string Pair(string user, string persona) => $"userProfileId={user}&personaProfileId={persona}";

    [Fact]
    public async Task A_pairs_memories_are_listed_edited_and_deleted_and_each_change_is_sent()
    {
        await using var customer = await FakeCustomer.StartAsync();
        await using var host = StartHost();
        var project = await host.CreateProjectAsync(customer, new { memoryWebhookUrl = customer.MemoryUrl, memoryWebhookMode = "CHANGES_ONLY" });
        await AnswerAsync(host, customer, project, "u-a", "p-a", "Well, my name is Anna.", 1);
        await customer.WaitForMemoryEventsAsync(1);
        var path = $"/admin/v1/projects/{project.Id}/memories";

        var list = await host.AdminJsonAsync(HttpMethod.Get, $"{path}?{Pair("u-a", "p-a")}");
        var name = list["items"]!.AsArray().Single(m => (string?)m!["uniqueIdentifier"] == "user_name")!;
        Assert.Equal(["uniqueIdentifier", "target", "category", "description", "eventStartDate", "eventEndDate", "sourceText", "timestamp", "tags"],
            name.AsObject().Select(p => p.Key).ToArray());
        Assert.Equal("Is called Anna", (string?)name["description"]);

        // PUT creates an event memory with its dates; the webhook gets it as an addition.
        var put = await host.AdminJsonAsync(HttpMethod.Put, $"{path}/user_exam_on_friday?{Pair("u-a", "p-a")}", new
        {
            target = "USER", category = "EVENT", description = "Has a maths exam", eventStartDate = "2026-12-11", eventEndDate = "2026-12-11",
            sourceText = "my exam is on Friday", tags = new[] { "exam", "maths" },
        });
        Assert.Equal("2026-12-11", (string?)put["eventStartDate"]);
        var added = (await customer.WaitForMemoryEventsAsync(2))[1];
        Assert.True(WebhookSigner.Verify(project.WebhookSecret, added.WebhookId, added.Timestamp, Encoding.UTF8.GetBytes(added.Body), added.Signature));
        Assert.Equal("user_exam_on_friday", (string?)added.Data["added"]![0]!["uniqueIdentifier"]);
        Assert.Equal(project.Id, (string?)added.Data["projectId"]);

        // PATCH changes only what is sent; the same PATCH again changes nothing and sends nothing.
        var patched = await host.AdminJsonAsync(HttpMethod.Patch, $"{path}/user_name?{Pair("u-a", "p-a")}", new { description = "Is called Anna Maria" });
        Assert.Equal("Is called Anna Maria", (string?)patched["description"]);
        Assert.Equal("NAME", (string?)patched["category"]);
        Assert.Equal("Is called Anna Maria", (string?)(await customer.WaitForMemoryEventsAsync(3))[2].Data["added"]![0]!["description"]);

        // DELETE: 204, then 404; the webhook gets the deletion with the operator's reason.
        using (var deleted = await host.Http.SendAsync(DumGumHost.Admin(HttpMethod.Delete, $"{path}/user_exam_on_friday?{Pair("u-a", "p-a")}"), Token))
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        using (var again = await host.Http.SendAsync(DumGumHost.Admin(HttpMethod.Delete, $"{path}/user_exam_on_friday?{Pair("u-a", "p-a")}"), Token))
            Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
        var removal = (await customer.WaitForMemoryEventsAsync(4))[3];
        Assert.Equal("""[{"uniqueIdentifier":"user_exam_on_friday","reason":"Removed by the operator"}]""", removal.Data["deleted"]!.ToJsonString());
        Assert.Equal(4, customer.MemoryEvents.Count);

        await host.AdminJsonAsync(HttpMethod.Patch, $"{path}/user_name?{Pair("u-a", "p-a")}", new { description = "Is called Anna Maria" });
        var after = await host.AdminJsonAsync(HttpMethod.Get, $"{path}?{Pair("u-a", "p-a")}");
        Assert.DoesNotContain(after["items"]!.AsArray(), m => (string?)m!["uniqueIdentifier"] == "user_exam_on_friday");
    }

    [Theory]
    [InlineData("PUT", "/memories/user_x?userProfileId=u", "personaProfileId", """{"target":"USER","category":"NAME","description":"x"}""")]
    [InlineData("PUT", "/memories/Not-Snake?userProfileId=u&personaProfileId=p", "uniqueIdentifier", """{"target":"USER","category":"NAME","description":"x"}""")]
    [InlineData("PUT", "/memories/user_x?userProfileId=u&personaProfileId=p", "target", """{"target":"ME","category":"NAME","description":"x"}""")]
    [InlineData("PUT", "/memories/user_x?userProfileId=u&personaProfileId=p", "description", """{"target":"USER","category":"NAME"}""")]
    [InlineData("PUT", "/memories/user_x?userProfileId=u&personaProfileId=p", "eventStartDate", """{"target":"USER","category":"NAME","description":"x","eventStartDate":"2026-12-11"}""")]
    [InlineData("PUT", "/memories/user_x?userProfileId=u&personaProfileId=p", "eventEndDate", """{"target":"USER","category":"EVENT","description":"x","eventStartDate":"2026-12-11","eventEndDate":"12/12/2026"}""")]
    [InlineData("PUT", "/memories/user_x?userProfileId=u&personaProfileId=p", "tags", """{"target":"USER","category":"NAME","description":"x","tags":["1","2","3","4","5","6","7","8","9","10","11"]}""")]
    [InlineData("GET", "/memories?personaProfileId=p", "userProfileId", null)]
    public async Task Broken_requests_are_refused_naming_the_field(string method, string path, string field, string? body)
    {
        await using var customer = await FakeCustomer.StartAsync();
        await using var host = StartHost();
        var project = await host.CreateProjectAsync(customer);
        using var request = DumGumHost.Admin(new HttpMethod(method), $"/admin/v1/projects/{project.Id}{path}", body is null ? null : JsonNode.Parse(body));
        using var response = await host.Http.SendAsync(request, Token);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync(Token))!;
        Assert.True(problem["errors"]![field] is not null, problem.ToJsonString());
    }

    [Fact]
    public async Task Erasing_a_user_removes_everything_about_them_across_personas_and_nothing_of_others()
    {
        await using var customer = await FakeCustomer.StartAsync();
        await using var host = StartHost();
        var project = await host.CreateProjectAsync(customer);
        await AnswerAsync(host, customer, project, "u-gone", "p-1", "Hey, my name is Anna and I live in Madrid.", 1);
        await AnswerAsync(host, customer, project, "u-gone", "p-2", "Hey, my name is Anna.", 2);
        await AnswerAsync(host, customer, project, "u-stays", "p-1", "Hey, my name is Berta and I live in Lisbon.", 1);
        // The project log entries of the runs are committed with them; the calls' own entries may trail a little.
        await host.WaitForLogsAsync(project.Id, "incoming_content", items => items.Count(i => (string?)i["userProfileId"] == "u-gone") >= 4);

        var counts = Counts(host, project.Id);
        Assert.True(counts["memories"]["u-gone"] >= 3 && counts["memories"]["u-stays"] >= 2);

        var erased = await host.AdminJsonAsync(HttpMethod.Delete, $"/admin/v1/projects/{project.Id}/users/u-gone");
        Assert.Equal("u-gone", (string?)erased["userProfileId"]);
        Assert.Equal(counts["memories"]["u-gone"], (long)erased["memories"]!);
        Assert.Equal(counts["answers"]["u-gone"], (long)erased["answers"]!);
        Assert.Equal(counts["runs"]["u-gone"], (long)erased["runs"]!);
        Assert.True((long)erased["logEntries"]! >= counts["call_logs"]["u-gone"] && (long)erased["logEntries"]! > 0);
        Assert.Equal(2, (long)erased["answers"]!);
        Assert.Equal(2, (long)erased["runs"]!);

        var left = Counts(host, project.Id);
        foreach (var table in left.Keys) Assert.Equal(0, left[table]["u-gone"]);
        foreach (var table in left.Keys.Where(t => t != "call_logs")) Assert.Equal(counts[table]["u-stays"], left[table]["u-stays"]);
        Assert.True(left["call_logs"]["u-stays"] >= counts["call_logs"]["u-stays"]);   // its delivery entries may still be coming
        var gone = await host.AdminJsonAsync(HttpMethod.Get, $"/admin/v1/projects/{project.Id}/memories?{Pair("u-gone", "p-1")}");
        Assert.Empty(gone["items"]!.AsArray());
        var runs = await host.AdminJsonAsync(HttpMethod.Get, $"/admin/v1/projects/{project.Id}/runs?userProfileId=u-gone");
        Assert.Empty(runs["items"]!.AsArray());

        // The user can come back later: a new conversation is served as usual.
        await AnswerAsync(host, customer, project, "u-gone", "p-1", "Hi again", 3);
    }

    /// <summary>Rows per user in each table that holds something about a user.</summary>
    static Dictionary<string, Dictionary<string, long>> Counts(DumGumHost host, string projectId)
    {
        var queries = new Dictionary<string, string>
        {
            ["memories"] = "SELECT COUNT(*) FROM memories WHERE project_id = @p AND user_profile_id = @u",
            ["answers"] = "SELECT COUNT(*) FROM answers a JOIN conversations c ON c.id = a.conversation_id WHERE a.project_id = @p AND c.user_profile_id = @u",
            ["runs"] = "SELECT COUNT(*) FROM runs WHERE project_id = @p AND user_profile_id = @u",
            ["call_logs"] = "SELECT COUNT(*) FROM call_logs WHERE project_id = @p AND user_profile_id = @u",
            ["deliveries"] = "SELECT COUNT(*) FROM deliveries d JOIN conversations c ON c.id = d.conversation_id WHERE d.project_id = @p AND c.user_profile_id = @u",
            ["profiles"] = "SELECT COUNT(*) FROM profiles WHERE project_id = @p AND profile_id = @u",
        };
        using var connection = host.Database.Open();
        var result = new Dictionary<string, Dictionary<string, long>>();
        foreach (var (table, sql) in queries)
        {
            result[table] = [];
            foreach (var user in new[] { "u-gone", "u-stays" })
            {
                using var command = connection.Sql(sql).With("@p", projectId).With("@u", user);
                result[table][user] = Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
            }
        }
        return result;
    }
}

public sealed class MemoryAdminTestsOnSqlite() : MemoryAdminTests(StorageProvider.Sqlite);

public sealed class MemoryAdminTestsOnPostgres() : MemoryAdminTests(StorageProvider.Postgres);
