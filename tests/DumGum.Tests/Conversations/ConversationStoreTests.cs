using DumGum.Conversations;
using DumGum.Storage;
using DumGum.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace DumGum.Tests.Conversations;

/// <summary>The store's batched writes: enqueues of one commit written together, claims of one commit taken together.</summary>
public abstract class ConversationStoreTests(StorageProvider provider) : StorageSuite(provider)
{
    [Fact]
    public async Task Concurrent_enqueues_share_commits_and_each_gets_the_id_of_its_own_row()
    {
        using var database = OpenDatabase();
        using var writes = new WriteQueue(database, NullLogger<WriteQueue>.Instance);
        var batchSizes = new List<int>();
        writes.BatchCommitted += (size, _) => { lock (batchSizes) batchSizes.Add(size); };
        var store = new ConversationStore(database, writes, TimeProvider.System, Options.Create(new ConversationOptions()));

        var accepted = await Task.WhenAll(Enumerable.Range(0, 600).Select(i => Task.Run(() =>
            store.AcceptAsync(new ConversationKey("proj_batch", $"u-{i % 40}", "p-batch"), $$"""{"n":{{i}}}""", 1, 60))));

        Assert.True(batchSizes.Max() > 1, "the enqueues never shared a commit");
        Assert.Equal(600, accepted.Select(a => a.EnqueueId).Distinct().Count());
        Assert.Equal(40, accepted.Select(a => a.ConversationId).Distinct().Count());
        // Every returned id names the row that holds that very request, in that very conversation.
        using var connection = database.Open();
        using var command = connection.Sql("SELECT id, conversation_id, request FROM enqueues");
        using var reader = command.ExecuteReader();
        var rows = new Dictionary<long, (long Conversation, string Request)>();
        while (reader.Read()) rows[reader.GetInt64(0)] = (reader.GetInt64(1), reader.GetString(2));
        Assert.Equal(600, rows.Count);
        for (var i = 0; i < 600; i++)
        {
            var row = rows[accepted[i].EnqueueId];
            Assert.Equal($$"""{"n":{{i}}}""", row.Request);
            Assert.Equal(accepted[i].ConversationId, row.Conversation);
        }
    }

    [Fact]
    public async Task Two_workers_claiming_the_same_conversations_at_once_never_both_get_one()
    {
        using var database = OpenDatabase();
        using var writesA = new WriteQueue(database, NullLogger<WriteQueue>.Instance);
        using var writesB = new WriteQueue(database, NullLogger<WriteQueue>.Instance);
        var options = Options.Create(new ConversationOptions());
        var a = new ConversationStore(database, writesA, TimeProvider.System, options);
        var b = new ConversationStore(database, writesB, TimeProvider.System, options);
        var ids = new List<long>();
        for (var i = 0; i < 100; i++)
            ids.Add((await a.AcceptAsync(new ConversationKey("proj_claim", $"u-{i}", "p-claim"), "{}", 1, 60)).ConversationId);

        // Each worker claims every conversation, concurrently (so claims share commits on each writer).
        var claimsA = ids.Select(id => Task.Run(() => a.ClaimAsync(id, "worker-a"))).ToList();
        var claimsB = ids.Select(id => Task.Run(() => b.ClaimAsync(id, "worker-b"))).ToList();
        var resultsA = await Task.WhenAll(claimsA);
        var resultsB = await Task.WhenAll(claimsB);

        for (var i = 0; i < ids.Count; i++)
        {
            var wonA = resultsA[i].Claim is not null;
            var wonB = resultsB[i].Claim is not null;
            Assert.True(wonA ^ wonB, $"conversation {ids[i]}: a={wonA} b={wonB}");
            // The loser is told when to look again: at the winner's lease expiry or in a moment, never "nothing pending".
            Assert.NotNull(wonA ? resultsB[i].RetryAt : resultsA[i].RetryAt);
        }
    }
}

public sealed class ConversationStoreTestsOnSqlite() : ConversationStoreTests(StorageProvider.Sqlite);

public sealed class ConversationStoreTestsOnPostgres() : ConversationStoreTests(StorageProvider.Postgres);
