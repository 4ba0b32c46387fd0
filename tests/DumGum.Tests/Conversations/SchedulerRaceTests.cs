using DumGum.Conversations;
using DumGum.Storage;
using DumGum.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace DumGum.Tests.Conversations;

/// <summary>Interleavings of enqueues with the writer, the run claim and the end of a run.</summary>
public sealed class SchedulerRaceTests
{
    [Fact]
    public async Task A_conversation_id_from_a_rolled_back_commit_is_never_reused_for_later_enqueues()
    {
        var database = Database.Sqlite(DumGumHost.NewDatabasePath());
        using var writes = new WriteQueue(database, NullLogger<WriteQueue>.Instance);
        var store = new ConversationStore(database, writes, new FakeTimeProvider(DateTimeOffset.UtcNow),
            Options.Create(new ConversationOptions()));
        var keyA = new ConversationKey("proj_test", "u-a", "p-a");
        var keyB = new ConversationKey("proj_test", "u-b", "p-b");

        // Hold the writer so that the first enqueue of A and a poison item share one batch, whose COMMIT then fails.
        using var entered = new ManualResetEventSlim();
        using var gate = new ManualResetEventSlim();
        var blocker = writes.WriteAsync(_ => { entered.Set(); gate.Wait(); });
        Assert.True(entered.Wait(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken));
        var first = store.AcceptAsync(keyA, """{"userProfileId":"u-a"}""", 0, 60);
        var poison = writes.WriteAsync(w => w.Command("""
            PRAGMA defer_foreign_keys = ON;
            CREATE TABLE poison_parent(id INTEGER PRIMARY KEY);
            CREATE TABLE poison_child(p INTEGER REFERENCES poison_parent(id) DEFERRABLE INITIALLY DEFERRED);
            INSERT INTO poison_child VALUES(1);
            """).ExecuteNonQuery());
        gate.Set();
        await blocker;
        await Assert.ThrowsAsync<StorageUnavailableException>(() => first);   // nothing was stored, the client got 503
        await Assert.ThrowsAsync<StorageUnavailableException>(() => poison);

        var b = await store.AcceptAsync(keyB, """{"userProfileId":"u-b"}""", 0, 60);
        var a = await store.AcceptAsync(keyA, """{"userProfileId":"u-a"}""", 0, 60);
        Assert.NotEqual(b.ConversationId, a.ConversationId);

        var pending = store.LoadPending();
        Assert.Equal(2, pending.Count);
        Assert.Contains(pending, p => p.Key == keyA && p.Id == a.ConversationId && p.LatestEnqueueId == a.EnqueueId);
        Assert.Contains(pending, p => p.Key == keyB && p.Id == b.ConversationId && p.LatestEnqueueId == b.EnqueueId);
    }

    [Fact]
    public async Task An_enqueue_in_the_moment_a_run_ends_is_accepted_without_error()
    {
        await using var host = DumGumHost.Start();
        var scheduler = host.Services.GetRequiredService<ConversationScheduler>();
        var key = new ConversationKey("proj_none", "u-end", "p-end");
        // The run has ended without recording an answer (restart, drop, lost lease): its handle is disposed, and the
        // scheduler has not yet taken the lock to clear Running.
        var run = new ConversationScheduler.RunHandle(1) { Claimed = true };
        run.Dispose();
        var state = new ConversationScheduler.State(987_654, key) { Running = run, Pending = true, LatestEnqueueId = 1 };
        Assert.True(scheduler.States.TryAdd(state.Id, state));

        var ex = Record.Exception(() => scheduler.Accepted(new AcceptedEnqueue(state.Id, key, 2, DateTimeOffset.UtcNow, 5, 300)));
        Assert.Null(ex);
        Assert.Equal(2, state.LatestEnqueueId);
        scheduler.States.TryRemove(state.Id, out _);
    }

    [Fact]
    public async Task An_enqueue_committed_after_the_claim_but_seen_before_it_restarts_the_generation()
    {
        await using var host = DumGumHost.Start();
        var scheduler = host.Services.GetRequiredService<ConversationScheduler>();
        var key = new ConversationKey("proj_none", "u-claim", "p-claim");
        var run = new ConversationScheduler.RunHandle(4);
        var state = new ConversationScheduler.State(987_655, key) { Running = run, Pending = true, LatestEnqueueId = 4 };
        Assert.True(scheduler.States.TryAdd(state.Id, state));

        // The claim committed with watermark 4; enqueue 5 committed right after it, and its Accepted ran before the
        // runner's continuation marked the run claimed. Enqueue 5 is not served by the run, so it must restart it.
        scheduler.Accepted(new AcceptedEnqueue(state.Id, key, 5, DateTimeOffset.UtcNow, 5, 300));
        run.MarkClaimed(4);
        Assert.True(run.NewerEnqueue.IsCancellationRequested);

        // An enqueue the claim included does not restart it.
        var served = new ConversationScheduler.RunHandle(4);
        state.Running = served;
        scheduler.Accepted(new AcceptedEnqueue(state.Id, key, 6, DateTimeOffset.UtcNow, 5, 300));
        served.MarkClaimed(6);
        Assert.False(served.NewerEnqueue.IsCancellationRequested);
        scheduler.States.TryRemove(state.Id, out _);
        run.Dispose();
        served.Dispose();
    }
}
