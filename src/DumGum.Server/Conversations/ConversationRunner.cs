using System.Text.Json;
using System.Text.Json.Nodes;
using DumGum.Customers;
using DumGum.Explorer;
using DumGum.Memory;
using DumGum.Projects;
using DumGum.Replies;
using DumGum.Storage;
using DumGum.Webhooks;
using Microsoft.Extensions.Options;

namespace DumGum.Conversations;

/// <summary>
/// One run of a conversation: claim the lease, announce <c>answer.processing</c>, fetch the history and both profiles
/// in parallel, write the reply (<see cref="ReplyPipeline"/>), and record the outcome atomically with the removal of
/// the enqueues it served. The run is bounded by <c>maxProcessingTimeSeconds</c> from the oldest enqueue it serves; a
/// lease heartbeat keeps other workers off it, and if the lease is ever lost nothing is recorded.
/// </summary>
public sealed class ConversationRunner(
    ConversationStore store,
    CallLog callLog,
    ProjectStore projects,
    ProfileCache profiles,
    CustomerClient customers,
    ReplyPipeline pipeline,
    MemoryExtraction memoryExtraction,
    MemoryStore memories,
    DeliveryDispatcher deliveries,
    NodeIdentity node,
    TimeProvider clock,
    IOptions<ConversationOptions> options,
    DumGumMetrics metrics,
    ILogger<ConversationRunner> log)
{
    /// <summary>Parts after the first keep trying this long past the deadline, then are given up quietly.</summary>
    static readonly TimeSpan LaterPartsGrace = TimeSpan.FromMinutes(10);

    internal async Task<RunOutcome> RunAsync(long conversationId, ConversationKey key, ConversationScheduler.RunHandle run,
        CancellationToken stopping)
    {
        await using var runLog = callLog.BeginRun();
        var (claim, retryAt) = await store.ClaimAsync(conversationId, node.Id);
        if (claim is null)
            return retryAt is { } at ? new RunOutcome.Retry(at) : new RunOutcome.Done(null);
        run.MarkClaimed(claim.Watermark, claim.Restarts < ConversationScheduler.MaxRestartsPerBurst);

        var served = store.LoadServed(conversationId, claim.Watermark);
        var newest = EnqueueRequest.Parse(served[^1].Request);
        var project = projects.Find(key.ProjectId) is { } found ? PlaygroundRouting.For(found, key.UserProfileId) : null;
        var oldest = claim.OldestAcceptedAt;
        var tags = newest.Tags;
        if (project is null)
        {
            log.LogWarning("Conversation {ConversationId}: project {ProjectId} no longer exists; discarding its enqueues", conversationId, key.ProjectId);
            return await FinishAsync(conversationId, claim, null, _ => []);
        }
        var parameters = ReplySettings.Merge(newest.ReplyParameters, project.Config.DefaultReplyParameters);
        var deadline = oldest + TimeSpan.FromSeconds(ReplySettings.MaxProcessingTimeSeconds(parameters));
        var replyParameters = ReplyParameters.From(parameters);
        var record = new RunRecord(project.Id, conversationId, claim.LeaseToken, key, oldest, newest.TestMode, replyParameters.ChatModel, clock);
        if (clock.GetUtcNow() >= deadline) return await DropAsync(project, key, conversationId, claim, null, tags, DropReasons.Timeout, oldest, record);

        using var leaseLost = new CancellationTokenSource();
        using var timeout = new CancellationTokenSource(deadline - clock.GetUtcNow(), clock);
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(stopping, leaseLost.Token, timeout.Token, run.NewerEnqueue.Token);
        using var heartbeatStop = new CancellationTokenSource();
        var lease = new LeaseBeat();
        var heartbeat = HeartbeatAsync(conversationId, claim.LeaseToken, lease, leaseLost, heartbeatStop.Token);
        try
        {
            var processing = await store.EmitAsync(conversationId, claim.LeaseToken, w =>
            [
                Outbox.Insert(w, new OutboxEntry(project.Id, conversationId, key.UserProfileId, key.PersonaProfileId, claim.LeaseToken,
                    Events.AnswerProcessing, Events.Processing(project.Id, key.UserProfileId, key.PersonaProfileId, tags),
                    clock.GetUtcNow(), deadline)),
            ]);
            deliveries.Enqueue(processing);

            record.Fetching();
            var historyUrl = ProfileCache.HistoryUrl(project, key.UserProfileId, key.PersonaProfileId);
            var historyTask = customers.GetJsonAsync(project, CallLog.History, historyUrl, key.UserProfileId, key.PersonaProfileId, deadline, cancel.Token);
            var userTask = profiles.GetAsync(project, key.UserProfileId, newest.UserProfileVersion, key.UserProfileId, key.PersonaProfileId, deadline, cancel.Token);
            var personaTask = profiles.GetAsync(project, key.PersonaProfileId, newest.PersonaProfileVersion, key.UserProfileId, key.PersonaProfileId, deadline, cancel.Token);
            await Task.WhenAll(historyTask, userTask, personaTask).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            record.Fetched();
            var history = ParseHistory(project, await historyTask);
            var user = await userTask;
            var persona = await personaTask;

            var inputs = new ReplyInputs(project, key, user, persona, history, newest, replyParameters, clock.GetUtcNow(), oldest)
            {
                Memories = project.Config.MemoryEnabled ? memories.List(key) : [],
            };
            record.Generating();
            // Long-term memory is read from this run's user messages and reply (billed with the answer), and merged in
            // the answer's transaction. A newer enqueue no longer cancels the run then, so the extraction ignores it.
            IReadOnlyList<MemoryCandidate> memoryFacts = [];
            using var extractionCancel = CancellationTokenSource.CreateLinkedTokenSource(stopping, leaseLost.Token, timeout.Token);
            var (context, reply, stop, composed, seen, now) = await pipeline.RunAsync(inputs, () =>
            {
                record.Generated();
                // From here on a newer enqueue no longer restarts this run: it will get its own.
                run.Generating = false;
            }, cancel.Token, project.Config.MemoryEnabled ? async (guardedContext, guardedReply) =>
            {
                (memoryFacts, var note) = await memoryExtraction.ExtractAsync(guardedContext, guardedReply.Parts, project.Id, newest.TestMode, extractionCancel.Token);
                return guardedReply with { Cost = guardedReply.Cost + note.Cost, Itemisation = guardedReply.Itemisation with { MemoryExtraction = note } };
            } : null);
            var dropped = Events.Dropped(project.Id, key.UserProfileId, key.PersonaProfileId, tags, DropReasons.Timeout);
            var itemisation = JsonSerializer.Serialize(reply.Itemisation, ReplyComposer.Json);
            var outcome = await FinishAsync(conversationId, claim, lease, w =>
            {
                var emitted = seen.EmitRejections(w, conversationId, claim.LeaseToken, now);   // chat.image.rejected first
                for (var i = 0; i < composed.Count; i++)
                {
                    var (answer, pause) = composed[i];
                    var first = i == 0;
                    var body = Events.Created(project.Id, answer);
                    AnswerStore.Insert(w, answer.Id, project.Id, conversationId, now, body, first ? itemisation : null);
                    // Later parts are announced like the first: typing indicator, pause, message (docs/behaviour.md, "Replies", Typing delay).
                    if (!first && pause > TimeSpan.Zero)
                        emitted.Add(Outbox.Insert(w, new OutboxEntry(project.Id, conversationId, key.UserProfileId, key.PersonaProfileId, claim.LeaseToken,
                            Events.AnswerProcessing, Events.Processing(project.Id, key.UserProfileId, key.PersonaProfileId, tags),
                            now, deadline + LaterPartsGrace) { ServesThrough = claim.Watermark }));
                    // The deadline governs the first part; a late first part turns into conversation.dropped.
                    emitted.Add(Outbox.Insert(w, new OutboxEntry(project.Id, conversationId, key.UserProfileId, key.PersonaProfileId, claim.LeaseToken,
                        Events.AnswerCreated, body, now, first ? deadline : deadline + LaterPartsGrace)
                        { OnExpiry = first ? dropped : null, Pause = pause, ServesThrough = claim.Watermark }));
                }
                record.WriteAnswer(w, now, reply, stop, [.. composed.Select(c => c.Answer)]);
                if (memoryFacts.Count > 0)
                {
                    var change = MemoryStore.MergeAndSave(w, key, memoryFacts, now);
                    // Inserted after the answer events, so its id orders it after them (docs/memory.md, "Memory webhook").
                    if (MemoryEvents.Emit(w, project, conversationId, key, claim.LeaseToken, change, now) is { } memoryEvent)
                        emitted.Add(memoryEvent);
                }
                return emitted;
            });
            metrics.RunFinished("answered", now - oldest);
            return outcome;
        }
        catch (Exception) when (run.NewerEnqueue.IsCancellationRequested && !stopping.IsCancellationRequested && !leaseLost.IsCancellationRequested)
        {
            log.LogDebug("Conversation {ConversationId}: a newer enqueue arrived during generation; restarting", conversationId);
            await store.ReleaseForRestartAsync(conversationId, claim.LeaseToken);
            metrics.RunFinished("restarted", clock.GetUtcNow() - oldest);
            return new RunOutcome.Restart(oldest);
        }
        catch (Exception) when (leaseLost.IsCancellationRequested || stopping.IsCancellationRequested)
        {
            throw new OperationCanceledException(stopping.IsCancellationRequested ? stopping : leaseLost.Token);
        }
        catch (LeaseLostException)
        {
            return new RunOutcome.Retry(clock.GetUtcNow() + options.Value.LeaseDuration);
        }
        catch (Exception ex) when (timeout.IsCancellationRequested || ex is TimeoutException)
        {
            log.LogInformation("Conversation {ConversationId}: dropped, {Reason}", conversationId, ex.Message);
            return await DropAsync(project, key, conversationId, claim, lease, tags, DropReasons.Timeout, oldest, record, ex);
        }
        catch (InvalidProfileException ex)
        {
            log.LogInformation("Conversation {ConversationId}: dropped, invalid profile: {Problem}", conversationId, ex.Message);
            return await DropAsync(project, key, conversationId, claim, lease, tags, DropReasons.InvalidProfile, oldest, record, ex);
        }
        catch (CustomerEndpointException ex)
        {
            log.LogInformation("Conversation {ConversationId}: dropped, {Problem}", conversationId, ex.Message);
            return await DropAsync(project, key, conversationId, claim, lease, tags, DropReasons.CustomerEndpointFailed, oldest, record, ex);
        }
        catch (Exception ex)
        {
            log.LogWarning(ex, "Conversation {ConversationId}: generation failed", conversationId);
            return await DropAsync(project, key, conversationId, claim, lease, tags, DropReasons.GenerationFailed, oldest, record, ex);
        }
        finally
        {
            await heartbeatStop.CancelAsync();
            await heartbeat;
        }
    }

    List<HistoryMessage> ParseHistory(Project project, JsonObject body)
    {
        var skipped = new List<string>();
        var history = HistoryMessage.ParseBody(body, skipped, out var problem)
                      ?? throw new CustomerEndpointException(CallLog.History, problem!);
        if (skipped.Count > 0)
            log.LogInformation("Project {ProjectId}: {Count} history messages skipped ({First})", project.Id, skipped.Count, skipped[0]);
        return history;
    }

    async Task<RunOutcome> DropAsync(Project project, ConversationKey key, long conversationId, Claim claim, LeaseBeat? lease,
        JsonObject tags, string reason, DateTimeOffset oldest, RunRecord record, Exception? cause = null)
    {
        var now = clock.GetUtcNow();
        if (cause is not null) record.Failed(cause);
        var outcome = await FinishAsync(conversationId, claim, lease, w =>
        {
            record.WriteDrop(w, now, reason);
            return
            [
                Outbox.Insert(w, new OutboxEntry(project.Id, conversationId, key.UserProfileId, key.PersonaProfileId, claim.LeaseToken,
                    Events.ConversationDropped, Events.Dropped(project.Id, key.UserProfileId, key.PersonaProfileId, tags, reason),
                    now, now + Events.NoticeRetention)),
            ];
        });
        metrics.RunFinished("dropped_" + reason.ToLowerInvariant(), now - oldest);
        return outcome;
    }

    async Task<RunOutcome> FinishAsync(long conversationId, Claim claim, LeaseBeat? lease, Func<Storage.WriteQueue.Writer, List<Delivery>> emit)
    {
        // From here the outcome's commit releases the lease: a heartbeat committed after it finds no lease, and that is
        // not a lost one. The heartbeat keeps beating meanwhile, as a commit behind a backlog may outlast the lease.
        lease?.Finishing();
        // The run's project log entries commit with its outcome.
        var (emitted, stillPendingSince) = await store.FinishAsync(conversationId, claim.LeaseToken, claim.Watermark,
            CallLog.CurrentRunWrites(emit, out var written));
        written();
        deliveries.Enqueue(emitted);
        return new RunOutcome.Done(stillPendingSince);
    }

    /// <summary>Whether the run has begun recording its outcome, which releases its lease (set once, read by the heartbeat).</summary>
    sealed class LeaseBeat
    {
        volatile bool finishing;

        public bool IsFinishing => finishing;

        public void Finishing() => finishing = true;
    }

    async Task HeartbeatAsync(long conversationId, long leaseToken, LeaseBeat lease, CancellationTokenSource leaseLost, CancellationToken stop)
    {
        try
        {
            while (true)
            {
                await Task.Delay(options.Value.HeartbeatInterval, clock, stop);
                bool held;
                try
                {
                    held = await store.HeartbeatAsync(conversationId, leaseToken);
                }
                catch (StorageUnavailableException ex)
                {
                    // A failed commit is transient: keep beating, or the lease lapses while the run goes on.
                    log.LogWarning(ex, "Conversation {ConversationId}: could not extend the lease", conversationId);
                    continue;
                }
                if (!held)
                {
                    if (lease.IsFinishing) return;   // the outcome's commit released it
                    log.LogWarning("Conversation {ConversationId}: lease lost; abandoning the run", conversationId);
                    await leaseLost.CancelAsync();
                    return;
                }
            }
        }
        catch (OperationCanceledException) { }
    }
}
