using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using DumGum.Guardrails;
using DumGum.Storage;
using DumGum.Tests.Admin;
using DumGum.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace DumGum.Tests.Storage;

/// <summary>
/// docs/behaviour.md, "Changes made elsewhere": projects, keys and bans written by another process on the same database
/// (a second server, the command line) are seen by a running server within 5 seconds.
/// </summary>
public abstract class ChangesElsewhereTests(StorageProvider provider) : StorageSuite(provider)
{
    static CancellationToken Token => TestContext.Current.CancellationToken;
    static readonly TimeSpan Guarantee = TimeSpan.FromSeconds(5);

    /// <summary>Polls until <paramref name="seen"/> holds; fails when it took longer than the guarantee.</summary>
    static async Task WithinGuaranteeAsync(string what, Func<Task<bool>> seen)
    {
        var watch = Stopwatch.StartNew();
        while (!await seen())
        {
            Assert.True(watch.Elapsed < Guarantee + TimeSpan.FromSeconds(3), $"{what}: not seen after {watch.Elapsed.TotalSeconds:0.0} s");
            await Task.Delay(100, Token);
        }
        Assert.True(watch.Elapsed <= Guarantee, $"{what}: seen only after {watch.Elapsed.TotalSeconds:0.0} s");
    }

    static object Enqueue(string user) => new { userProfileId = user, personaProfileId = "p-else", language = "EN", replyParameters = new { bufferSeconds = 60 } };

    [Fact]
    public async Task A_second_server_on_the_same_database_changes_projects_keys_and_bans_the_first_one_sees()
    {
        await using var customer = await FakeCustomer.StartAsync();
        await using var first = StartHost();
        await using var second = StartHost(first.DatabasePath);

        // Created elsewhere: the first server knows it at once (read on first use).
        var project = await second.CreateProjectAsync(customer);
        var found = await first.AdminJsonAsync(HttpMethod.Get, $"/admin/v1/projects/{project.Id}");
        Assert.Equal(project.Id, (string?)found["id"]);
        using (var response = await first.EnqueueAsync(project.Key, Enqueue("u-else")))
            Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);

        // Changed elsewhere after the first server cached it.
        await second.AdminJsonAsync(HttpMethod.Patch, $"/admin/v1/projects/{project.Id}", new { name = "renamed elsewhere" });
        await WithinGuaranteeAsync("the new name", async () =>
            (string?)(await first.AdminJsonAsync(HttpMethod.Get, $"/admin/v1/projects/{project.Id}"))["name"] == "renamed elsewhere");

        // A ban recorded elsewhere on a conversation the first server has cached as not banned.
        await second.Services.GetRequiredService<BanLedger>().RecordOffenceAsync(project.Id, "u-else", "p-else", "USER_UNDERAGE", null, DateTimeOffset.UtcNow);
        await WithinGuaranteeAsync("the ban", async () =>
        {
            using var response = await first.EnqueueAsync(project.Key, Enqueue("u-else"));
            return response.StatusCode == HttpStatusCode.Conflict;
        });

        // A key revoked elsewhere after the first server has used it.
        var keyId = (string)(await second.AdminJsonAsync(HttpMethod.Get, $"/admin/v1/projects/{project.Id}/access-keys"))["items"]![0]!["id"]!;
        using (var revoked = await second.Http.SendAsync(DumGumHost.Admin(HttpMethod.Delete, $"/admin/v1/projects/{project.Id}/access-keys/{keyId}"), Token))
            Assert.Equal(HttpStatusCode.NoContent, revoked.StatusCode);
        await WithinGuaranteeAsync("the revocation", async () =>
        {
            using var response = await first.EnqueueAsync(project.Key, Enqueue("u-other"));
            return response.StatusCode == HttpStatusCode.Unauthorized;
        });
    }
}

public sealed class ChangesElsewhereTestsOnSqlite() : ChangesElsewhereTests(StorageProvider.Sqlite)
{
    [Fact]
    public async Task A_project_changed_and_a_key_created_on_the_command_line_are_seen_by_the_running_server()
    {
        await using var customer = await FakeCustomer.StartAsync();
        await using var host = DumGumHost.Start();
        var storage = $"--Storage:Sqlite:Path={host.DatabasePath}";
        var created = await CliTests.RunAsync("projects", "create", "--name", "Scripted", "--profile-url", customer.ProfileUrl,
            "--history-url", customer.HistoryUrl, "--incoming-url", customer.IncomingUrl, storage, "--Security:AllowPrivateNetworkEndpoints=true");
        Assert.True(created.Exit == 0, created.Err);
        var projectId = (string)JsonNode.Parse(created.Out)!["id"]!;
        var stopwatch = Stopwatch.StartNew();
        Assert.Equal(projectId, (string?)(await host.AdminJsonAsync(HttpMethod.Get, $"/admin/v1/projects/{projectId}"))["id"]);
        var listed = await host.AdminJsonAsync(HttpMethod.Get, "/admin/v1/projects");
        var key = await CliTests.RunAsync("keys", "create", "--project", projectId, "--name", "ci", storage);
        Assert.True(key.Exit == 0, key.Err);
        using var response = await host.EnqueueAsync((string)JsonNode.Parse(key.Out)!["key"]!, new { userProfileId = "u1", personaProfileId = "p1", language = "EN", replyParameters = new { bufferSeconds = 60 } });
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Contains(listed["items"]!.AsArray(), p => (string?)p!["id"] == projectId);
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(30));
    }
}

public sealed class ChangesElsewhereTestsOnPostgres() : ChangesElsewhereTests(StorageProvider.Postgres);
