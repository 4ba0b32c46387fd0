using System.Threading.Channels;
using DumGum.Storage;
using DumGum.Webhooks;
using Microsoft.Extensions.Options;

namespace DumGum.Conversations;

/// <summary>
/// Keeps the nodes sharing one database in step (<see cref="StorageTopology.Cluster"/>, the default on PostgreSQL; does
/// nothing on a single node, the default on SQLite):
/// <list type="bullet">
/// <item>Where the database can notify (<see cref="SqlDialect.Notifications"/>, PostgreSQL), each commit of the writer
/// that changed conversations notifies channel <c>dumgum</c> once, carrying all its <see cref="ClusterNotice"/>s
/// (never a NOTIFY per row: that collapses under load); every node LISTENs and feeds them to its scheduler. Without
/// (SQLite shared by several processes), the resync alone carries the work across.</item>
/// <item>A resync every <see cref="ConversationOptions.ResyncInterval"/> re-reads the pending work: the fallback for a
/// notice lost with a dropped connection or too big to send, and how a dead node's conversations reach the others.</item>
/// <item>A heartbeat row per node; a node silent for a lease has its undelivered events adopted by the others.</item>
/// </list>
/// </summary>
public sealed class ClusterSync(
    Database database,
    WriteQueue writes,
    ConversationScheduler scheduler,
    ConversationStore store,
    DeliveryDispatcher deliveries,
    Projects.ProjectStore projects,
    Guardrails.BanLedger bans,
    NodeIdentity node,
    TimeProvider clock,
    IOptions<ConversationOptions> options,
    ILogger<ClusterSync> log) : BackgroundService
{
    const string Channel = "dumgum";


    readonly Channel<string> inbox = System.Threading.Channels.Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });
    readonly SemaphoreSlim resyncNow = new(0);

    /// <summary>
    /// Runs on the writer thread inside the batch's transaction, as one statement: the notifications are delivered if
    /// and when the batch commits, in one go (about 200 notices fit one payload; a batch of thousands takes a few).
    /// </summary>
    public static void Notify(WriteQueue.Writer w, IReadOnlyList<string> notices)
    {
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(notices);
        // Payloads have a size limit (PostgreSQL: 8000 bytes): a big batch's notices are split over several.
        var maxPayload = w.Database.Dialect.MaxNotificationPayload;
        var payloads = new List<string>();
        var payload = new System.Text.StringBuilder(w.NodeId).Append('|');
        var empty = payload.Length;
        foreach (var notice in notices)
        {
            if (payload.Length > empty && payload.Length + 1 + notice.Length > maxPayload)
            {
                payloads.Add(payload.ToString());
                payload.Length = empty;
            }
            if (payload.Length > empty) payload.Append(';');
            payload.Append(notice);
        }
        payloads.Add(payload.ToString());
        w.Database.Dialect.Notify(w, Channel, payloads);
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!database.IsCluster) return Task.CompletedTask;
        var loops = new List<Task>
        {
            Task.Run(() => ResyncAsync(stoppingToken), stoppingToken),
            Task.Run(() => HeartbeatAsync(stoppingToken), stoppingToken),
        };
        if (database.Dialect.Notifications)
        {
            loops.Add(Task.Run(() => ListenAsync(stoppingToken), stoppingToken));
            loops.Add(Task.Run(() => ProcessAsync(stoppingToken), stoppingToken));
        }
        return Task.WhenAll(loops);
    }

    async Task ListenAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await database.ListenAsync(Channel,
                    listening: () => resyncNow.Release(),   // whatever happened while we were not listening
                    received: payload => inbox.Writer.TryWrite(payload), stop);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested) { return; }
            catch (Exception ex)
            {
                // Whatever went wrong, the node keeps serving: a background loop that threw would stop the whole host.
                log.LogWarning(ex, "Lost the notification connection to {Database}; reconnecting (the resync covers the gap)", database.Describe);
                try { await Task.Delay(TimeSpan.FromSeconds(1), clock, stop); } catch (OperationCanceledException) { return; }
            }
        }
    }

    async Task ProcessAsync(CancellationToken stop)
    {
        try
        {
            await foreach (var payload in inbox.Reader.ReadAllAsync(stop))
            {
                var bar = payload.IndexOf('|', StringComparison.Ordinal);
                if (bar < 0 || payload.AsSpan(0, bar).SequenceEqual(node.Id)) continue;   // our own commits are known already
                var body = payload[(bar + 1)..];
                if (body == "*") { resyncNow.Release(); continue; }
                foreach (var text in body.Split(';'))
                {
                    try
                    {
                        switch (ClusterNotice.Parse(text))
                        {
                            case ClusterNotice.EnqueueAccepted accepted: scheduler.RemoteAccepted(accepted, store.FindKey); break;
                            case ClusterNotice.RunFinished finished: scheduler.RemoteFinished(finished); break;
                            case ClusterNotice.BanRecorded ban: bans.Forget(ban.ProjectId, ban.UserProfileId, ban.PersonaProfileId); break;
                        }
                    }
                    catch (Exception ex)
                    {
                        log.LogWarning(ex, "Could not apply the notice {Notice}; the next resync will", text);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested) { }
    }

    async Task ResyncAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await resyncNow.WaitAsync(options.Value.ResyncInterval, stop);
                var readAt = clock.GetUtcNow();
                scheduler.Resync(store.LoadPending(), readAt);
                projects.Reload();
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested) { return; }
            catch (Exception ex)
            {
                log.LogWarning(ex, "Resync with {Database} failed; trying again", database.Describe);
            }
        }
    }

    async Task HeartbeatAsync(CancellationToken stop)
    {
        var lease = options.Value.LeaseDuration;
        var started = clock.GetUtcNow().ToUnixMs();
        while (!stop.IsCancellationRequested)
        {
            try
            {
                var now = clock.GetUtcNow().ToUnixMs();
                await writes.WriteAsync(w =>
                {
                    w.Command("""
                            INSERT INTO nodes(id, started_at, seen_at) VALUES(@id, @started, @now)
                            ON CONFLICT(id) DO UPDATE SET seen_at = excluded.seen_at
                            """).With("@id", node.Id).With("@started", started).With("@now", now).ExecuteNonQuery();
                    // Nodes gone for a day are history.
                    w.Command("DELETE FROM nodes WHERE seen_at < @old").With("@old", now - (long)TimeSpan.FromDays(1).TotalMilliseconds).ExecuteNonQuery();
                });
                var adopted = await deliveries.AdoptFromDeadNodesAsync(lease);
                if (adopted > 0) log.LogInformation("Adopted {Count} undelivered events of nodes silent for {Lease}", adopted, lease);
                await Task.Delay(options.Value.HeartbeatInterval, clock, stop);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested) { return; }
            catch (Exception ex)
            {
                log.LogWarning(ex, "Node heartbeat failed; trying again");
                try { await Task.Delay(TimeSpan.FromSeconds(1), clock, stop); } catch (OperationCanceledException) { return; }
            }
        }
    }

    public override void Dispose()
    {
        resyncNow.Dispose();
        base.Dispose();
    }
}
