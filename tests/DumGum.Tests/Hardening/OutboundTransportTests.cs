using System.Net;
using DumGum.Customers;
using DumGum.Projects;
using DumGum.Tests.Infrastructure;
using DumGum.Webhooks;
using Microsoft.Extensions.DependencyInjection;

namespace DumGum.Tests.Hardening;

/// <summary>
/// docs/behaviour.md, "Outbound transport errors": every way a customer's connection can fail (a body cut short, a
/// reset before or during the answer, an answer that is not HTTP, a TLS failure, a name that does not resolve) is a
/// network error: retried within the run's deadline, each attempt in the project log with its kind, and the run ends
/// as documented (answered after a retry; TIMEOUT when it never recovers). Through a real socket-level fake customer.
/// </summary>
public sealed class OutboundTransportTests
{
    static CancellationToken Token => TestContext.Current.CancellationToken;

    const string User = """{"profile":{"id":"u1","firstName":"Tomas"}}""";
    const string Persona = """{"profile":{"id":"p1","firstName":"Marta"}}""";
    const string History = """{"messages":[{"sender":"USER","date":"2025-04-02T17:05:00Z","text":"hi"}]}""";

    static RawReply.Body Normal(string target) => target.StartsWith("/history", StringComparison.Ordinal) ? RawReply.Json(History)
        : target.Contains("profileId=p1", StringComparison.Ordinal) ? RawReply.Json(Persona) : RawReply.Json(User);

    public static TheoryData<string, string> Faults => new()
    {
        // the fault, words its log row carries
        { "closed-mid-body", "network error (ResponseEnded)" },
        { "reset-mid-body", "network error" },
        { "reset", "network error" },
        { "garbage", "network error" },
    };

    static RawReply Fault(string fault) => fault switch
    {
        "closed-mid-body" => new RawReply.ClosedMidBody(),
        "reset-mid-body" => new RawReply.ResetMidBody(),
        "reset" => new RawReply.Reset(),
        _ => new RawReply.Garbage(),
    };

    static async Task<(DumGumHost Host, FakeCustomer Customer, DumGumHost.TestProject Project)> SetUpAsync(RawCustomer raw)
    {
        var customer = await FakeCustomer.StartAsync();
        var host = DumGumHost.Start();
        var project = await host.CreateProjectAsync(customer, new
        {
            profileEndpointUrl = raw.BaseUrl + "/profile", chatHistoryEndpointUrl = raw.BaseUrl + "/history",
        });
        return (host, customer, project);
    }

    static async Task EnqueueAsync(DumGumHost host, DumGumHost.TestProject project, int maxProcessingTimeSeconds = 60)
    {
        using var response = await host.EnqueueAsync(project.Key, new
        {
            userProfileId = "u1", personaProfileId = "p1", language = "EN",
            replyParameters = new { bufferSeconds = 0, maxProcessingTimeSeconds },
        });
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
    }

    [Theory]
    [MemberData(nameof(Faults))]
    public async Task A_history_call_that_fails_in_transport_is_retried_logged_and_the_run_answers(string fault, string words)
    {
        await using var raw = RawCustomer.Start();
        raw.Reply = (target, before) => target.StartsWith("/history", StringComparison.Ordinal) && before == 0 ? Fault(fault) : Normal(target);
        var (host, customer, project) = await SetUpAsync(raw);
        await using var _ = host;
        await using var __ = customer;
        await EnqueueAsync(host, project);

        await customer.WaitForEventAsync(Events.AnswerCreated);
        var logs = await host.WaitForLogsAsync(project.Id, CallLog.History, l => l.Count >= 2);
        Assert.Contains(words, (string?)logs[0]["error"], StringComparison.Ordinal);
        Assert.Equal(1, (int?)logs[0]["attempt"]);
        Assert.Null((string?)logs[1]["error"]);
        Assert.Equal(2, (int?)logs[1]["attempt"]);
        Assert.DoesNotContain(customer.Events, e => e.Event == Events.ConversationDropped);
    }

    [Theory]
    [MemberData(nameof(Faults))]
    public async Task A_profile_call_that_fails_in_transport_is_retried_logged_and_the_run_answers(string fault, string words)
    {
        await using var raw = RawCustomer.Start();
        raw.Reply = (target, before) => target.Contains("profileId=p1", StringComparison.Ordinal) && raw.Requests.Count(r => r.Contains("profileId=p1", StringComparison.Ordinal)) == 1
            ? Fault(fault) : Normal(target);
        var (host, customer, project) = await SetUpAsync(raw);
        await using var _ = host;
        await using var __ = customer;
        await EnqueueAsync(host, project);

        await customer.WaitForEventAsync(Events.AnswerCreated);
        var logs = await host.WaitForLogsAsync(project.Id, CallLog.Profile,
            l => l.Count(e => ((string)e["url"]!).Contains("p1", StringComparison.Ordinal)) >= 2);
        var persona = logs.Where(e => ((string)e["url"]!).Contains("p1", StringComparison.Ordinal)).ToList();
        Assert.Contains(words, (string?)persona[0]["error"], StringComparison.Ordinal);
        Assert.Null((string?)persona[1]["error"]);
    }

    [Fact]
    public async Task A_history_endpoint_that_keeps_resetting_ends_the_run_with_TIMEOUT_after_logged_retries()
    {
        await using var raw = RawCustomer.Start();
        raw.Reply = (target, _) => target.StartsWith("/history", StringComparison.Ordinal) ? new RawReply.ResetMidBody() : Normal(target);
        var (host, customer, project) = await SetUpAsync(raw);
        await using var _ = host;
        await using var __ = customer;
        await EnqueueAsync(host, project, maxProcessingTimeSeconds: 10);

        var dropped = (await customer.WaitForEventAsync(Events.ConversationDropped, seconds: 30))[0];
        Assert.Equal("TIMEOUT", (string?)dropped.Data["reason"]);
        var logs = await host.WaitForLogsAsync(project.Id, CallLog.History, l => l.Count >= 2);
        Assert.All(logs, e => Assert.StartsWith("network error", (string?)e["error"], StringComparison.Ordinal));
        Assert.Equal(Enumerable.Range(1, logs.Count), logs.Select(e => (int)e["attempt"]!));
    }

    /// <summary>TLS and DNS failures, one attempt each exactly as a run makes it: a network error (retryable) with its kind.</summary>
    [Fact]
    public async Task TLS_and_name_resolution_failures_are_network_errors_with_their_kind()
    {
        await using var raw = RawCustomer.Start();
        raw.Reply = (_, _) => new RawReply.Garbage();
        var (host, customer, project) = await SetUpAsync(raw);
        await using var _ = host;
        await using var __ = customer;
        var client = host.Services.GetRequiredService<CustomerClient>();
        var found = host.Services.GetRequiredService<ProjectStore>().Find(project.Id)!;

        var tls = await client.GetOnceAsync(found, raw.HttpsBaseUrl + "/history", TimeSpan.FromSeconds(5), Token);
        Assert.Equal(CustomerFailure.Transport, tls.Failure);
        Assert.Contains("SecureConnectionError", tls.Error, StringComparison.Ordinal);

        var dns = await client.GetOnceAsync(found, "http://no-such-host.invalid/history", TimeSpan.FromSeconds(10), Token);
        Assert.Equal(CustomerFailure.Transport, dns.Failure);
        Assert.Contains("network error", dns.Error, StringComparison.Ordinal);
    }
}
