using System.Collections.Concurrent;
using DumGum.Storage;
using DumGum.Webhooks;

namespace DumGum.Conversations;

/// <summary>
/// Decides when each conversation runs (docs/behaviour.md, "The enqueue flow"). Enqueues debounce: a run starts once the conversation has been
/// quiet for <c>bufferSeconds</c>, but no later than 3 × <c>bufferSeconds</c> after the first enqueue of the burst.
/// An enqueue that arrives while a run is generating cancels it; the run starts again after the buffer with fresh
/// history. The database is the truth; this class only keeps the timers, and rebuilds them from it at start.
/// With several nodes on one PostgreSQL every node keeps timers for every pending conversation: enqueues accepted
/// elsewhere arrive as <see cref="ClusterNotice"/>s (and a periodic <see cref="Resync"/> repairs anything missed), so the
/// debounce sees them all. When a timer fires, every node that holds it tries to claim; the lease in the database
/// decides who runs, and the others retry when that lease would lapse, which is how a dead node's work moves on.
/// </summary>
public sealed class ConversationScheduler(
    ConversationStore store,
    ConversationRunner runner,
    DeliveryDispatcher deliveries,
    RunAdmission admission,
    Projects.ProjectStore projects,
    TimeProvider clock,
    DumGumMetrics metrics,
    ILogger<ConversationScheduler> log) : BackgroundService
{
    /// <summary>Per-conversation state held between enqueues and runs; guarded by its own lock.</summary>
    internal sealed class State(long id, ConversationKey key)
    {
        public long Id { get; } = id;
        public ConversationKey Key { get; } = key;
        public DateTimeOffset? BurstStartedAt;
        public DateTimeOffset LastEnqueueAt;
        public long LatestEnqueueId;
        public int BufferSeconds = ReplySettings.DefaultBufferSeconds;
        public bool Pending;
        public DateTimeOffset Due;
        public RunHandle? Running;
        /// <summary>When this node last learned something about the conversation (a resync never drops fresher news).</summary>
        public DateTimeOffset TouchedAt;
        /// <summary>This node accepted an enqueue of the pending burst (else it only heard of them from other nodes).</summary>
        public bool LocalBurst;
    }

    /// <summary>
    /// A node that only heard of a burst from other nodes tries to claim it this much after it falls due: the nodes that
    /// accepted its enqueues (or ran its previous burst) claim first, so the others do not race them for every burst,
    /// yet take over should those die.
    /// </summary>
    public static readonly TimeSpan RemoteGrace = TimeSpan.FromSeconds(3);

    /// <summary>After this many restarts in one burst, a newer enqueue no longer cancels the run: it gets a run of its own.</summary>
    public const int MaxRestartsPerBurst = 3;

    internal sealed class RunHandle(long watermark) : IDisposable
    {
        readonly Lock gate = new();
        long newestSeen;
        bool disposed;
        public long Watermark { get; set; } = watermark;
        public CancellationTokenSource NewerEnqueue { get; } = new();
        /// <summary>Set once the claim fixed the watermark: before that, a new enqueue is simply included in the claim.</summary>
        public volatile bool Claimed;
        /// <summary>True until the first answer event is handed to the outbox; only then can a newer enqueue restart the run.</summary>
        public volatile bool Generating = true;
        /// <summary>
        /// Whether a newer enqueue may still restart this run: fixed by the claim, from the restarts the database counted
        /// for this burst on any node (bounded so a steady stream still gets answers).
        /// </summary>
        public bool MayRestart { get; private set; } = true;

        /// <summary>An enqueue was accepted while this run is in progress: restart it if the claim does not serve it.</summary>
        public void Seen(long enqueueId)
        {
            lock (gate)
            {
                if (disposed) return;   // the run has ended; the scheduler reschedules under the state lock
                if (enqueueId > newestSeen) newestSeen = enqueueId;
                if (Claimed && Generating && enqueueId > Watermark && MayRestart) NewerEnqueue.Cancel();
            }
        }

        /// <summary>
        /// The claim fixed the watermark. An enqueue committed after the claim may have been seen before this point:
        /// it is not served by the run, so it restarts it like one that arrives later.
        /// </summary>
        public void MarkClaimed(long watermark, bool mayRestart = true)
        {
            lock (gate)
            {
                Watermark = watermark;
                MayRestart = mayRestart;
                Claimed = true;
                if (!disposed && newestSeen > watermark && MayRestart) NewerEnqueue.Cancel();
            }
        }

        public void Dispose()
        {
            lock (gate)
            {
                disposed = true;
                NewerEnqueue.Dispose();
            }
        }
    }

    readonly ConcurrentDictionary<long, State> states = new();

    /// <summary>The conversations this node tracks; internal so race tests can set up a state exactly (no reflection).</summary>
    internal ConcurrentDictionary<long, State> States => states;
    readonly TimerQueue timers = new(clock);
    CancellationToken stopping;

    public int PendingConversations => states.Count(s => s.Value.Pending);

    /// <summary>
    /// No conversation is pending or running on this node: until a new enqueue (or news from another node) arrives, no
    /// run will start here. Tests wait for this instead of sleeping.
    /// </summary>
    internal bool Idle => states.IsEmpty;

    /// <summary>Called after an enqueue is durably committed.</summary>
    public void Accepted(AcceptedEnqueue a) => Accepted(a, local: true);

    void Accepted(AcceptedEnqueue a, bool local)
    {
        while (true)
        {
            var state = states.GetOrAdd(a.ConversationId, id => new State(id, a.Key));
            lock (state)
            {
                // The state may have been retired (idle) between the lookup and the lock: take the live one.
                if (!states.TryGetValue(a.ConversationId, out var live) || !ReferenceEquals(live, state)) continue;
                Update(state, a, local);
                break;
            }
        }
        // The rest of a split reply that is still being delivered no longer fits: the new run answers instead. Also for
        // an enqueue another node accepted: this node may be the one delivering those parts.
        _ = deliveries.CancelRemainingPartsAsync(a.ConversationId, a.EnqueueId);
    }

    void Update(State state, AcceptedEnqueue a, bool local)
    {
        {
            state.Pending = true;
            if (local) state.LocalBurst = true;
            state.TouchedAt = clock.GetUtcNow();
            state.BurstStartedAt ??= a.AcceptedAt;
            if (a.EnqueueId > state.LatestEnqueueId) state.LatestEnqueueId = a.EnqueueId;
            if (a.AcceptedAt > state.LastEnqueueAt) state.LastEnqueueAt = a.AcceptedAt;
            state.BufferSeconds = a.BufferSeconds;
            state.Due = state.LocalBurst ? DueAt(state) : DueAt(state) + RemoteGrace;
            state.Running?.Seen(a.EnqueueId);
            if (state.Running is null) timers.Schedule(state.Id, state.Due);
        }
    }

    static DateTimeOffset DueAt(State s)
    {
        var buffer = TimeSpan.FromSeconds(s.BufferSeconds);
        var quiet = s.LastEnqueueAt + buffer;
        var cap = (s.BurstStartedAt ?? s.LastEnqueueAt) + 3 * buffer;
        return quiet < cap ? quiet : cap;
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        stopping = stoppingToken;
        metrics.PendingConversations = () => PendingConversations;
        metrics.RunsAllowed = () => admission.Limit;
        var pending = Resync(store.LoadPending(), clock.GetUtcNow());
        if (pending > 0) log.LogInformation("Resuming {Count} conversations with accepted enqueues", pending);
        return timers.RunAsync(Fire, stoppingToken);
    }

    /// <summary>The buffer and due time this node holds for a pending conversation, or null (for tests and diagnostics).</summary>
    internal (int BufferSeconds, DateTimeOffset Due)? Timer(long conversationId)
    {
        if (!states.TryGetValue(conversationId, out var state)) return null;
        lock (state) return state.Pending ? (state.BufferSeconds, state.Due) : null;
    }

    /// <summary>
    /// Brings the timers in line with the pending work in the database, read at <paramref name="readAt"/>: adds
    /// conversations this node has not heard of (at start; or a notice was missed, or their node died) and forgets those
    /// finished elsewhere. Returns how many conversations are pending.
    /// </summary>
    public int Resync(IReadOnlyList<ConversationStore.PendingConversation> pending, DateTimeOffset readAt)
    {
        var now = clock.GetUtcNow();
        var inDatabase = new HashSet<long>();
        foreach (var p in pending)
        {
            inDatabase.Add(p.Id);
            var state = states.GetOrAdd(p.Id, id => new State(id, p.Key));
            lock (state)
            {
                if (!states.TryGetValue(p.Id, out var live) || !ReferenceEquals(live, state) || state.Running is not null) continue;
                if (state.Pending && p.LatestEnqueueId <= state.LatestEnqueueId) continue;   // nothing this node does not know
                var request = EnqueueRequest.Parse(p.LatestRequest);
                state.Pending = true;
                state.BurstStartedAt = p.OldestPendingAt;
                state.LastEnqueueAt = p.LastEnqueueAt;
                state.LatestEnqueueId = p.LatestEnqueueId;
                // The same merge as at enqueue (docs/behaviour.md, "The enqueue flow"): the project's default applies
                // when the request did not set it.
                state.BufferSeconds = ReplySettings.BufferSeconds(ReplySettings.Merge(request.ReplyParameters,
                    projects.Find(p.Key.ProjectId)?.Config.DefaultReplyParameters ?? new System.Text.Json.Nodes.JsonObject()));
                var due = DueAt(state);
                // A run (of a previous process, or of another node) may hold the lease: look again when it lapses.
                if (p.LeaseUntil is { } leased && leased > due) due = leased;
                state.Due = due < now ? now : due;
                timers.Schedule(state.Id, state.Due);
            }
        }
        foreach (var state in states.Values)
        {
            lock (state)
            {
                // Finished elsewhere; fresher local news (an enqueue committed after the read) keeps it.
                if (!state.Pending || state.Running is not null || inDatabase.Contains(state.Id) || state.TouchedAt >= readAt) continue;
                state.Pending = false;
                states.TryRemove(new KeyValuePair<long, State>(state.Id, state));
            }
        }
        return inDatabase.Count;
    }

    /// <summary>An enqueue accepted by another node (<paramref name="key"/> read from the database if this node had not seen the conversation).</summary>
    public void RemoteAccepted(ClusterNotice.EnqueueAccepted notice, Func<long, ConversationKey?> key)
    {
        var k = states.TryGetValue(notice.ConversationId, out var known) ? known.Key : key(notice.ConversationId);
        if (k is not null)
            Accepted(new AcceptedEnqueue(notice.ConversationId, k, notice.EnqueueId, notice.AcceptedAt, notice.BufferSeconds, 0), local: false);
    }

    /// <summary>Another node recorded a run's outcome: forget the conversation unless newer enqueues still wait.</summary>
    public void RemoteFinished(ClusterNotice.RunFinished notice)
    {
        if (!states.TryGetValue(notice.ConversationId, out var state)) return;
        lock (state)
        {
            if (state.Running is not null || !state.Pending) return;
            state.TouchedAt = clock.GetUtcNow();
            if (state.LatestEnqueueId > notice.Watermark)
            {
                // The node that finished goes on with the newer enqueues; this one only stands by.
                state.BurstStartedAt = state.LastEnqueueAt;
                state.Due = DueAt(state) + RemoteGrace;
                timers.Schedule(state.Id, state.Due);
                return;
            }
            state.Pending = false;
            states.TryRemove(new KeyValuePair<long, State>(state.Id, state));
        }
    }

    void Fire(long conversationId)
    {
        if (!states.TryGetValue(conversationId, out var state)) return;
        RunHandle run;
        lock (state)
        {
            if (!state.Pending || state.Running is not null || state.Due > clock.GetUtcNow()) return;
            run = new RunHandle(state.LatestEnqueueId);
            state.LocalBurst = false;
            state.Running = run;
            state.BurstStartedAt = null;
        }
        _ = Task.Run(() => RunAsync(state, run));
    }

    async Task RunAsync(State state, RunHandle run)
    {
        RunOutcome outcome;
        try
        {
            using (await admission.EnterAsync(stopping))
                outcome = await runner.RunAsync(state.Id, state.Key, run, stopping);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            return;   // shutting down: the lease lapses and the next start resumes the run
        }
        catch (Exception ex)
        {
            log.LogError(ex, "Conversation {ConversationId}: run failed unexpectedly; retrying in 5 s", state.Id);
            outcome = new RunOutcome.Retry(clock.GetUtcNow() + TimeSpan.FromSeconds(5));
        }
        finally
        {
            run.Dispose();
        }

        lock (state)
        {
            state.Running = null;
            switch (outcome)
            {
                case RunOutcome.Done done:
                    // Enqueues newer than the run's watermark are still pending; they start a new burst.
                    state.Pending = done.StillPendingSince is not null || state.LatestEnqueueId > run.Watermark;
                    if (state.Pending)
                    {
                        state.BurstStartedAt ??= done.StillPendingSince ?? state.LastEnqueueAt;
                        state.Due = DueAt(state);
                    }
                    break;
                case RunOutcome.Retry retry:
                    state.Due = retry.At;
                    break;
                case RunOutcome.Restart restart:
                    // The enqueues the cancelled run served are still pending: the cap counts from the oldest of them
                    // (docs/behaviour.md, "The enqueue flow"), not from the enqueue that cancelled the run, or each cancellation would push the run a whole cap later.
                    state.BurstStartedAt = restart.OldestPendingSince;
                    state.Due = DueAt(state);
                    break;
            }
            if (state.Pending) timers.Schedule(state.Id, state.Due);
            else if (state.Running is null) states.TryRemove(new KeyValuePair<long, State>(state.Id, state));
        }
    }

}

/// <summary>How a run ended, as far as scheduling is concerned.</summary>
public abstract record RunOutcome
{
    /// <summary>An outcome was recorded (answer or drop); <see cref="StillPendingSince"/> is set when newer enqueues wait.</summary>
    public sealed record Done(DateTimeOffset? StillPendingSince) : RunOutcome;
    /// <summary>A newer enqueue cancelled the generation; run again after the buffer (capped from <see cref="OldestPendingSince"/>).</summary>
    public sealed record Restart(DateTimeOffset OldestPendingSince) : RunOutcome;
    /// <summary>Nothing recorded (lease held elsewhere or lost); try again at <see cref="At"/>.</summary>
    public sealed record Retry(DateTimeOffset At) : RunOutcome;
}
