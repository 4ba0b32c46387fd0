using System.Net;
using DumGum.Storage;
using DumGum.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace DumGum.Tests.Cluster;

/// <summary>
/// A ban lifted through one node's admin API lets enqueues in on another at once (the notice clears its cache). Both
/// nodes run on one fake clock that never moves, so neither the cache's revalidation nor the change watcher's poll can
/// stand in for the notice; the wait's bound only turns a missing notice into a failure.
/// </summary>
public sealed class CrossNodeBanLiftTests
{
    [Fact]
    public async Task A_ban_lifted_on_one_node_accepts_enqueues_on_the_other_at_once()
    {
        await using var customer = await FakeCustomer.StartAsync();
        var database = DumGumHost.NewDatabase(StorageProvider.Postgres);
        var clock = new FakeTimeProvider(DumGumHost.WholeSecondNow());
        await using var a = DumGumHost.Start(database, services: s => s.AddSingleton<TimeProvider>(clock), provider: StorageProvider.Postgres);
        await using var b = DumGumHost.Start(database, services: s => s.AddSingleton<TimeProvider>(clock), provider: StorageProvider.Postgres);
        var project = await a.CreateProjectAsync(customer);
        var body = new { userProfileId = "u-lifted", personaProfileId = "p-lifted", language = "EN", replyParameters = new { bufferSeconds = "60" } };
        await a.Services.GetRequiredService<DumGum.Guardrails.BanLedger>()
            .RecordOffenceAsync(project.Id, "u-lifted", "p-lifted", "USER_HOSTILE", [0], clock.GetUtcNow());
        // Node b has cached the ban.
        using (var banned = await b.EnqueueAsync(project.Key, body)) Assert.Equal(HttpStatusCode.Conflict, banned.StatusCode);

        var banId = (string)(await a.AdminJsonAsync(HttpMethod.Get, $"/admin/v1/projects/{project.Id}/bans"))["items"]![0]!["banId"]!;
        using (var lift = await a.Http.SendAsync(DumGumHost.Admin(HttpMethod.Delete, $"/admin/v1/projects/{project.Id}/bans/{banId}"),
                   TestContext.Current.CancellationToken))
            Assert.Equal(HttpStatusCode.NoContent, lift.StatusCode);

        var until = DateTime.UtcNow.AddSeconds(15);
        HttpStatusCode status;
        do
        {
            using var response = await b.EnqueueAsync(project.Key, body);
            status = response.StatusCode;
            if (status == HttpStatusCode.NoContent) break;
            await Task.Delay(50, TestContext.Current.CancellationToken);
        } while (DateTime.UtcNow < until);
        Assert.Equal(HttpStatusCode.NoContent, status);
    }
}
