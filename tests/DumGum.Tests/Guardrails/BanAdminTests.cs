using System.Net;
using System.Text.Json.Nodes;
using DumGum.Guardrails;
using DumGum.Storage;
using DumGum.Tests.Api;
using DumGum.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace DumGum.Tests.Guardrails;

/// <summary>Listing and lifting bans through the admin API (and the <see cref="BanAdmin"/> service behind it).</summary>
public abstract class BanAdminTests(StorageProvider provider) : StorageSuite(provider)
{
    static CancellationToken Token => TestContext.Current.CancellationToken;

    static object Enqueue(string user, string persona) =>
        new { userProfileId = user, personaProfileId = persona, language = "EN", replyParameters = new { bufferSeconds = "60" } };

    [Fact]
    public async Task A_lifted_ban_lets_the_next_enqueue_in_and_its_counter_starts_again()
    {
        await using var customer = await FakeCustomer.StartAsync();
        await using var host = StartHost();
        var project = await host.CreateProjectAsync(customer);
        var ledger = host.Services.GetRequiredService<BanLedger>();
        // The first look-up caches "no ban"; the ban written through the ledger replaces it.
        using (var before = await host.EnqueueAsync(project.Key, Enqueue("u-lift", "p-lift"))) Assert.Equal(HttpStatusCode.NoContent, before.StatusCode);
        var outcome = await ledger.RecordOffenceAsync(project.Id, "u-lift", "p-lift", StopReasons.AiSuspicion, [0], DateTimeOffset.UtcNow);
        Assert.True(outcome.Permanent);
        using (var banned = await host.EnqueueAsync(project.Key, Enqueue("u-lift", "p-lift")))
            await ProblemAssert.ReadAsync(banned, HttpStatusCode.Conflict);

        var list = await host.AdminJsonAsync(HttpMethod.Get, $"/admin/v1/projects/{project.Id}/bans");
        var ban = Assert.Single(list["items"]!.AsArray())!.AsObject();
        Assert.Equal("u-lift", (string?)ban["userProfileId"]);
        Assert.Equal("p-lift", (string?)ban["personaProfileId"]);
        Assert.Equal(StopReasons.AiSuspicion, (string?)ban["reason"]);
        Assert.Equal(1, (int?)ban["offences"]);
        Assert.True((bool?)ban["permanent"]);
        Assert.Null(ban["stoppedUntil"]);
        var banId = (string)ban["banId"]!;
        Assert.Matches("^[A-Za-z0-9_-]+$", banId);

        using (var lift = await host.Http.SendAsync(DumGumHost.Admin(HttpMethod.Delete, $"/admin/v1/projects/{project.Id}/bans/{banId}"), Token))
            Assert.Equal(HttpStatusCode.NoContent, lift.StatusCode);
        using (var after = await host.EnqueueAsync(project.Key, Enqueue("u-lift", "p-lift"))) Assert.Equal(HttpStatusCode.NoContent, after.StatusCode);
        Assert.Empty((await host.AdminJsonAsync(HttpMethod.Get, $"/admin/v1/projects/{project.Id}/bans"))["items"]!.AsArray());
        using (var again = await host.Http.SendAsync(DumGumHost.Admin(HttpMethod.Delete, $"/admin/v1/projects/{project.Id}/bans/{banId}"), Token))
            await ProblemAssert.ReadAsync(again, HttpStatusCode.NotFound);

        // Lifting resets the reason's offence counter: the next offence is the first again.
        var next = await ledger.RecordOffenceAsync(project.Id, "u-lift", "p-lift", StopReasons.AiSuspicion, [30], DateTimeOffset.UtcNow);
        Assert.Equal(1, next.Offence);
        Assert.False(next.Permanent);
    }

    [Fact]
    public async Task A_ban_earned_through_the_guardrail_is_listed_and_lifted()
    {
        await using var customer = await FakeCustomer.StartAsync();
        await using var host = StartHost();
        var project = await host.CreateProjectAsync(customer);
        customer.AddPair("u-guard", "p-guard", "I am 14 years old");
        using (var first = await host.EnqueueAsync(project.Key, new
               {
                   userProfileId = "u-guard", personaProfileId = "p-guard", language = "EN", testMode = true,
                   replyParameters = new { bufferSeconds = "0", replyTypingDelay = "INSTANT" },
               }))
            Assert.Equal(HttpStatusCode.NoContent, first.StatusCode);
        await customer.WaitForEventAsync(DumGum.Webhooks.Events.AnswerCreated, "u-guard");

        var ban = Assert.Single((await host.AdminJsonAsync(HttpMethod.Get, $"/admin/v1/projects/{project.Id}/bans"))["items"]!.AsArray())!;
        Assert.Equal(StopReasons.UserUnderage, (string?)ban["reason"]);
        using (var banned = await host.EnqueueAsync(project.Key, Enqueue("u-guard", "p-guard")))
            await ProblemAssert.ReadAsync(banned, HttpStatusCode.Conflict);
        using (var lift = await host.Http.SendAsync(DumGumHost.Admin(HttpMethod.Delete,
                   $"/admin/v1/projects/{project.Id}/bans/{(string)ban["banId"]!}"), Token))
            Assert.Equal(HttpStatusCode.NoContent, lift.StatusCode);
        using (var after = await host.EnqueueAsync(project.Key, Enqueue("u-guard", "p-guard"))) Assert.Equal(HttpStatusCode.NoContent, after.StatusCode);
    }

    [Fact]
    public async Task Active_bans_are_listed_newest_offence_first_in_pages()
    {
        await using var customer = await FakeCustomer.StartAsync();
        await using var host = StartHost();
        var project = await host.CreateProjectAsync(customer);
        var other = await host.CreateProjectAsync(customer);
        var ledger = host.Services.GetRequiredService<BanLedger>();
        var now = DateTimeOffset.UtcNow;
        await ledger.RecordOffenceAsync(project.Id, "u-old", "p1", StopReasons.UserHostile, [600], now.AddMinutes(-3));
        await ledger.RecordOffenceAsync(project.Id, "u-mid", "p1", StopReasons.UserMessageRepetition, [600], now.AddMinutes(-2));
        await ledger.RecordOffenceAsync(project.Id, "u-new", "p1", StopReasons.UserUnderage, null, now.AddMinutes(-1));
        // Over already: not listed.
        await ledger.RecordOffenceAsync(project.Id, "u-over", "p1", StopReasons.AiSuspicion, [1], now.AddHours(-1));
        // Another project's ban: never listed here.
        await ledger.RecordOffenceAsync(other.Id, "u-else", "p1", StopReasons.UserHostile, [0], now);

        var first = await host.AdminJsonAsync(HttpMethod.Get, $"/admin/v1/projects/{project.Id}/bans?limit=2");
        Assert.Equal(new[] { "u-new", "u-mid" }, first["items"]!.AsArray().Select(i => (string)i!["userProfileId"]!));
        var cursor = (string)first["nextAfter"]!;
        var second = await host.AdminJsonAsync(HttpMethod.Get, $"/admin/v1/projects/{project.Id}/bans?limit=2&after={cursor}");
        var last = Assert.Single(second["items"]!.AsArray())!;
        Assert.Equal("u-old", (string?)last["userProfileId"]);
        Assert.False((bool?)last["permanent"]);
        Assert.Equal(now.AddMinutes(-3).AddMinutes(600).ToUnixTimeMilliseconds(), DateTimeOffset.Parse((string)last["stoppedUntil"]!,
            System.Globalization.CultureInfo.InvariantCulture).ToUnixTimeMilliseconds());
        Assert.Null(second["nextAfter"]);

        var filtered = await host.AdminJsonAsync(HttpMethod.Get, $"/admin/v1/projects/{project.Id}/bans?userProfileId=u-mid");
        Assert.Equal("u-mid", (string?)Assert.Single(filtered["items"]!.AsArray())!["userProfileId"]);

        // The service the dashboard calls answers the same.
        var page = host.Services.GetRequiredService<BanAdmin>().ListActive(project.Id, 10);
        Assert.Equal(new[] { "u-new", "u-mid", "u-old" }, page.Items.Select(b => b.UserProfileId));
    }

    [Theory]
    [InlineData("limit=0", "limit")]
    [InlineData("limit=1001", "limit")]
    [InlineData("limit=ten", "limit")]
    [InlineData("after=not-a-cursor", "after")]
    [InlineData("after=WyJ1IiwicCIsIlIiXQ", "after")]   // a ban id, not a cursor
    public async Task Bad_paging_values_are_refused_naming_the_parameter(string query, string parameter)
    {
        await using var customer = await FakeCustomer.StartAsync();
        await using var host = StartHost();
        var project = await host.CreateProjectAsync(customer);
        using var response = await host.Http.SendAsync(DumGumHost.Admin(HttpMethod.Get, $"/admin/v1/projects/{project.Id}/bans?{query}"), Token);
        var problem = await ProblemAssert.ReadAsync(response, HttpStatusCode.BadRequest);
        ProblemAssert.Messages(problem, parameter);
    }

    [Fact]
    public async Task Unknown_project_or_ban_is_404()
    {
        await using var customer = await FakeCustomer.StartAsync();
        await using var host = StartHost();
        var project = await host.CreateProjectAsync(customer);
        var unknownBan = BanAdmin.BanId("u-none", "p-none", StopReasons.UserHostile);
        foreach (var path in new[]
                 {
                     $"/admin/v1/projects/{project.Id}/bans/{unknownBan}", $"/admin/v1/projects/{project.Id}/bans/garbage!",
                     $"/admin/v1/projects/proj_missing/bans/{unknownBan}",
                 })
        {
            using var response = await host.Http.SendAsync(DumGumHost.Admin(HttpMethod.Delete, path), Token);
            await ProblemAssert.ReadAsync(response, HttpStatusCode.NotFound);
        }
        using var list = await host.Http.SendAsync(DumGumHost.Admin(HttpMethod.Get, "/admin/v1/projects/proj_missing/bans"), Token);
        await ProblemAssert.ReadAsync(list, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Lifting_one_reason_leaves_the_conversations_other_bans_in_force()
    {
        using var database = OpenDatabase();
        using var writes = new WriteQueue(database, Microsoft.Extensions.Logging.Abstractions.NullLogger<WriteQueue>.Instance);
        var ledger = new BanLedger(database, writes, TimeProvider.System);
        var admin = new BanAdmin(database, ledger, TimeProvider.System);
        var now = DateTimeOffset.UtcNow;
        await ledger.RecordOffenceAsync("proj_x", "u1", "p1", StopReasons.UserHostile, [0], now);
        await ledger.RecordOffenceAsync("proj_x", "u1", "p1", StopReasons.AiSuspicion, [60], now);
        Assert.True(ledger.Find("proj_x", "u1", "p1", now)!.Permanent);

        Assert.True(await admin.LiftAsync("proj_x", BanAdmin.BanId("u1", "p1", StopReasons.UserHostile)));
        Assert.Equal(new ActiveBan(StopReasons.AiSuspicion, false, DateTimeOffset.FromUnixTimeMilliseconds(now.AddMinutes(60).ToUnixTimeMilliseconds())),
            ledger.Find("proj_x", "u1", "p1", now));
        Assert.True(await admin.LiftAsync("proj_x", BanAdmin.BanId("u1", "p1", StopReasons.AiSuspicion)));
        Assert.Null(ledger.Find("proj_x", "u1", "p1", now));
        Assert.False(await admin.LiftAsync("proj_x", BanAdmin.BanId("u1", "p1", StopReasons.AiSuspicion)));
        Assert.False(await admin.LiftAsync("proj_x", "%%%"));
    }

    [Fact]
    public void Ban_ids_are_url_safe_and_round_trip()
    {
        var id = BanAdmin.BanId("user/with?odd&chars ü", "p+1=", StopReasons.UserHostile);
        Assert.Matches("^[A-Za-z0-9_-]+$", id);
        Assert.True(BanAdmin.TryParseBanId(id, out var key));
        Assert.Equal(("user/with?odd&chars ü", "p+1=", StopReasons.UserHostile), key);
        Assert.False(BanAdmin.TryParseBanId("bm9wZQ", out _));   // "nope"
        Assert.False(BanAdmin.TryParseBanId("", out _));
    }
}

public sealed class BanAdminTestsOnSqlite() : BanAdminTests(StorageProvider.Sqlite);

public sealed class BanAdminTestsOnPostgres() : BanAdminTests(StorageProvider.Postgres);
