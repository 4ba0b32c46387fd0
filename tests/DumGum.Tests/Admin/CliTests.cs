using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using DumGum.Tests.Infrastructure;

namespace DumGum.Tests.Admin;

/// <summary>The operator commands, run as a real process of the server's own assembly against a real database.</summary>
public sealed class CliTests
{
    internal static Task<(int Exit, string Out, string Err)> RunAsync(params string[] args) => RunInAsync(null, null, args);

    /// <summary>Runs the command in <paramref name="workingDirectory"/> (the test's own by default) with extra environment variables.</summary>
    internal static async Task<(int Exit, string Out, string Err)> RunInAsync(string? workingDirectory, Dictionary<string, string>? environment,
        params string[] args)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "DumGum.Server.dll");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (workingDirectory is not null) start.WorkingDirectory = workingDirectory;
        start.ArgumentList.Add(dll);
        foreach (var a in args) start.ArgumentList.Add(a);
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Testing";
        if (environment is not null) foreach (var (k, v) in environment) start.Environment[k] = v;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        return (process.ExitCode, await stdout, await stderr);
    }

    [Fact]
    public async Task Projects_and_keys_created_on_the_command_line_work_against_the_server()
    {
        await using var customer = await FakeCustomer.StartAsync();
        var db = DumGumHost.NewDatabasePath();
        var storage = $"--Storage:Sqlite:Path={db}";

        var created = await RunAsync("projects", "create", "--name", "Scripted", "--profile-url", customer.ProfileUrl,
            "--history-url", customer.HistoryUrl, "--incoming-url", customer.IncomingUrl, "--header", "X-Api-Key=abc",
            storage, "--Security:AllowPrivateNetworkEndpoints=true");
        Assert.True(created.Exit == 0, created.Err);
        var projectId = (string)JsonNode.Parse(created.Out)!["id"]!;
        Assert.Matches("^proj_[0-9A-Za-z]{21}$", projectId);

        var key = await RunAsync("keys", "create", "--project", projectId, "--name", "ci", storage);
        Assert.True(key.Exit == 0, key.Err);
        var keyJson = JsonNode.Parse(key.Out)!;
        var secret = (string)keyJson["key"]!;

        await using (var host = DumGumHost.Start(db))
        {
            customer.Profiles["u1"] = FakeCustomer.Profile("u1", "Ana");
            customer.Profiles["p1"] = FakeCustomer.Profile("p1", "Marta");
            using var response = await host.EnqueueAsync(secret, new { userProfileId = "u1", personaProfileId = "p1", language = "EN", replyParameters = new { bufferSeconds = 0 } });
            Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
            await customer.WaitForEventAsync("answer.created");
            Assert.Contains(customer.Calls, c => c.Path == "/history" && c.Headers.TryGetValue("X-Api-Key", out var v) && v == "abc");

            var revoke = await RunAsync("keys", "revoke", "--project", projectId, "--key", (string)keyJson["id"]!, storage);
            Assert.True(revoke.Exit == 0, revoke.Err);
            // Another process revoked it: the server's key cache re-reads within five seconds.
            var deadline = DateTime.UtcNow.AddSeconds(10);
            HttpStatusCode status;
            do
            {
                using var again = await host.EnqueueAsync(secret, new { userProfileId = "u1", personaProfileId = "p1", language = "EN" });
                status = again.StatusCode;
                if (status == HttpStatusCode.Unauthorized) break;
                await Task.Delay(250, TestContext.Current.CancellationToken);
            } while (DateTime.UtcNow < deadline);
            Assert.Equal(HttpStatusCode.Unauthorized, status);
        }
    }

    [Fact]
    public async Task A_loopback_endpoint_is_refused_when_private_networks_are_not_allowed()
    {
        var result = await RunAsync("projects", "create", "--name", "x", "--profile-url", "http://127.0.0.1:9/p",
            "--history-url", "https://customer.example.com/h", "--incoming-url", "https://customer.example.com/i",
            $"--Storage:Sqlite:Path={DumGumHost.NewDatabasePath()}", "--Security:AllowPrivateNetworkEndpoints=false");
        Assert.Equal(2, result.Exit);
        Assert.Contains("profileEndpointUrl", result.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Missing_options_are_named()
    {
        var result = await RunAsync("keys", "create", "--name", "x", $"--Storage:Sqlite:Path={DumGumHost.NewDatabasePath()}");
        Assert.Equal(2, result.Exit);
        Assert.Contains("--project is required", result.Err, StringComparison.Ordinal);
    }
}
