using Microsoft.Extensions.Options;

namespace DumGum.Storage;

public sealed class RetentionOptions
{
    /// <summary>What the start checks: a bad value fails it, naming the key.</summary>
    public static OptionsRules<RetentionOptions> Rules(OptionsRules<RetentionOptions> rules) => rules
        .Between(nameof(Events), o => o.Events, TimeSpan.FromMinutes(1), TimeSpan.FromDays(3650))
        .Between(nameof(CallLogs), o => o.CallLogs, TimeSpan.FromMinutes(1), TimeSpan.FromDays(3650))
        .Between(nameof(Answers), o => o.Answers, TimeSpan.FromMinutes(1), TimeSpan.FromDays(3650))
        .Between(nameof(Interval), o => o.Interval, TimeSpan.FromSeconds(1), TimeSpan.FromDays(1));

    /// <summary>Events delivered, failed, expired or cancelled are kept this long (pending ones always).</summary>
    public TimeSpan Events { get; set; } = TimeSpan.FromDays(7);

    /// <summary>Customer-endpoint call logs (the admin API's project logs).</summary>
    public TimeSpan CallLogs { get; set; } = TimeSpan.FromDays(30);

    /// <summary>Stored answers with their prompt itemisation (the admin API's answers), and the runs of the Response explorer.</summary>
    public TimeSpan Answers { get; set; } = TimeSpan.FromDays(30);

    public TimeSpan Interval { get; set; } = TimeSpan.FromMinutes(5);
}

/// <summary>
/// Deletes what has aged out of the outbox, the call logs and the answers, a few thousand rows per short transaction
/// (oldest first, along the primary key), so the tables stay the size of their retention and vacuum keeps up. Every
/// node may run it: on PostgreSQL rows another node is deleting are skipped, not waited for.
/// </summary>
public sealed class Retention(WriteQueue writes, TimeProvider clock, IOptions<RetentionOptions> options, ILogger<Retention> log) : BackgroundService
{
    const int Chunk = 5000;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(options.Value.Interval, clock, stoppingToken);
                var deleted = await RunOnceAsync(stoppingToken);
                if (deleted > 0) log.LogInformation("Retention: deleted {Count} aged rows", deleted);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { return; }
            catch (Exception ex)
            {
                log.LogWarning(ex, "Retention pass failed; trying again at the next interval");
            }
        }
    }

    /// <summary>One pass over the three tables; returns how many rows went.</summary>
    public async Task<int> RunOnceAsync(CancellationToken cancellationToken = default)
    {
        var now = clock.GetUtcNow();
        var o = options.Value;
        var total = 0;
        // Oldest first along an index: ids grow with time in the first two; answers have text ids and a created_at index.
        foreach (var (table, idColumn, condition, order, keep) in new[]
        {
            ("deliveries", "id", "status <> 'pending' AND created_at < @before", "id", o.Events),
            ("call_logs", "id", "at < @before", "id", o.CallLogs),
            ("answers", "id", "created_at < @before", "created_at", o.Answers),
            ("runs", "id", "created_at < @before", "id", o.Answers),
            // The Playground's received events age like the outbox; its chats stay until cleared.
            ("playground_events", "id", "received_at < @before", "id", o.Events),
            // Vision Link analyses whose picture's Cache-Control (or the default age) has run out.
            ("vision_analyses", "id", "expires_at < @before", "id", TimeSpan.Zero),
        })
        {
            var before = (now - keep).ToUnixMs();
            while (!cancellationToken.IsCancellationRequested)
            {
                var deleted = await writes.WriteAsync(w => w.Command($"""
                        DELETE FROM {table} WHERE {idColumn} IN (
                            SELECT {idColumn} FROM {table} WHERE {condition} ORDER BY {order} LIMIT {Chunk}{w.Database.Dialect.SkipLocked})
                        """).With("@before", before).ExecuteNonQuery());
                total += deleted;
                if (deleted < Chunk) break;
            }
        }
        return total;
    }
}
