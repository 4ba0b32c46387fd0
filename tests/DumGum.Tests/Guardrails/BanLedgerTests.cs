using System.Text.Json;
using DumGum.Guardrails;
using DumGum.Http;
using DumGum.Storage;
using DumGum.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;

namespace DumGum.Tests.Guardrails;

public abstract class BanLedgerTests : StorageSuite, IDisposable
{
    const string Project = "proj_test";
    static readonly DateTimeOffset T0 = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    readonly Database database;
    readonly WriteQueue writes;
    readonly BanLedger ledger;

    protected BanLedgerTests(StorageProvider provider) : base(provider)
    {
        database = OpenDatabase();
        writes = new WriteQueue(database, NullLogger<WriteQueue>.Instance);
        ledger = new BanLedger(database, writes, TimeProvider.System);
    }

    public void Dispose()
    {
        writes.Dispose();
        database.Dispose();
        GC.SuppressFinalize(this);
    }

    Task<BanOutcome> Offend(string reason, DateTimeOffset at, IReadOnlyList<int>? ladder = null, string user = "u1", string persona = "p1") =>
        ledger.RecordOffenceAsync(Project, user, persona, reason, ladder, at);

    [Fact]
    public async Task Default_progressive_ladder_is_2h_12h_24h_48h_then_permanent()
    {
        var at = T0;
        int[] minutes = [120, 720, 1440, 2880];
        for (var i = 0; i < minutes.Length; i++)
        {
            var outcome = await Offend(StopReasons.AiSuspicion, at, StopReasons.ProgressiveLadder);
            Assert.Equal(i + 1, outcome.Offence);
            Assert.False(outcome.Permanent);
            Assert.Equal(at.AddMinutes(minutes[i]), outcome.StoppedUntil);
            Assert.Equal(StopReasons.AiSuspicion, outcome.Reason);
            at = outcome.StoppedUntil!.Value.AddMinutes(1);
        }
        var fifth = await Offend(StopReasons.AiSuspicion, at, StopReasons.ProgressiveLadder);
        Assert.Equal(5, fifth.Offence);
        Assert.True(fifth.Permanent);
        Assert.Null(fifth.StoppedUntil);
        Assert.Equal(new ActiveBan(StopReasons.AiSuspicion, true, null), ledger.Find(Project, "u1", "p1", at.AddYears(5)));
    }

    [Fact]
    public async Task Null_ladder_uses_the_reason_default()
    {
        var progressive = await Offend(StopReasons.UserHostile, T0);
        Assert.Equal(T0.AddMinutes(120), progressive.StoppedUntil);
        foreach (var reason in new[] { StopReasons.UserUnderage, StopReasons.UserSuspicious, StopReasons.MaliciousContent })
        {
            var permanent = await Offend(reason, T0, user: "u-" + reason);
            Assert.True(permanent.Permanent, reason);
            Assert.Null(permanent.StoppedUntil);
            Assert.Equal(1, permanent.Offence);
        }
    }

    [Fact]
    public async Task Custom_ladder_with_zero_or_empty_means_permanent()
    {
        IReadOnlyList<int> ladder = [30, 0, 60];
        var first = await Offend(StopReasons.UserMessageRepetition, T0, ladder);
        Assert.Equal(T0.AddMinutes(30), first.StoppedUntil);
        var second = await Offend(StopReasons.UserMessageRepetition, T0.AddHours(1), ladder);
        Assert.True(second.Permanent);
        Assert.Null(second.StoppedUntil);

        var empty = await Offend(StopReasons.UnknownLanguage, T0, [], user: "u2");
        Assert.True(empty.Permanent);
    }

    [Fact]
    public async Task Counters_are_per_reason_and_per_conversation()
    {
        await Offend(StopReasons.AiSuspicion, T0);
        var secondAi = await Offend(StopReasons.AiSuspicion, T0.AddHours(3));
        Assert.Equal(2, secondAi.Offence);
        var firstRepetition = await Offend(StopReasons.UserMessageRepetition, T0.AddHours(20));
        Assert.Equal(1, firstRepetition.Offence);
        Assert.Equal(T0.AddHours(22), firstRepetition.StoppedUntil);
        var otherPersona = await Offend(StopReasons.AiSuspicion, T0.AddHours(20), persona: "p2");
        Assert.Equal(1, otherPersona.Offence);
        var otherUser = await Offend(StopReasons.AiSuspicion, T0.AddHours(20), user: "u9");
        Assert.Equal(1, otherUser.Offence);
    }

    [Fact]
    public async Task Counter_resets_after_30_days_without_an_offence()
    {
        await Offend(StopReasons.AiSuspicion, T0);
        var second = await Offend(StopReasons.AiSuspicion, T0.AddDays(29));
        Assert.Equal(2, second.Offence);
        var reset = await Offend(StopReasons.AiSuspicion, T0.AddDays(29 + 31));
        Assert.Equal(1, reset.Offence);
        Assert.Equal(T0.AddDays(60).AddMinutes(120), reset.StoppedUntil);
        Assert.Equal(2, (await Offend(StopReasons.AiSuspicion, T0.AddDays(61))).Offence);
        Assert.Equal(TimeSpan.FromDays(30), BanLedger.CounterReset);
    }

    [Fact]
    public async Task A_reset_never_lifts_a_permanent_stop()
    {
        await Offend(StopReasons.UserHostile, T0, [60]);
        var permanent = await Offend(StopReasons.UserHostile, T0.AddDays(1), [60]);
        Assert.True(permanent.Permanent);
        var later = await Offend(StopReasons.UserHostile, T0.AddDays(100), [60]);
        Assert.Equal(1, later.Offence);
        Assert.True(later.Permanent);
        Assert.True(ledger.Find(Project, "u1", "p1", T0.AddDays(200))!.Permanent);
    }

    [Fact]
    public async Task Compat_spellings_are_recorded_canonically()
    {
        var outcome = await Offend("AI_SUSPICIOUS", T0);
        Assert.Equal(StopReasons.AiSuspicion, outcome.Reason);
        Assert.Equal(2, (await Offend("AI_SUSPICION", T0.AddHours(3))).Offence);
        Assert.True((await Offend("UNDERAGE_USER", T0, user: "u3")).Permanent);
        await Assert.ThrowsAsync<ArgumentException>(() => Offend("NOT_A_REASON", T0));
    }

    [Fact]
    public async Task Find_returns_the_active_ban_and_nothing_once_it_ends()
    {
        Assert.Null(ledger.Find(Project, "u1", "p1", T0));
        await Offend(StopReasons.UnknownLanguage, T0);
        var ban = ledger.Find(Project, "u1", "p1", T0.AddMinutes(119));
        Assert.Equal(new ActiveBan(StopReasons.UnknownLanguage, false, T0.AddMinutes(120)), ban);
        Assert.Null(ledger.Find(Project, "u1", "p1", T0.AddMinutes(120)));
        Assert.Null(ledger.Find(Project, "u1", "p2", T0));
    }

    [Fact]
    public async Task Find_picks_the_strongest_ban_across_reasons()
    {
        await Offend(StopReasons.UserMessageRepetition, T0, [600]);
        await Offend(StopReasons.AiSuspicion, T0.AddMinutes(10), [60]);
        Assert.Equal(StopReasons.UserMessageRepetition, ledger.Find(Project, "u1", "p1", T0.AddMinutes(20))!.Reason);
        await Offend(StopReasons.UserHostile, T0.AddMinutes(30), [1000]);
        Assert.Equal(StopReasons.UserHostile, ledger.Find(Project, "u1", "p1", T0.AddMinutes(40))!.Reason);
        await Offend(StopReasons.MaliciousContent, T0.AddMinutes(50));
        var permanent = ledger.Find(Project, "u1", "p1", T0.AddMinutes(60));
        Assert.Equal(new ActiveBan(StopReasons.MaliciousContent, true, null), permanent);
    }

    [Fact]
    public async Task Find_is_cached_and_every_offence_replaces_the_cached_ban()
    {
        Assert.Null(ledger.Find(Project, "u1", "p1", T0));
        // A row written behind the ledger's back is not seen: "none" was cached by the first read.
        using (var connection = database.Open())
            Database.Execute(connection, $"""
                INSERT INTO bans VALUES('{Project}', 'u1', 'p1', 'USER_UNDERAGE', 1, {T0.ToUnixTimeMilliseconds()}, NULL, 1)
                """);
        Assert.Null(ledger.Find(Project, "u1", "p1", T0));
        // A new ledger (a restart) reads it.
        var restarted = new BanLedger(database, writes, TimeProvider.System);
        Assert.True(restarted.Find(Project, "u1", "p1", T0)!.Permanent);
        // An offence through the ledger refreshes the cached entry from the database.
        await Offend(StopReasons.AiSuspicion, T0);
        Assert.Equal(new ActiveBan(StopReasons.UserUnderage, true, null), ledger.Find(Project, "u1", "p1", T0));
    }

    [Fact]
    public async Task Offence_after_a_cached_none_is_seen_immediately()
    {
        Assert.Null(ledger.Find(Project, "u5", "p5", T0));
        var outcome = await Offend(StopReasons.UserHostile, T0, user: "u5", persona: "p5");
        Assert.Equal(new ActiveBan(StopReasons.UserHostile, false, outcome.StoppedUntil), ledger.Find(Project, "u5", "p5", T0.AddMinutes(1)));
    }

    [Fact]
    public async Task Concurrent_offences_count_each_once_and_leave_the_latest_ban_cached()
    {
        var ladder = Enumerable.Range(1, 40).ToArray();
        var readers = Task.Run(() =>
        {
            for (var i = 0; i < 500; i++) ledger.Find(Project, "u1", "p1", T0);
        }, TestContext.Current.CancellationToken);
        var outcomes = await Task.WhenAll(Enumerable.Range(0, 30).Select(_ => Offend(StopReasons.AiSuspicion, T0, ladder)));
        await readers;
        Assert.Equal(Enumerable.Range(1, 30), outcomes.Select(o => o.Offence).Order());
        Assert.Equal(T0.AddMinutes(30), ledger.Find(Project, "u1", "p1", T0)!.StoppedUntil);
    }

    [Fact]
    public async Task Ban_survives_in_the_database()
    {
        await Offend(StopReasons.AiSuspicion, T0);
        var other = new BanLedger(database, writes, TimeProvider.System);
        Assert.Equal(new ActiveBan(StopReasons.AiSuspicion, false, T0.AddMinutes(120)), other.Find(Project, "u1", "p1", T0));
        Assert.Equal(2, (await other.RecordOffenceAsync(Project, "u1", "p1", StopReasons.AiSuspicion, null, T0.AddHours(3))).Offence);
    }

    [Fact]
    public async Task A_ban_written_elsewhere_is_read_again_after_the_revalidation_interval_on_PostgreSQL_only()
    {
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(T0);
        var mine = new BanLedger(database, writes, clock);
        Assert.Null(mine.Find(Project, "u-else", "p-else", T0));   // cached: no ban
        // Another node's ledger writes a ban; its notice is lost (this ledger never hears of it).
        await new BanLedger(database, writes, clock).RecordOffenceAsync(Project, "u-else", "p-else", StopReasons.AiSuspicion, null, T0);

        clock.Advance(TimeSpan.FromSeconds(60));
        Assert.Null(mine.Find(Project, "u-else", "p-else", T0));
        clock.Advance(TimeSpan.FromMilliseconds(1));
        if (Provider == StorageProvider.Postgres)
            Assert.Equal(StopReasons.AiSuspicion, mine.Find(Project, "u-else", "p-else", T0)?.Reason);
        else
        {
            // One node per SQLite file: changes from another process arrive through the change stamps (ForgetAll), not by age.
            Assert.Null(mine.Find(Project, "u-else", "p-else", T0));
            mine.ForgetAll();
            Assert.Equal(StopReasons.AiSuspicion, mine.Find(Project, "u-else", "p-else", T0)?.Reason);
        }
    }

    [Fact]
    public async Task Problem_is_a_409_with_stop_reason_and_stopped_until()
    {
        var progressive = BanLedger.ToProblem(new ActiveBan(StopReasons.UserHostile, false, new DateTimeOffset(2026, 3, 1, 14, 0, 0, 5, TimeSpan.FromHours(2))));
        Assert.Equal(409, progressive.Status);
        Assert.Equal("conversation-stopped", progressive.Slug);
        Assert.Equal("USER_HOSTILE", progressive.Extensions!["stopReason"]);
        Assert.Equal("2026-03-01T12:00:00.005Z", progressive.Extensions["stoppedUntil"]);

        var body = await Render(BanLedger.ToProblem(new ActiveBan(StopReasons.UserUnderage, true, null)));
        Assert.Equal("urn:dumgum:problem:conversation-stopped", body.GetProperty("type").GetString());
        Assert.Equal(409, body.GetProperty("status").GetInt32());
        Assert.Equal("USER_UNDERAGE", body.GetProperty("stopReason").GetString());
        Assert.Equal(JsonValueKind.Null, body.GetProperty("stoppedUntil").ValueKind);
    }

    static async Task<JsonElement> Render(Problem problem)
    {
        var context = new DefaultHttpContext();
        using var stream = new MemoryStream();
        context.Response.Body = stream;
        await problem.ExecuteAsync(context);
        Assert.Equal(409, context.Response.StatusCode);
        Assert.Equal("application/problem+json", context.Response.ContentType);
        return JsonDocument.Parse(stream.ToArray()).RootElement.Clone();
    }
}

public sealed class BanLedgerTestsOnSqlite() : BanLedgerTests(StorageProvider.Sqlite);

public sealed class BanLedgerTestsOnPostgres() : BanLedgerTests(StorageProvider.Postgres);
