using System.Net;
using DumGum.Storage;
using DumGum.Tests.Api;
using DumGum.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace DumGum.Tests.Pipeline;

/// <summary>docs/behaviour.md, "Overload": accepts go ahead of run work, and past a bound they are refused clearly.</summary>
public sealed class OverloadTests
{
    static CancellationToken Token => TestContext.Current.CancellationToken;

    static object Body(string user) => new { userProfileId = user, personaProfileId = "p-load", language = "EN", replyParameters = new { bufferSeconds = 60 } };

    [Fact]
    public async Task Past_the_bound_of_waiting_accepts_an_enqueue_is_a_503_with_Retry_After_and_nothing_is_stored()
    {
        await using var customer = await FakeCustomer.StartAsync();
        await using var host = DumGumHost.Start(settings: new() { ["Storage:MaxQueuedEnqueues"] = "2" });
        var project = await host.CreateProjectAsync(customer);
        var writes = host.Services.GetRequiredService<WriteQueue>();
        using var gate = new ManualResetEventSlim();
        using var entered = new ManualResetEventSlim();
        var stalled = writes.WriteAsync(_ => { entered.Set(); gate.Wait(TimeSpan.FromSeconds(90)); });
        // The writer must be inside the stall before the accepts arrive. Otherwise (a loaded machine, the writer still
        // committing earlier work) it takes the accepts into the same batch as the stall, they no longer count as
        // waiting, and QueuedAccepts never reaches 2.
        Assert.True(entered.Wait(TimeSpan.FromSeconds(30), Token), "the writer took the stalling item");
        var waiting = new[] { host.EnqueueAsync(project.Key, Body("u-1")), host.EnqueueAsync(project.Key, Body("u-2")) };
        await WaitUntilAsync(() => writes.QueuedAccepts >= 2 || waiting.Any(t => t.IsCompleted), "two accepts are waiting");
        Assert.Equal(2, writes.QueuedAccepts);

        using (var refused = await host.EnqueueAsync(project.Key, Body("u-3")))
        {
            var problem = await ProblemAssert.ReadAsync(refused, HttpStatusCode.ServiceUnavailable);
            Assert.Equal("urn:dumgum:problem:overloaded", (string?)problem["type"]);
            Assert.Equal("1", refused.Headers.RetryAfter?.Delta?.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        gate.Set();
        await stalled;
        foreach (var response in await Task.WhenAll(waiting))
            using (response)
                Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        using var connection = host.Database.Open();
        Assert.Equal(2L, (long)connection.Sql("SELECT COUNT(*) FROM enqueues").ExecuteScalar()!);
    }

    /// <summary>Polls an in-process condition (no fixed sleep); the bound only turns a hang into a failure.</summary>
    static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var until = DateTime.UtcNow.AddSeconds(30);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < until, what);
            await Task.Delay(5, Token);
        }
    }

    [Fact]
    public async Task Accepts_go_ahead_of_run_work_already_waiting_for_the_writer()
    {
        var database = Database.Sqlite(DumGumHost.NewDatabasePath());
        using var writes = new WriteQueue(database, Microsoft.Extensions.Logging.Abstractions.NullLogger<WriteQueue>.Instance);
        using var gate = new ManualResetEventSlim();
        var order = new System.Collections.Concurrent.ConcurrentQueue<string>();
        using var writerBusy = new ManualResetEventSlim();
        var stalled = writes.WriteAsync(_ =>
        {
            writerBusy.Set();
            gate.Wait(TimeSpan.FromSeconds(90));
        });
        // The run items must queue while the writer is busy: a batch formed before the accept arrived may take them
        // all, since no accept was waiting then.
        Assert.True(writerBusy.Wait(TimeSpan.FromSeconds(30), Token), "the writer took the stalled item");
        var runs = Enumerable.Range(0, 1000).Select(i => writes.WriteAsync(_ => order.Enqueue("run"))).ToList();
        var accept = writes.AcceptAsync(new Marker(order), 1);
        gate.Set();
        await accept;
        await Task.WhenAll(runs);
        await stalled;
        // At most one batch's share of run work (128 items) goes before an accept that was waiting.
        Assert.InRange(order.ToList().IndexOf("accept"), 0, 128);
    }

    sealed class Marker(System.Collections.Concurrent.ConcurrentQueue<string> order) : BatchWrite<int, bool>
    {
        public override IReadOnlyList<bool> Execute(WriteQueue.Writer writer, IReadOnlyList<int> items)
        {
            order.Enqueue("accept");
            return [.. items.Select(_ => true)];
        }
    }
}
