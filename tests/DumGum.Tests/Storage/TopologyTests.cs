using DumGum.Storage;
using DumGum.Tests.Infrastructure;
using DumGum.Tests.Webhooks;

namespace DumGum.Tests.Storage;

/// <summary>
/// <c>Storage:Topology</c>, not the provider, decides whether a node behaves as one of several: here on SQLite, whose
/// default is a single node.
/// </summary>
public sealed class TopologyTests
{
    [Fact]
    public async Task A_cluster_node_on_SQLite_runs_the_cluster_loops_and_writes_its_heartbeat()
    {
        using var cluster = DumGumHost.Start(settings: new() { ["Storage:Topology"] = "Cluster" });
        Assert.True(cluster.Database.IsCluster);
        var until = DateTime.UtcNow.AddSeconds(20);
        while (Count(cluster.Database, "SELECT COUNT(*) FROM nodes") == 0)
        {
            Assert.True(DateTime.UtcNow < until, "no heartbeat row within 20 s");
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }
    }

    [Theory]
    [InlineData(StorageTopology.SingleNode)]
    [InlineData(StorageTopology.Cluster)]
    public async Task Pending_events_of_another_node_are_taken_at_start_by_a_single_node_and_only_once_that_node_is_dead_by_a_cluster(StorageTopology topology)
    {
        // An event another process left pending (due in an hour, so it stays pending); that process has never written a
        // heartbeat (it is gone).
        await using var rig = await DispatcherRig.StartAsync(topology, beforeStart: r => r.Writes.WriteAsync(w =>
        {
            var now = r.Clock.GetUtcNow().ToUnixMs();
            w.Command("INSERT INTO conversations(id, project_id, user_profile_id, persona_profile_id) VALUES(@id, @p, @u, @s)")
                .With("@id", DispatcherRig.ConversationId).With("@p", r.Project.Id).With("@u", DispatcherRig.User).With("@s", DispatcherRig.Persona)
                .ExecuteNonQuery();
            w.Command("""
                INSERT INTO deliveries(project_id, conversation_id, run_token, webhook_id, event, body, not_before, deadline_at, owner, status, created_at)
                VALUES(@p, @c, 1, 'wh', 'answer.created', '{}', @notBefore, @deadline, 'gone', 'pending', @now)
                """)
                .With("@p", r.Project.Id).With("@c", DispatcherRig.ConversationId).With("@notBefore", now + 3_600_000)
                .With("@deadline", now + 7_200_000).With("@now", now).ExecuteNonQuery();
        }));
        Assert.Equal(topology == StorageTopology.SingleNode ? rig.Writes.NodeId : "gone", Owner(rig.Database));

        if (topology == StorageTopology.Cluster)
        {
            Assert.Equal(1, await rig.Dispatcher.AdoptFromDeadNodesAsync(TimeSpan.FromSeconds(15)));
            Assert.Equal(rig.Writes.NodeId, Owner(rig.Database));
        }
    }

    static string? Owner(Database database)
    {
        using var connection = database.Open();
        return connection.Sql("SELECT owner FROM deliveries").ExecuteScalar() as string;
    }

    static long Count(Database database, string sql)
    {
        using var connection = database.Open();
        return connection.Sql(sql).ExecuteScalar().AsInt64() ?? 0;
    }
}
