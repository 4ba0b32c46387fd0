using System.Collections.Concurrent;
using System.Security.Cryptography;
using DumGum.Storage;

namespace DumGum.AccessKeys;

public sealed record AccessKeyInfo(string Id, string ProjectId, string Name, string Hint, DateTimeOffset CreatedAt,
    DateTimeOffset? LastUsedAt, DateTimeOffset? RevokedAt);

/// <summary>The identity an authenticated request carries.</summary>
public sealed record Caller(string KeyId, string ProjectId);

/// <summary>
/// Access keys are stored as SHA-256 only. Lookups go through an in-memory cache keyed by the hash: revocation through
/// this store removes the entry at once; entries are re-read from the database every few seconds, so a key revoked by
/// another process (the command line) stops working within <see cref="Revalidate"/>.
/// Keys that exist are cached without a size limit (there are only as many as were ever created). Well-formed keys that
/// do not exist (or are revoked) go to a separate negative cache that is bounded: anyone can make well-formed keys (the
/// checksum is a public CRC32), so at most <see cref="MaxUnknownKeys"/> are remembered, each for <see cref="Revalidate"/>;
/// past the limit the expired ones are dropped, then the oldest (docs/behaviour.md, "Bounded authentication state").
/// </summary>
public sealed class AccessKeyStore(Database database, WriteQueue writes, TimeProvider clock) : IFollowsChangeStamps
{
    string IFollowsChangeStamps.ChangeKind => ChangeStamps.AccessKeys;

    void IFollowsChangeStamps.Refresh() => Forget();

    static readonly TimeSpan Revalidate = TimeSpan.FromSeconds(5);
    static readonly TimeSpan LastUsedResolution = TimeSpan.FromMinutes(1);

    /// <summary>At most this many unknown keys are remembered (about 2 MB); beyond that an unknown key costs one indexed look-up.</summary>
    public const int MaxUnknownKeys = 10_000;

    sealed record CacheEntry(Caller? Caller, byte[] Hash, DateTimeOffset CheckedAt);

    readonly ConcurrentDictionary<string, CacheEntry> cache = new(StringComparer.Ordinal);
    readonly ConcurrentDictionary<string, DateTimeOffset> unknown = new(StringComparer.Ordinal);
    readonly Lock pruning = new();
    readonly ConcurrentDictionary<string, DateTimeOffset> lastUsedWritten = new(StringComparer.Ordinal);

    /// <summary>How many unknown keys are remembered now (never more than <see cref="MaxUnknownKeys"/>).</summary>
    public int UnknownKeysCached => unknown.Count;

    /// <summary>How many existing keys are cached.</summary>
    public int KnownKeysCached => cache.Count;

    public async Task<(AccessKeyInfo Info, string Key)> CreateAsync(string projectId, string name, CancellationToken cancellationToken = default)
    {
        var key = AccessKeyFormat.NewKey();
        var hash = AccessKeyFormat.Hash(key);
        var info = new AccessKeyInfo(Ids.AccessKey(), projectId, name, AccessKeyFormat.Hint(key), clock.GetUtcNow(), null, null);
        await writes.WriteAsync(w =>
            {
                ChangeStamps.Stamp(w, ChangeStamps.AccessKeys);
                w.Command("""
                    INSERT INTO access_keys(id, project_id, name, key_hash, hint, created_at)
                    VALUES(@id, @project, @name, @hash, @hint, @created)
                    """)
                    .With("@id", info.Id).With("@project", projectId).With("@name", name).With("@hash", hash)
                    .With("@hint", info.Hint).With("@created", info.CreatedAt.ToUnixMs()).ExecuteNonQuery();
            })
            .WaitAsync(cancellationToken);
        unknown.TryRemove(Convert.ToHexString(hash), out _);   // forget a cached "unknown"
        return (info, key);
    }

    public IReadOnlyList<AccessKeyInfo> List(string projectId)
    {
        using var connection = database.Open();
        using var command = connection.Sql("""
            SELECT id, project_id, name, hint, created_at, last_used_at, revoked_at FROM access_keys
            WHERE project_id = @project ORDER BY created_at
            """).With("@project", projectId);
        using var reader = command.ExecuteReader();
        var list = new List<AccessKeyInfo>();
        while (reader.Read())
            list.Add(new AccessKeyInfo(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3),
                reader.GetInt64(4).FromUnixMs(), reader.Int64OrNull(5)?.FromUnixMs(), reader.Int64OrNull(6)?.FromUnixMs()));
        return list;
    }

    /// <summary>Revokes a key of this project; another project's key is "not found".</summary>
    public async Task<bool> RevokeAsync(string projectId, string keyId, CancellationToken cancellationToken = default)
    {
        var now = clock.GetUtcNow().ToUnixMs();
        var changed = await writes.WriteAsync(w =>
            {
                ChangeStamps.Stamp(w, ChangeStamps.AccessKeys);
                return w.Command("""
                    UPDATE access_keys SET revoked_at = COALESCE(revoked_at, @now) WHERE id = @id AND project_id = @project
                    """).With("@now", now).With("@id", keyId).With("@project", projectId).ExecuteNonQuery();
            })
            .WaitAsync(cancellationToken);
        foreach (var (hash, entry) in cache)
            if (entry.Caller?.KeyId == keyId) cache.TryRemove(hash, out _);
        return changed > 0;
    }

    /// <summary>
    /// Keys were created or revoked elsewhere (<see cref="ChangeWatcher"/>): every cached answer, "unknown" included, is
    /// read again on its next use.
    /// </summary>
    public void Forget()
    {
        cache.Clear();
        unknown.Clear();
    }

    /// <summary>The caller a bearer key belongs to, or null when it is malformed, unknown or revoked.</summary>
    public Caller? Authenticate(string key)
    {
        if (!AccessKeyFormat.IsWellFormed(key)) return null;
        var hash = AccessKeyFormat.Hash(key);
        var hex = Convert.ToHexString(hash);
        var now = clock.GetUtcNow();
        if (unknown.TryGetValue(hex, out var checkedAt) && now - checkedAt <= Revalidate) return null;
        if (!cache.TryGetValue(hex, out var entry) || now - entry.CheckedAt > Revalidate)
        {
            var caller = Load(hash);
            if (caller is null)
            {
                cache.TryRemove(hex, out _);   // revoked (by another process) since it was cached
                RememberUnknown(hex, now);
                return null;
            }
            entry = new CacheEntry(caller, hash, now);
            cache[hex] = entry;
            unknown.TryRemove(hex, out _);
        }
        // The dictionary matched on the hash; confirm in constant time so no comparison leaks timing.
        if (entry.Caller is null || !CryptographicOperations.FixedTimeEquals(entry.Hash, hash)) return null;
        TouchLastUsed(entry.Caller.KeyId, now);
        return entry.Caller;
    }

    void RememberUnknown(string hex, DateTimeOffset now)
    {
        if (unknown.Count >= MaxUnknownKeys)
        {
            // One thread prunes; the others simply do not cache this key (it costs them a look-up, not memory).
            if (!pruning.TryEnter()) return;
            try
            {
                foreach (var (key, at) in unknown)
                    if (now - at > Revalidate) unknown.TryRemove(key, out _);
                // All still fresh (a flood of distinct keys): keep the newest half.
                if (unknown.Count >= MaxUnknownKeys)
                    foreach (var (key, _) in unknown.OrderBy(p => p.Value).Take(unknown.Count - MaxUnknownKeys / 2).ToList())
                        unknown.TryRemove(key, out _);
            }
            finally
            {
                pruning.Exit();
            }
            if (unknown.Count >= MaxUnknownKeys) return;
        }
        unknown[hex] = now;
    }

    Caller? Load(byte[] hash)
    {
        using var connection = database.Open();
        using var command = connection.Sql("SELECT id, project_id FROM access_keys WHERE key_hash = @hash AND revoked_at IS NULL")
            .With("@hash", hash);
        using var reader = command.ExecuteReader();
        return reader.Read() ? new Caller(reader.GetString(0), reader.GetString(1)) : null;
    }

    void TouchLastUsed(string keyId, DateTimeOffset now)
    {
        if (lastUsedWritten.TryGetValue(keyId, out var last) && now - last < LastUsedResolution) return;
        lastUsedWritten[keyId] = now;
        _ = writes.WriteAsync(w => w.Command("UPDATE access_keys SET last_used_at = @now WHERE id = @id")
            .With("@now", now.ToUnixMs()).With("@id", keyId).ExecuteNonQuery());
    }
}
