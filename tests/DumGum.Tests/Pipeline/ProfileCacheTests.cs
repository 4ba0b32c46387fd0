using DumGum.Storage;
using System.Net;
using System.Text.Json.Nodes;
using DumGum.Tests.Infrastructure;
using DumGum.Webhooks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace DumGum.Tests.Pipeline;

/// <summary>
/// docs/behaviour.md, "Profiles and history": a profile is fetched only on a cache miss, an announced version that differs from the cached one,
/// or after its <c>expiresAt</c>; an unusable profile drops the run with <c>INVALID_PROFILE</c> and is logged.
/// </summary>
public abstract class ProfileCacheTests(StorageProvider provider) : StorageSuite(provider)
{
    const string User = "u-cache", Persona = "p-cache";

    static async Task<DumGumHost.TestProject> SetUpAsync(FakeCustomer customer, DumGumHost host)
    {
        customer.AddPair(User, Persona, "hello!");
        return await host.CreateProjectAsync(customer);
    }

    static JsonObject Body(string? personaVersion = null) => new()
    {
        ["userProfileId"] = User, ["personaProfileId"] = Persona, ["language"] = "EN",
        ["personaProfileVersion"] = personaVersion,
        ["replyParameters"] = new JsonObject { ["bufferSeconds"] = "0" },
    };

    /// <summary>Enqueues and waits for the run's outcome (the n-th answer.created or conversation.dropped).</summary>
    static async Task<ReceivedEvent> RunAsync(FakeCustomer customer, DumGumHost host, DumGumHost.TestProject project, JsonObject body)
    {
        var outcomes = customer.Events.Count(IsOutcome);
        using (var response = await host.EnqueueAsync(project.Key, body))
            Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        return (await customer.WaitForEventsAsync(IsOutcome, outcomes + 1))[outcomes];
    }

    static bool IsOutcome(ReceivedEvent e) => e.Event is Events.AnswerCreated or Events.ConversationDropped;

    [Fact]
    public async Task Profiles_are_cached_between_runs_and_refetched_when_a_new_version_is_announced()
    {
        await using var customer = await FakeCustomer.StartAsync();
        await using var host = StartHost();
        var project = await SetUpAsync(customer, host);

        Assert.Equal(Events.AnswerCreated, (await RunAsync(customer, host, project, Body())).Event);
        Assert.Equal(Events.AnswerCreated, (await RunAsync(customer, host, project, Body(personaVersion: "v1"))).Event);
        Assert.Equal(1, customer.ProfileCallCount(User));
        Assert.Equal(1, customer.ProfileCallCount(Persona));
        Assert.Equal(2, customer.CallCount("/history"));   // the history, unlike profiles, is fetched on every run

        customer.Profiles[Persona] = FakeCustomer.Profile(Persona, "Martina", version: "v2");
        var created = await RunAsync(customer, host, project, Body(personaVersion: "v2"));
        Assert.Equal(Events.AnswerCreated, created.Event);
        Assert.Equal(1, customer.ProfileCallCount(User));
        Assert.Equal(2, customer.ProfileCallCount(Persona));

        // The refreshed copy is the one cached now: announcing v2 again is a hit.
        Assert.Equal(Events.AnswerCreated, (await RunAsync(customer, host, project, Body(personaVersion: "v2"))).Event);
        Assert.Equal(2, customer.ProfileCallCount(Persona));
        Assert.Equal(4, customer.CallCount("/history"));
    }

    [Fact]
    public async Task A_profile_is_refetched_once_its_expiresAt_has_passed()
    {
        // The server on a fake clock: the cached profile expires when the test moves the clock past its expiresAt.
        var clock = new FakeTimeProvider(DumGumHost.WholeSecondNow());
        await using var customer = await FakeCustomer.StartAsync();
        await using var host = StartHost(services: s => s.AddSingleton<TimeProvider>(clock));
        var project = await SetUpAsync(customer, host);
        var expiresAt = clock.GetUtcNow().AddSeconds(2.5);
        customer.Profiles[Persona] = FakeCustomer.Profile(Persona, "Marta", expiresAt: expiresAt);

        Assert.Equal(Events.AnswerCreated, (await RunAsync(customer, host, project, Body())).Event);
        clock.Advance(TimeSpan.FromSeconds(2.5) - TimeSpan.FromMilliseconds(1));   // the last moment it is still valid
        Assert.Equal(Events.AnswerCreated, (await RunAsync(customer, host, project, Body())).Event);
        Assert.Equal(1, customer.ProfileCallCount(Persona));

        clock.Advance(TimeSpan.FromMilliseconds(1));   // expiresAt: no longer valid
        customer.Profiles[Persona] = FakeCustomer.Profile(Persona, "Marta", expiresAt: clock.GetUtcNow().AddDays(1));
        Assert.Equal(Events.AnswerCreated, (await RunAsync(customer, host, project, Body())).Event);
        Assert.Equal(2, customer.ProfileCallCount(Persona));
        Assert.Equal(1, customer.ProfileCallCount(User));
    }

    public static TheoryData<string, string> InvalidProfiles => new()
    {
        { "id-mismatch", "does not equal the requested id" },
        { "no-name", "neither firstName nor nickname" },
    };

    [Theory]
    [MemberData(nameof(InvalidProfiles))]
    public async Task An_invalid_profile_drops_the_run_with_INVALID_PROFILE_and_is_logged(string kind, string expectedError)
    {
        await using var customer = await FakeCustomer.StartAsync();
        await using var host = StartHost();
        var project = await SetUpAsync(customer, host);
        var persona = FakeCustomer.Profile(Persona, "Marta");
        if (kind == "id-mismatch") persona["id"] = "p-someone-else";
        else persona.Remove("firstName");
        customer.Profiles[Persona] = persona;

        var outcome = await RunAsync(customer, host, project, Body());
        Assert.Equal(Events.ConversationDropped, outcome.Event);
        Assert.Equal("INVALID_PROFILE", (string?)outcome.Data["reason"]);
        Assert.DoesNotContain(customer.Attempts, e => e.Event == Events.AnswerCreated);

        var logs = await host.WaitForLogsAsync(project.Id, "profile",
            l => l.Any(e => ((string?)e["error"])?.Contains(expectedError, StringComparison.Ordinal) == true));
        var entry = logs.First(e => ((string?)e["error"])?.Contains(expectedError, StringComparison.Ordinal) == true);
        Assert.Contains(Persona, (string)entry["url"]!, StringComparison.Ordinal);
        Assert.Equal("profile", (string?)entry["kind"]);
    }
}

public sealed class ProfileCacheTestsOnSqlite() : ProfileCacheTests(StorageProvider.Sqlite);

public sealed class ProfileCacheTestsOnPostgres() : ProfileCacheTests(StorageProvider.Postgres);
