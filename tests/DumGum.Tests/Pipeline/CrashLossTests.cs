using System.Net;
using DumGum.Storage;
using DumGum.Tests.Infrastructure;
using DumGum.Webhooks;

namespace DumGum.Tests.Pipeline;

/// <summary>docs/behaviour.md, "What a crash can lose": retries of conversation.dropped go on across a restart.</summary>
public abstract class CrashLossTests(StorageProvider provider) : StorageSuite(provider)
{
    protected static CancellationToken Token => TestContext.Current.CancellationToken;

    static (long Attempts, long NotBefore) Row(Database database, long id)
    {
        using var connection = database.Open();
        using var command = connection.Sql("SELECT attempts, not_before FROM deliveries WHERE id = @id").With("@id", id);
        using var reader = command.ExecuteReader();
        Assert.True(reader.Read());
        return (reader.GetInt64(0), reader.GetInt64(1));
    }

    static long DroppedId(Database database)
    {
        using var connection = database.Open();
        using var command = connection.Sql("SELECT id FROM deliveries WHERE event = 'conversation.dropped'");
        return (long)command.ExecuteScalar()!;
    }

    /// <summary>Waits for <paramref name="count"/> POSTs of an event, accepted or not.</summary>
    internal static async Task<List<ReceivedEvent>> AttemptsAsync(FakeCustomer customer, string name, int count)
    {
        var until = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var found = customer.Attempts.Where(e => e.Event == name).ToList();
            if (found.Count >= count) return found;
            Assert.True(DateTime.UtcNow < until, $"expected {count} attempts of {name}, got {found.Count}");
            await Task.Delay(20, Token);
        }
    }

    [Fact]
    public async Task A_drop_notice_keeps_its_attempt_count_and_back_off_across_a_restart()
    {
        await using var customer = await FakeCustomer.StartAsync();
        customer.ProfileHook = _ => Task.FromResult<int?>(404);   // the run drops: CUSTOMER_ENDPOINT_FAILED
        customer.AddUserText("u-crash", "p-crash", "hello?");
        customer.IncomingStatus = e => e.Event == Events.ConversationDropped ? 500 : 204;
        // Short leases: on PostgreSQL the restarted node adopts the dead node's events once it has been silent for a lease.
        var leases = new Dictionary<string, string?> { ["Conversations:LeaseDuration"] = "00:00:03", ["Conversations:HeartbeatInterval"] = "00:00:01" };
        var host1 = StartHost(settings: leases);
        var path = host1.DatabasePath;
        long id;
        (long Attempts, long NotBefore) before;
        DateTimeOffset thirdAttempt;
        try
        {
            var project = await host1.CreateProjectAsync(customer);
            using (var response = await host1.EnqueueAsync(project.Key, new
                   {
                       userProfileId = "u-crash", personaProfileId = "p-crash", language = "EN", replyParameters = new { bufferSeconds = 0 },
                   }))
                Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
            thirdAttempt = (await AttemptsAsync(customer, Events.ConversationDropped, 3))[2].ReceivedAt;
            id = DroppedId(host1.Database);
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while ((before = Row(host1.Database, id)).Attempts < 3)
            {
                Assert.True(DateTime.UtcNow < deadline, "the third failed attempt was recorded");
                await Task.Delay(20, Token);
            }
        }
        finally
        {
            await host1.DisposeAsync();
        }
        // The next attempt's time is stored with the count: after the third failure it is in the future.
        Assert.True(before.NotBefore > thirdAttempt.ToUnixTimeMilliseconds() - 200,
            $"not_before {before.NotBefore} should follow the third attempt at {thirdAttempt.ToUnixTimeMilliseconds()}");

        var restarted = DateTimeOffset.UtcNow;
        await using var host2 = StartHost(path, leases);
        var logs = await host2.WaitForLogsAsync((string)(await host2.AdminJsonAsync(HttpMethod.Get, "/admin/v1/projects"))["items"]![0]!["id"]!,
            "incoming_content", items => items.Any(i => ((string?)i["error"])?.StartsWith(Events.ConversationDropped, StringComparison.Ordinal) == true && (int)i["attempt"]! == 4));
        var fourth = logs.First(i => (int)i["attempt"]! == 4 && ((string?)i["error"])?.StartsWith(Events.ConversationDropped, StringComparison.Ordinal) == true);
        Assert.True(DateTimeOffset.Parse((string)fourth["at"]!, System.Globalization.CultureInfo.InvariantCulture).ToUnixTimeMilliseconds() >= before.NotBefore - 50,
            "the fourth attempt waits for the stored back-off");
        Assert.True(restarted.ToUnixTimeMilliseconds() > 0);
    }
}

public sealed class CrashLossTestsOnSqlite() : CrashLossTests(StorageProvider.Sqlite);

public sealed class CrashLossTestsOnPostgres() : CrashLossTests(StorageProvider.Postgres)
{
    [Fact]
    public async Task A_later_answer_from_another_node_waits_for_the_earlier_one_still_being_retried()
    {
        await using var customer = await FakeCustomer.StartAsync();
        customer.Profiles["u-order"] = FakeCustomer.Profile("u-order", "Ana");
        customer.Profiles["p-order"] = FakeCustomer.Profile("p-order", "Marta");
        customer.AddUserText("u-order", "p-order", "first");
        string? firstAnswer = null;
        var failures = 0;
        // The first answer fails four times (about 3.5 s of back-off) before it is accepted.
        customer.IncomingStatus = e =>
        {
            if (e.Event != Events.AnswerCreated) return 204;
            var answerId = (string)e.Data["answer"]!["id"]!;
            firstAnswer ??= answerId;
            return answerId == firstAnswer && Interlocked.Increment(ref failures) <= 4 ? 500 : 204;
        };
        await using var a = StartHost();
        await using var b = StartHost(a.DatabasePath);
        var project = await a.CreateProjectAsync(customer);
        object Body(string seq) => new
        {
            userProfileId = "u-order", personaProfileId = "p-order", language = "EN", tags = new { seq },
            replyParameters = new { bufferSeconds = 0 },
        };
        using (var response = await a.EnqueueAsync(project.Key, Body("1"))) Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        await AttemptsAsync(customer, Events.AnswerCreated, 1);
        // Run 1 has recorded its answer and released the conversation (the answer is now being retried by a's
        // dispatcher), so the second enqueue gets a run of its own rather than waiting out run 1's lease.
        await a.WaitUnscheduledAsync(a.ConversationId(project.Id, "u-order", "p-order"));
        customer.AddUserText("u-order", "p-order", "second");
        using (var response = await b.EnqueueAsync(project.Key, Body("2"))) Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);

        var accepted = await customer.WaitForEventAsync(Events.AnswerCreated, count: 2, seconds: 30);
        Assert.Equal(["1", "2"], accepted.Take(2).Select(e => (string?)e.Data["answer"]!["tags"]!["seq"]));
    }
}
