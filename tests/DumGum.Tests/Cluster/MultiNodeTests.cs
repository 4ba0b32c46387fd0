using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using DumGum.Tests.Infrastructure;
using DumGum.Webhooks;
using Npgsql;

namespace DumGum.Tests.Cluster;

/// <summary>
/// Several DumGum nodes (real processes) on one PostgreSQL: every enqueue is answered once, whichever node accepted
/// it, and the work of a node killed with SIGKILL is finished by the others.
/// </summary>
public sealed class MultiNodeTests
{
    const string Persona = "p-cluster";

    static async Task<(string Id, string Key)> CreateProjectAsync(ServerProcess node, FakeCustomer customer)
    {
        var ct = TestContext.Current.CancellationToken;
        using var create = DumGumHost.Admin(HttpMethod.Post, "/admin/v1/projects", new
        {
            name = "cluster", profileEndpointUrl = customer.ProfileUrl, chatHistoryEndpointUrl = customer.HistoryUrl,
            incomingContentEndpointUrl = customer.IncomingUrl,
        });
        using var created = await node.Http.SendAsync(create, ct);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (string)(await created.Content.ReadFromJsonAsync<JsonObject>(ct))!["id"]!;
        using var keyRequest = DumGumHost.Admin(HttpMethod.Post, $"/admin/v1/projects/{id}/access-keys", new { name = "cluster" });
        using var key = await node.Http.SendAsync(keyRequest, ct);
        return (id, (string)(await key.Content.ReadFromJsonAsync<JsonObject>(ct))!["key"]!);
    }

    static async Task EnqueueAsync(ServerProcess node, string key, string user, string bufferSeconds = "1")
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/cs/v1/content_creation/conversations/enqueue")
        {
            Content = JsonContent.Create(new { userProfileId = user, personaProfileId = Persona, language = "EN", replyParameters = new { bufferSeconds } }),
        };
        request.Headers.Authorization = new("Bearer", key);
        using var response = await node.Http.SendAsync(request, TestContext.Current.CancellationToken);
        Assert.True(response.StatusCode == HttpStatusCode.NoContent, $"{node.BaseAddress}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    static async Task<T> QueryAsync<T>(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)Convert.ChangeType((await command.ExecuteScalarAsync(TestContext.Current.CancellationToken))!, typeof(T), System.Globalization.CultureInfo.InvariantCulture);
    }

    static async Task<List<string>> QueryListAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken);
        var list = new List<string>();
        while (await reader.ReadAsync(TestContext.Current.CancellationToken)) list.Add(reader.GetString(0));
        return list;
    }

    /// <summary>
    /// Waits (bounded) until the cluster has nothing left to do: no enqueue waits for a run (a run consumes its
    /// enqueues when it records its outcome, with that outcome's events in the same commit) and no event waits for
    /// delivery. The nodes are other processes: the database is what they share.
    /// </summary>
    static async Task WaitSettledAsync(string connectionString)
    {
        var until = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var waiting = await QueryAsync<long>(connectionString,
                "SELECT (SELECT COUNT(*) FROM enqueues) + (SELECT COUNT(*) FROM deliveries WHERE status = 'pending')");
            if (waiting == 0) return;
            Assert.True(DateTime.UtcNow < until, $"{waiting} enqueues and events still waiting");
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
    }

    static async Task<ServerProcess[]> StartNodesAsync(string connectionString, int count)
    {
        // One after the other: the first applies the schema, the others find it (they would wait on its lock anyway).
        var nodes = new List<ServerProcess>();
        for (var i = 0; i < count; i++) nodes.Add(await ServerProcess.StartAsync(connectionString));
        return [.. nodes];
    }

    static async Task DisposeAllAsync(IEnumerable<ServerProcess> nodes)
    {
        foreach (var node in nodes) await node.DisposeAsync();
    }

    [Fact]
    public async Task Three_nodes_answer_each_burst_exactly_once_wherever_its_enqueues_arrived()
    {
        const int Conversations = 1000;
        var connectionString = await (await PostgresCluster.SharedAsync()).CreateDatabaseAsync(TestContext.Current.CancellationToken);
        await using var customer = await FakeCustomer.StartAsync();
        var users = Enumerable.Range(0, Conversations).Select(i => $"u-{i:D4}").ToList();
        foreach (var user in users) customer.AddPair(user, Persona, "hey, how are you?");
        var nodes = await StartNodesAsync(connectionString, 3);
        try
        {
            var (_, key) = await CreateProjectAsync(nodes[0], customer);

            // A burst of three enqueues per conversation, each on a different node, conversations in parallel. Each burst
            // is timed from the first request to the last 204: only one that fits in the buffer must be one answer (all
            // three are committed before any node can claim the run). The buffer is long enough for nearly every burst
            // to fit on a loaded machine (with 2 s, 6 % did not under a parallel build); the rest are only counted.
            const int BufferSeconds = 5;
            var buffer = TimeSpan.FromSeconds(BufferSeconds);
            var bursts = new ConcurrentDictionary<string, TimeSpan>();
            await Parallel.ForEachAsync(users.Select((user, i) => (user, i)), new ParallelOptions { MaxDegreeOfParallelism = 16 },
                async (c, _) =>
                {
                    var started = DateTimeOffset.UtcNow;
                    for (var k = 0; k < 3; k++) await EnqueueAsync(nodes[(c.i + k) % 3], key, c.user, BufferSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture));
                    bursts[c.user] = DateTimeOffset.UtcNow - started;
                });
            var slowBursts = bursts.Where(b => b.Value >= buffer).Select(b => b.Key).ToHashSet();
            Assert.True(slowBursts.Count < Conversations / 10, $"{slowBursts.Count} bursts took longer than the buffer; the machine is too loaded to judge");

            await customer.WaitForEventsAsync(e => e.Event == Events.AnswerCreated, Conversations, seconds: 120);
            var answered = customer.Events.Where(e => e.Event == Events.AnswerCreated).Select(FakeCustomer.UserOf).ToHashSet();
            while (answered.Count < Conversations && customer.Events.Count(e => e.Event == Events.AnswerCreated) < 3 * Conversations)
            {
                await Task.Delay(250, TestContext.Current.CancellationToken);
                answered = customer.Events.Where(e => e.Event == Events.AnswerCreated).Select(FakeCustomer.UserOf).ToHashSet();
            }
            // A wrong second run needs an enqueue still waiting: once every enqueue is consumed and every event is out,
            // nothing more can be answered.
            await WaitSettledAsync(connectionString);

            Assert.Equal(Conversations, answered.Count);
            Assert.DoesNotContain(customer.Events, e => e.Event == Events.ConversationDropped);
            // One answer per burst: a run stores its itemisation with the first part of its answer only, so this counts
            // answering runs (a run cancelled by a newer enqueue and started again answers once).
            var twice = await QueryListAsync(connectionString, """
                SELECT c.user_profile_id FROM answers a JOIN conversations c ON c.id = a.conversation_id
                WHERE a.itemisation IS NOT NULL GROUP BY c.user_profile_id HAVING COUNT(*) <> 1
                """);
            Assert.DoesNotContain(twice, u => !slowBursts.Contains(u));
            Assert.Equal((long)Conversations, await QueryAsync<long>(connectionString, "SELECT COUNT(DISTINCT conversation_id) FROM answers"));
            Assert.Equal(0L, await QueryAsync<long>(connectionString, "SELECT COUNT(*) FROM enqueues"));
            // The work was shared: events were written by more than one node.
            Assert.True(await QueryAsync<long>(connectionString, "SELECT COUNT(DISTINCT owner) FROM deliveries") >= 2);
        }
        finally
        {
            await DisposeAllAsync(nodes);
        }
    }

    [Fact]
    public async Task The_conversations_of_a_killed_node_are_finished_by_the_others_within_30_seconds()
    {
        const int Conversations = 60;
        var connectionString = await (await PostgresCluster.SharedAsync()).CreateDatabaseAsync(TestContext.Current.CancellationToken);
        await using var customer = await FakeCustomer.StartAsync();
        var users = Enumerable.Range(0, Conversations).Select(i => $"k-{i:D3}").ToList();
        foreach (var user in users) customer.AddPair(user, Persona, "are you there?");
        // Every history call is held until the victim is killed: when it dies, it is in the middle of its runs.
        var killed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        customer.HistoryHook = async _ => { await killed.Task; return null; };
        var nodes = await StartNodesAsync(connectionString, 3);
        try
        {
            var (_, key) = await CreateProjectAsync(nodes[0], customer);
            for (var i = 0; i < Conversations; i++) await EnqueueAsync(nodes[i % 3], key, users[i]);

            // Wait until the victim holds leases (its runs are in progress), then SIGKILL it.
            var victim = nodes[1];
            var leaseOwner = $"-{victim.ProcessId}-";
            var until = DateTime.UtcNow.AddSeconds(20);
            long held;
            while ((held = await QueryAsync<long>(connectionString, $"SELECT COUNT(*) FROM conversations WHERE lease_owner LIKE '%{leaseOwner}%'")) == 0)
            {
                Assert.True(DateTime.UtcNow < until, "the node never took a conversation");
                await Task.Delay(50, TestContext.Current.CancellationToken);
            }
            victim.Kill();
            var killedAt = DateTimeOffset.UtcNow;
            killed.SetResult();

            await customer.WaitForEventsAsync(e => e.Event == Events.AnswerCreated, Conversations, seconds: 60);
            var firstAnswers = customer.Events.Where(e => e.Event == Events.AnswerCreated)
                .GroupBy(FakeCustomer.UserOf).ToDictionary(g => g.Key!, g => g.Min(e => e.ReceivedAt));
            Assert.Equal(Conversations, firstAnswers.Count);
            var last = firstAnswers.Values.Max();
            Assert.True(held > 0);
            Assert.True(last - killedAt < TimeSpan.FromSeconds(30), $"the last conversation was answered {(last - killedAt).TotalSeconds:F1} s after the kill");
            Assert.DoesNotContain(customer.Events, e => e.Event == Events.ConversationDropped);
            Assert.Equal(0L, await QueryAsync<long>(connectionString, "SELECT COUNT(*) FROM enqueues"));
        }
        finally
        {
            await DisposeAllAsync(nodes);
        }
    }
}
