using System.Collections.Concurrent;
using System.Diagnostics;
using DumGum.Customers;
using DumGum.Projects;
using DumGum.Storage;
using Microsoft.Extensions.Options;

namespace DumGum.Webhooks;

/// <summary>
/// Delivers the outbox. Each conversation is a lane: its events go out strictly in order, the next only after the one
/// before was accepted (2xx) or given up. Lanes run independently, and each project has its own cap on concurrent
/// POSTs, so a slow or failing customer only ever delays itself. Retries back off with jitter and honour Retry-After;
/// answer events retry until the run's deadline (then the run is dropped with <c>TIMEOUT</c>), other events for 24 h.
/// The host starts it (registered before the scheduler, so pending events are adopted before any run can add new ones)
/// and stops it: stopping ends every wait, and unsent events stay pending for the next start.
/// </summary>
public sealed class DeliveryDispatcher(
    IHttpClientFactory httpClients,
    ProjectStore projects,
    WriteQueue writes,
    CallLog callLog,
    TimeProvider clock,
    IOptions<OutboundOptions> options,
    DumGumMetrics metrics,
    ILogger<DeliveryDispatcher> log) : IHostedService, IDisposable
{
    sealed class Lane
    {
        public readonly Queue<Delivery> Queue = new();
        public bool Pumping;
        /// <summary>Runs whose first answer part has reached the customer: their later parts may be cancelled.</summary>
        public readonly HashSet<long> AnsweredRuns = [];
        public DateTimeOffset? LastDeliveredAt;
        /// <summary>The head while it is being sent (never cancelled), and the head's typing-pause wait (cancellable).</summary>
        public Delivery? Sending;
        public CancellationTokenSource? Pausing;
    }

    readonly ConcurrentDictionary<long, Lane> lanes = new();
    readonly ConcurrentDictionary<string, SemaphoreSlim> projectSlots = new(StringComparer.Ordinal);
    long pending;
    // Cancelled, never disposed: lanes may still look at the token after the host has stopped, and it holds no timer.
    readonly CancellationTokenSource stop = new();
    CancellationToken stopping => stop.Token;

    public long Pending => Interlocked.Read(ref pending);

    /// <summary>
    /// Whether events of the conversation are still queued or being sent here (its answer lane or its memory lane).
    /// Once the scheduler no longer holds the conversation either, nothing more of it reaches the customer until
    /// something new arrives: tests wait for this instead of sleeping.
    /// </summary>
    internal bool Delivering(long conversationId) => lanes.ContainsKey(conversationId) || lanes.ContainsKey(~conversationId);

    /// <summary>
    /// Raised on the lane's pump after the customer accepted an event, with the time the lane recorded it: the time the
    /// next event's typing pause counts from. For observability and tests; a handler must be quick and must not throw.
    /// </summary>
    internal event Action<Delivery, DateTimeOffset>? Delivered;

    /// <summary>A single node (Storage:Topology=SingleNode): adopts every pending event, before the host starts the scheduler.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        metrics.PendingDeliveries = () => Pending;
        // With several nodes (Storage:Topology=Cluster) a node adopts only the events of dead nodes, from ClusterSync.
        if (writes.Database.IsCluster) return;
        var adopted = await AdoptAsync("UPDATE deliveries SET owner = @me WHERE status = 'pending' RETURNING id", alive: 0);
        if (adopted > 0) log.LogInformation("Resuming {Count} undelivered events", adopted);
    }

    /// <summary>Ends every wait and send in progress; what is not delivered stays pending in the outbox.</summary>
    public Task StopAsync(CancellationToken cancellationToken) => stop.CancelAsync();

    /// <summary>A container disposed without a stop (tests) still ends the lanes.</summary>
    public void Dispose() => stop.Cancel();

    /// <summary>
    /// Cluster: takes over the undelivered events of nodes whose heartbeat is older than <paramref name="deadAfter"/>
    /// (nodes that died) and starts sending them; rows another node is adopting at the same moment are skipped, never
    /// waited for. (A single node: <see cref="StartAsync"/> adopts every pending event.)
    /// </summary>
    public Task<int> AdoptFromDeadNodesAsync(TimeSpan deadAfter) => AdoptAsync($"""
        UPDATE deliveries SET owner = @me WHERE id IN (
            SELECT id FROM deliveries
            WHERE status = 'pending' AND (owner IS NULL OR owner NOT IN (SELECT id FROM nodes WHERE seen_at > @alive))
            {writes.Database.Dialect.SkipLocked})
        RETURNING id
        """, (clock.GetUtcNow() - deadAfter).ToUnixMs());

    /// <summary>Runs <paramref name="adoptSql"/> (which marks rows as ours and returns their ids), then queues those events.</summary>
    async Task<int> AdoptAsync(string adoptSql, long alive)
    {
        var recovered = await writes.WriteAsync(w =>
        {
            var ids = new List<long>();
            using (var adopt = w.Command(adoptSql).With("@me", w.NodeId).With("@alive", alive).ExecuteReader())
                while (adopt.Read()) ids.Add(adopt.GetInt64(0));
            if (ids.Count == 0) return [];
            using var command = w.Command($"""
                SELECT d.id, d.project_id, d.conversation_id, c.user_profile_id, c.persona_profile_id, d.run_token, d.webhook_id,
                       d.event, d.body, d.not_before, d.deadline_at, d.on_expiry, d.attempts, d.pause_ms, d.serves_through
                FROM deliveries d JOIN conversations c ON c.id = d.conversation_id
                WHERE d.status = 'pending' AND d.id IN ({string.Join(',', ids)}) ORDER BY d.id
                """);
            using var reader = command.ExecuteReader();
            var list = new List<Delivery>();
            while (reader.Read())
                list.Add(new Delivery(reader.GetInt64(0), reader.GetString(1), reader.GetInt64(2), reader.GetString(3),
                    reader.GetString(4), reader.GetInt64(5), reader.GetString(6), reader.GetString(7), reader.GetString(8),
                    reader.GetInt64(9).FromUnixMs(), reader.GetInt64(10).FromUnixMs(), reader.StringOrNull(11), (int)reader.GetInt64(12))
                { Pause = TimeSpan.FromMilliseconds(reader.GetInt64(13)), ServesThrough = reader.GetInt64(14) });
            return list;
        });
        Enqueue(recovered);
        return recovered.Count;
    }

    /// <summary>
    /// The lane of an event: its conversation's, except memory webhook events, which have a lane of their own per
    /// conversation (a failing memory webhook retried for a day must not hold back the answers).
    /// </summary>
    static long LaneOf(Delivery d) => Events.IsMemoryEvent(d.Event) ? ~d.ConversationId : d.ConversationId;

    /// <summary>Hands committed outbox rows to their lanes (call only after the commit).</summary>
    public void Enqueue(IEnumerable<Delivery> deliveries)
    {
        foreach (var d in deliveries)
        {
            var laneKey = LaneOf(d);
            while (true)
            {
                var lane = lanes.GetOrAdd(laneKey, _ => new Lane());
                bool start;
                lock (lane)
                {
                    // A lane retires (leaves the map) under its lock when it runs dry: never add to a retired one,
                    // or two lanes could pump one conversation and break its order.
                    if (!lanes.TryGetValue(laneKey, out var live) || !ReferenceEquals(live, lane)) continue;
                    lane.Queue.Enqueue(d);
                    // An event adopted from a dead node can be older than what this lane already holds: id order again,
                    // leaving the head in place if it is being sent.
                    if (lane.Queue.Any(q => q.Id > d.Id && !ReferenceEquals(q, lane.Sending)))
                    {
                        var head = lane.Sending is not null && ReferenceEquals(lane.Queue.Peek(), lane.Sending) ? lane.Queue.Dequeue() : null;
                        var ordered = lane.Queue.OrderBy(q => q.Id).ToList();
                        lane.Queue.Clear();
                        if (head is not null) lane.Queue.Enqueue(head);
                        foreach (var q in ordered) lane.Queue.Enqueue(q);
                    }
                    Interlocked.Increment(ref pending);
                    start = !lane.Pumping;
                    lane.Pumping = true;
                }
                if (start)
                {
                    // The pump outlives the run that queued the event: it must not inherit the run's log scope.
                    using (ExecutionContext.SuppressFlow()) _ = Task.Run(() => PumpAsync(laneKey, lane));
                }
                break;
            }
        }
    }

    async Task PumpAsync(long laneKey, Lane lane)
    {
        while (!stopping.IsCancellationRequested)
        {
            Delivery head;
            lock (lane)
            {
                if (lane.Queue.Count == 0)
                {
                    lane.Pumping = false;
                    lanes.TryRemove(new KeyValuePair<long, Lane>(laneKey, lane));
                    return;
                }
                head = lane.Queue.Peek();
            }
            try
            {
                if (head.Pause > TimeSpan.Zero)
                {
                    var waitUntil = (lane.LastDeliveredAt ?? clock.GetUtcNow()) + head.Pause;
                    using var pausing = CancellationTokenSource.CreateLinkedTokenSource(stopping);
                    lock (lane)
                    {
                        if (!lane.Queue.TryPeek(out var waiting) || !ReferenceEquals(waiting, head)) continue;
                        lane.Pausing = pausing;
                    }
                    try
                    {
                        // A timer counts whole milliseconds and rounds a due time down: ask for the next whole
                        // millisecond, and wait again should it still fire early, so no pause is ever cut short.
                        for (var left = waitUntil - clock.GetUtcNow(); left > TimeSpan.Zero; left = waitUntil - clock.GetUtcNow())
                            await Task.Delay(TimeSpan.FromMilliseconds(Math.Ceiling(left.TotalMilliseconds)), clock, pausing.Token);
                    }
                    catch (OperationCanceledException) when (!stopping.IsCancellationRequested)
                    {
                        // Cancelled by a newer enqueue during its typing pause: it has left the queue.
                    }
                    finally
                    {
                        lock (lane) lane.Pausing = null;
                    }
                }
                lock (lane)
                {
                    if (!lane.Queue.TryPeek(out var current) || !ReferenceEquals(current, head)) continue;
                    lane.Sending = head;
                }
                var (delivered, replacement) = await DeliverAsync(head);
                DateTimeOffset? deliveredAt = null;
                lock (lane)
                {
                    lane.Sending = null;
                    // The head may have been cancelled by a newer enqueue while it was being sent.
                    if (lane.Queue.TryPeek(out var still) && ReferenceEquals(still, head))
                    {
                        lane.Queue.Dequeue();
                        Interlocked.Decrement(ref pending);
                    }
                    if (delivered)
                    {
                        lane.LastDeliveredAt = deliveredAt = clock.GetUtcNow();
                        if (head.Event == Events.AnswerCreated) lane.AnsweredRuns.Add(head.RunToken);
                    }
                    if (replacement is not null) Replace(lane, head, replacement);
                }
                if (deliveredAt is { } at) Delivered?.Invoke(head, at);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;   // shutting down: the row stays pending and is resumed at the next start
            }
            catch (Exception ex)
            {
                log.LogError(ex, "Delivery {DeliveryId} failed unexpectedly; retrying in 5 s", head.Id);
                await Task.Delay(TimeSpan.FromSeconds(5), clock, stopping).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    /// <summary>
    /// A newer enqueue arrived: answer events of runs that already delivered their first part are cancelled (the rest of a
    /// split reply no longer fits the conversation). Events of a run whose first part is not out yet are kept.
    /// </summary>
    public async Task CancelRemainingPartsAsync(long conversationId, long newerEnqueueId)
    {
        if (!lanes.TryGetValue(conversationId, out var lane)) return;
        List<Delivery> cancelled;
        CancellationTokenSource? pausing;
        lock (lane)
        {
            // The event being sent completes; one still waiting out its typing pause is cancelled like the rest.
            // Only runs that did not serve this enqueue: its Accepted callback can come after the run that served it.
            cancelled = lane.Queue.Where(d => !ReferenceEquals(d, lane.Sending) && lane.AnsweredRuns.Contains(d.RunToken)
                                              && d.ServesThrough > 0 && d.ServesThrough < newerEnqueueId
                                              && d.Event is Events.AnswerCreated or Events.AnswerProcessing).ToList();
            if (cancelled.Count == 0) return;
            pausing = cancelled.Contains(lane.Queue.Peek()) ? lane.Pausing : null;
            var keep = lane.Queue.Where(d => !cancelled.Contains(d)).ToList();
            lane.Queue.Clear();
            foreach (var d in keep) lane.Queue.Enqueue(d);
            Interlocked.Add(ref pending, -cancelled.Count);
        }
        if (pausing is not null)
        {
            try { await pausing.CancelAsync(); }
            catch (ObjectDisposedException) { }   // the pause had just ended: the pump finds its head gone
        }
        await writes.WriteAsync(w =>
        {
            foreach (var d in cancelled) Outbox.SetStatus(w, d.Id, "cancelled", "a newer enqueue arrived", clock.GetUtcNow());
        });
    }

    /// <summary>After an answer event expired: later events of that run are cancelled and the drop notice goes next.</summary>
    void Replace(Lane lane, Delivery expired, Delivery dropped)
    {
        var keep = lane.Queue.Where(d => d.RunToken != expired.RunToken).ToList();   // memory events are in their own lane
        Interlocked.Add(ref pending, keep.Count - lane.Queue.Count + 1);
        lane.Queue.Clear();
        lane.Queue.Enqueue(dropped);
        foreach (var d in keep) lane.Queue.Enqueue(d);
    }

    /// <summary>How often an event waiting for an earlier one on another node looks again.</summary>
    static readonly TimeSpan OrderCheckInterval = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// Cluster: whether an earlier event of the conversation is still pending on another node (its answer still being
    /// retried there). A conversation's events go out in id order on every node, so a later one waits until the earlier
    /// one is delivered or given up (docs/behaviour.md, "Events"). This node's own earlier events are ordered by the lane.
    /// </summary>
    bool EarlierElsewhere(Delivery d)
    {
        var memory = Events.IsMemoryEvent(d.Event);
        if (!writes.Database.IsCluster && !memory) return false;
        using var connection = writes.Database.Open();
        // A memory event waits for every earlier event of its conversation, on any node: it follows the answer it came
        // with. Answer events never wait for memory events (they are in another lane and must not be held back a day).
        using var command = connection.Sql(memory
                ? """
                  SELECT 1 FROM deliveries
                  WHERE conversation_id = @c AND status = 'pending' AND id < @id AND event NOT IN ('memory.updated', 'memory.changed') LIMIT 1
                  """
                : """
                  SELECT 1 FROM deliveries
                  WHERE conversation_id = @c AND status = 'pending' AND id < @id AND (owner IS NULL OR owner <> @me)
                        AND event NOT IN ('memory.updated', 'memory.changed') LIMIT 1
                  """)
            .With("@c", d.ConversationId).With("@id", d.Id).With("@me", writes.NodeId);
        return command.ExecuteScalar() is not null;
    }

    /// <summary>Delivers one event, retrying until it is accepted or its deadline passes. Returns a replacement event, if any.</summary>
    async Task<(bool Delivered, Delivery? Replacement)> DeliverAsync(Delivery d)
    {
        var o = options.Value;
        var slots = projectSlots.GetOrAdd(d.ProjectId, _ => new SemaphoreSlim(o.MaxConcurrentDeliveriesPerProject));
        var attempts = d.Attempts;
        while (true)
        {
            var now = clock.GetUtcNow();
            if (d.NotBefore > now) await Task.Delay(d.NotBefore - now, clock, stopping);
            if (clock.GetUtcNow() >= d.DeadlineAt) return (false, await ExpireAsync(d, "the deadline passed before the customer accepted the event"));
            if (EarlierElsewhere(d))
            {
                await Task.Delay(OrderCheckInterval, clock, stopping);
                continue;
            }
            var project = projects.Find(d.ProjectId) is { } found ? PlaygroundRouting.For(found, d.UserProfileId) : null;
            if (project is null)
            {
                await Outbox.SetStatusAsync(writes, d.Id, "failed", "project deleted", clock.GetUtcNow());
                return (false, null);
            }
            var memory = Events.IsMemoryEvent(d.Event);
            var (kind, url) = memory ? (CallLog.MemoryWebhook, project.Config.MemoryWebhookUrl) : (CallLog.Incoming, project.Config.IncomingContentEndpointUrl);
            if (url is null)
            {
                await Outbox.SetStatusAsync(writes, d.Id, "failed", "the memory webhook was removed", clock.GetUtcNow());
                return (false, null);
            }
            if (!memory && project.IncomingDisabledAt is not null)
            {
                callLog.Record(d.ProjectId, CallLog.Incoming, project.Config.IncomingContentEndpointUrl, null, TimeSpan.Zero,
                    attempts + 1, $"not sent ({d.Event}): the endpoint is disabled after answering 410 Gone", d.UserProfileId, d.PersonaProfileId,
                    deliveryId: d.Id, call: false);
                await Outbox.SetStatusAsync(writes, d.Id, "failed", "endpoint disabled (410)", clock.GetUtcNow());
                return (false, null);
            }

            attempts++;
            int? status = null;
            string? error = null;
            string? excerpt = null;
            TimeSpan? retryAfter = null;
            var started = Stopwatch.GetTimestamp();
            await slots.WaitAsync(stopping);
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stopping);
                var remaining = d.DeadlineAt - clock.GetUtcNow();
                timeout.CancelAfter(remaining < o.RequestTimeout ? (remaining > TimeSpan.Zero ? remaining : TimeSpan.FromMilliseconds(1)) : o.RequestTimeout);
                using var request = DeliveryRequest.Build(project, d, url, o.UserAgent, clock.GetUtcNow());
                using var response = await httpClients.CreateClient(CustomerClient.HttpClientName)
                    .SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
                status = (int)response.StatusCode;
                if (!response.IsSuccessStatusCode)
                {
                    error = $"HTTP {status}";
                    retryAfter = RetryBackoff.RetryAfter(response, clock.GetUtcNow());
                    excerpt = await CustomerClient.ReadExcerptAsync(response, timeout.Token);
                }
            }
            catch (OperationCanceledException) when (!stopping.IsCancellationRequested)
            {
                error = "timed out";
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException)
            {
                // Every transport fault is retried like any network error (docs/behaviour.md, "Outbound transport errors").
                error = CustomerClient.TransportError(ex);
            }
            finally
            {
                slots.Release();
            }
            var latency = Stopwatch.GetElapsedTime(started);
            callLog.Record(d.ProjectId, kind, url, status, latency, attempts,
                error is null ? null : $"{d.Event}: {error}", d.UserProfileId, d.PersonaProfileId, deliveryId: d.Id, excerpt: excerpt);

            if (error is null)
            {
                metrics.Delivered(d.Event, "delivered", latency);
                await Outbox.SetStatusAsync(writes, d.Id, "delivered", null, clock.GetUtcNow());
                return (true, null);
            }
            metrics.Delivered(d.Event, "failed", latency);
            metrics.CustomerEndpointError(kind);
            if (status == 410 && !memory)
            {
                log.LogWarning("Project {ProjectId}: the Incoming Content endpoint answered 410 Gone; it is now disabled", d.ProjectId);
                await projects.DisableIncomingAsync(d.ProjectId);
                await Outbox.SetStatusAsync(writes, d.Id, "failed", "410 Gone: endpoint disabled", clock.GetUtcNow());
                return (false, null);
            }
            // Every failure but 410 is retried (docs/behaviour.md, "Events"), on the customer endpoints' retry policy.
            var failedAt = clock.GetUtcNow();
            if (RetryBackoff.NextWait(attempts, retryAfter, failedAt, d.DeadlineAt) is not { } delay)
                return (false, await ExpireAsync(d, $"last attempt failed: {error}"));
            var nextAttempt = failedAt + delay;
            // The count and the time of the next attempt are durable before we wait: after a restart (or on the node that
            // adopts the event) the back-off goes on from where it was (docs/behaviour.md, "Events").
            var failedAttempts = attempts;
            await writes.WriteAsync(w => w.Command("UPDATE deliveries SET attempts = @a, last_error = @e, not_before = @next WHERE id = @id")
                .With("@a", failedAttempts).With("@e", error).With("@next", nextAttempt.ToUnixMs()).With("@id", d.Id).ExecuteNonQuery());
            await Task.Delay(delay, clock, stopping);
        }
    }

    async Task<Delivery?> ExpireAsync(Delivery d, string why)
    {
        var now = clock.GetUtcNow();
        if (d.OnExpiry is null)
        {
            await Outbox.SetStatusAsync(writes, d.Id, "expired", why, now);
            return null;
        }
        log.LogInformation("Conversation {ConversationId}: {Event} was not delivered in time; sending conversation.dropped", d.ConversationId, d.Event);
        return await writes.WriteAsync(w =>
        {
            Outbox.SetStatus(w, d.Id, "expired", why, now);
            // The run's memory event stays: the memory was stored whether or not the answer arrived.
            w.Command("""
                    UPDATE deliveries SET status = 'cancelled'
                    WHERE conversation_id = @c AND run_token = @run AND status = 'pending' AND event NOT IN ('memory.updated', 'memory.changed')
                    """)
                .With("@c", d.ConversationId).With("@run", d.RunToken).ExecuteNonQuery();
            return Outbox.Insert(w, new OutboxEntry(d.ProjectId, d.ConversationId, d.UserProfileId, d.PersonaProfileId, d.RunToken,
                Events.ConversationDropped, d.OnExpiry, now, now + Events.NoticeRetention));
        });
    }
}
