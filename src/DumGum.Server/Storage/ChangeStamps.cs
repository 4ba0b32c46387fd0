using System.Security.Cryptography;

namespace DumGum.Storage;

/// <summary>
/// Makes projects, access keys and bans written elsewhere (the command line, another process on the same SQLite file,
/// another node) visible here within seconds (docs/behaviour.md, "Changes made elsewhere"). Every write of those
/// tables also stamps a row of <c>settings</c> (<c>changes.projects</c>, …) with a fresh random value, in the same
/// transaction; <see cref="ChangeWatcher"/> reads the three stamps every second and tells the caches whose stamp moved.
/// </summary>
public static class ChangeStamps
{
    public const string Projects = "changes.projects", AccessKeys = "changes.access_keys", Bans = "changes.bans";

    /// <summary>Stamps <paramref name="kind"/> inside the caller's transaction (on the writer thread).</summary>
    public static void Stamp(WriteQueue.Writer w, string kind)
    {
        ArgumentNullException.ThrowIfNull(w);
        w.Command("INSERT INTO settings(key, value) VALUES(@k, @v) ON CONFLICT(key) DO UPDATE SET value = excluded.value")
            .With("@k", kind).With("@v", RandomNumberGenerator.GetHexString(16)).ExecuteNonQuery();
    }

    /// <summary>The current stamps, kind → value (kinds never written are absent).</summary>
    public static Dictionary<string, string> Read(Database database)
    {
        ArgumentNullException.ThrowIfNull(database);
        using var connection = database.Open();
        using var command = connection.Sql("SELECT key, value FROM settings WHERE key IN (@a, @b, @c)")
            .With("@a", Projects).With("@b", AccessKeys).With("@c", Bans);
        using var reader = command.ExecuteReader();
        var stamps = new Dictionary<string, string>(StringComparer.Ordinal);
        while (reader.Read()) stamps[reader.GetString(0)] = reader.GetString(1);
        return stamps;
    }
}

/// <summary>
/// A cache of rows that another process (the command line, another node) may write: refreshed when its kind's stamp
/// in <see cref="ChangeStamps"/> moves. Declared here so that Storage need not know the folders that keep such caches.
/// </summary>
public interface IFollowsChangeStamps
{
    /// <summary>One of the <see cref="ChangeStamps"/> kinds.</summary>
    string ChangeKind { get; }

    /// <summary>Drops or re-reads the cache; called from the watcher's loop.</summary>
    void Refresh();
}

/// <summary>
/// Polls <see cref="ChangeStamps"/> every <see cref="Interval"/> and refreshes the cache of each kind whose stamp
/// changed. Our own writes move the stamps too; refreshing after them costs a re-read, never a wrong answer, and
/// skipping them could hide another process's write that came between.
/// </summary>
public sealed class ChangeWatcher(Database database, IEnumerable<IFollowsChangeStamps> caches, TimeProvider clock,
    ILogger<ChangeWatcher> log) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    Dictionary<string, string>? seen;

    /// <summary>One poll: refreshes what changed since the last one. Public for tests.</summary>
    public void Poll()
    {
        var now = ChangeStamps.Read(database);
        if (seen is not null)
        {
            foreach (var cache in caches)
                if (Moved(cache.ChangeKind)) cache.Refresh();
        }
        seen = now;

        bool Moved(string kind) => now.GetValueOrDefault(kind) != seen!.GetValueOrDefault(kind);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                Poll();
                await Task.Delay(Interval, clock, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { return; }
            catch (Exception ex)
            {
                // The node keeps serving with what it has; the next poll tries again.
                log.LogWarning(ex, "Could not check {Database} for changes made elsewhere", database.Describe);
                try { await Task.Delay(Interval, clock, stoppingToken); } catch (OperationCanceledException) { return; }
            }
        }
    }
}
