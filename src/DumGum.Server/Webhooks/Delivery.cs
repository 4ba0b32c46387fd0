using DumGum.Storage;

namespace DumGum.Webhooks;

/// <summary>One event to one customer; <see cref="WebhookId"/> stays the same on every attempt (the receiver's de-duplication key).</summary>
public sealed record Delivery(
    long Id,
    string ProjectId,
    long ConversationId,
    string UserProfileId,
    string PersonaProfileId,
    long RunToken,
    string WebhookId,
    string Event,
    string Body,
    DateTimeOffset NotBefore,
    DateTimeOffset DeadlineAt,
    string? OnExpiry,
    int Attempts)
{
    /// <summary>A typing pause: how long to wait after the previous event of the conversation was delivered.</summary>
    public TimeSpan Pause { get; init; }

    /// <summary>The newest enqueue the emitting run served (its watermark); 0 when not from a run's reply.</summary>
    public long ServesThrough { get; init; }
}

/// <summary>
/// An event to write to the outbox: for whom (project, conversation and its two profiles, the run that emits it), what
/// (<see cref="Event"/> and its JSON <see cref="Body"/>), written at <see cref="CreatedAt"/> and sent from then on until
/// <see cref="Deadline"/>.
/// </summary>
public sealed record OutboxEntry(
    string ProjectId,
    long ConversationId,
    string UserProfileId,
    string PersonaProfileId,
    long RunToken,
    string Event,
    string Body,
    DateTimeOffset CreatedAt,
    DateTimeOffset Deadline)
{
    /// <summary>The event sent instead if this one is not accepted by its deadline (an answer's <c>conversation.dropped</c>).</summary>
    public string? OnExpiry { get; init; }

    /// <summary>A typing pause: how long to wait after the previous event of the conversation was delivered.</summary>
    public TimeSpan Pause { get; init; }

    /// <summary>The newest enqueue the emitting run served (its watermark); 0 when not from a run's reply.</summary>
    public long ServesThrough { get; init; }
}

/// <summary>The outbox: event rows written in the same transaction as the change that causes them.</summary>
public static class Outbox
{
    /// <summary>Writes <paramref name="entry"/> as a pending event owned by this node; hand the result to the dispatcher after the commit.</summary>
    public static Delivery Insert(WriteQueue.Writer w, OutboxEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var webhookId = Ids.Event();
        // Sendable at once: a typing pause or a retry's back-off move not_before later, never the insert.
        var notBefore = entry.CreatedAt;
        var id = (long)w.Command("""
                INSERT INTO deliveries(project_id, conversation_id, run_token, webhook_id, event, body, not_before, deadline_at,
                                       on_expiry, pause_ms, serves_through, owner, status, created_at)
                VALUES(@p, @c, @run, @wid, @event, @body, @notBefore, @deadline, @onExpiry, @pause, @serves, @owner, 'pending', @now)
                RETURNING id
                """)
            .With("@p", entry.ProjectId).With("@c", entry.ConversationId).With("@run", entry.RunToken).With("@wid", webhookId)
            .With("@event", entry.Event).With("@body", entry.Body).With("@notBefore", notBefore.ToUnixMs())
            .With("@deadline", entry.Deadline.ToUnixMs()).With("@onExpiry", entry.OnExpiry)
            .With("@pause", (long)entry.Pause.TotalMilliseconds).With("@serves", entry.ServesThrough)
            .With("@owner", w.NodeId).With("@now", entry.CreatedAt.ToUnixMs())
            .ExecuteScalar()!;
        return new Delivery(id, entry.ProjectId, entry.ConversationId, entry.UserProfileId, entry.PersonaProfileId, entry.RunToken,
            webhookId, entry.Event, entry.Body, notBefore, entry.Deadline, entry.OnExpiry, 0)
            { Pause = entry.Pause, ServesThrough = entry.ServesThrough };
    }

    /// <summary>Records an event's final status; the updates that share a commit go out as one statement.</summary>
    public static Task SetStatusAsync(WriteQueue writes, long id, string status, string? error, DateTimeOffset now) =>
        writes.WriteAsync(StatusBatch.Instance, (id, status, error, now.ToUnixMs()));

    sealed class StatusBatch : BatchWrite<(long Id, string Status, string? Error, long At), bool>
    {
        public static readonly StatusBatch Instance = new();

        public override IReadOnlyList<bool> Execute(WriteQueue.Writer w, IReadOnlyList<(long Id, string Status, string? Error, long At)> items)
        {
            w.Database.Dialect.ForRows(w, items, """
                    UPDATE deliveries AS d SET status = v.status, last_error = COALESCE(v.error, d.last_error),
                        delivered_at = CASE WHEN v.status = 'delivered' THEN v.at ELSE d.delivered_at END
                    FROM {rows}
                    WHERE d.id = v.id
                    """, rows => rows.Column("id", i => i.Id).Column("status", i => i.Status).Column("error", i => i.Error).Column("at", i => i.At));
            return items.Select(_ => true).ToList();
        }
    }

    public static void SetStatus(WriteQueue.Writer w, long id, string status, string? error, DateTimeOffset now) =>
        w.Command("""
                UPDATE deliveries SET status = @status, last_error = COALESCE(@error, last_error),
                    delivered_at = CASE WHEN @status = 'delivered' THEN @now ELSE delivered_at END
                WHERE id = @id
                """)
            .With("@status", status).With("@error", error).With("@now", now.ToUnixMs()).With("@id", id).ExecuteNonQuery();
}
