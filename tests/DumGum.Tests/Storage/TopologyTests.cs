using System.Diagnostics.Metrics;
using DumGum.Customers;
using DumGum.Projects;
using DumGum.Storage;
using DumGum.Tests.Infrastructure;
using DumGum.Webhooks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

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
        using var database = Database.Sqlite(DumGumHost.NewDatabasePath(), topology);
        using var writes = new WriteQueue(database, NullLogger<WriteQueue>.Instance) { NodeId = "me" };
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var now = clock.GetUtcNow().ToUnixMs();
        // An event another process left pending; that process has never written a heartbeat (it is gone).
        await writes.WriteAsync(w =>
        {
            w.Command("INSERT INTO conversations(id, project_id, user_profile_id, persona_profile_id) VALUES(1, 'p', 'u', 's')").ExecuteNonQuery();
            w.Command($"""
                INSERT INTO deliveries(project_id, conversation_id, run_token, webhook_id, event, body, not_before, deadline_at, owner, status, created_at)
                VALUES('p', 1, 1, 'wh', 'answer.created', '{"{}"}', {now + 3_600_000}, {now + 7_200_000}, 'gone', 'pending', {now})
                """).ExecuteNonQuery();
        });
        using var services = new ServiceCollection().AddMetrics().AddHttpClient().BuildServiceProvider();
        var dispatcher = new DeliveryDispatcher(services.GetRequiredService<IHttpClientFactory>(), new ProjectStore(database, writes, clock),
            writes, new CallLog(database, writes, clock, NullLogger<CallLog>.Instance), clock, Options.Create(new OutboundOptions()),
            new DumGumMetrics(services.GetRequiredService<IMeterFactory>()), NullLogger<DeliveryDispatcher>.Instance);
        await dispatcher.StartAsync(TestContext.Current.CancellationToken);
        Assert.Equal(topology == StorageTopology.SingleNode ? "me" : "gone", Owner(database));

        if (topology == StorageTopology.Cluster)
        {
            Assert.Equal(1, await dispatcher.AdoptFromDeadNodesAsync(TimeSpan.FromSeconds(15)));
            Assert.Equal("me", Owner(database));
        }
        await dispatcher.StopAsync(TestContext.Current.CancellationToken);
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
