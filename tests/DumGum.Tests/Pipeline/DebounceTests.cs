using DumGum.Storage;
using System.Globalization;
using System.Net;
using DumGum.Tests.Infrastructure;
using DumGum.Webhooks;

namespace DumGum.Tests.Pipeline;

/// <summary>docs/behaviour.md, "The enqueue flow": <c>bufferSeconds</c> is a debounce (quiet period), capped at 3 × buffer after the oldest pending enqueue.</summary>
public abstract class DebounceTests(StorageProvider provider) : StorageSuite(provider)
{
    const string User = "u-debounce", Persona = "p-debounce";

    static async Task<DumGumHost.TestProject> SetUpAsync(FakeCustomer customer, DumGumHost host)
    {
        customer.AddPair(User, Persona, "hi there");
        return await host.CreateProjectAsync(customer);
    }

    static object Body(string bufferSeconds) => new
    {
        userProfileId = User, personaProfileId = Persona, language = "EN",
        replyParameters = new { bufferSeconds },
    };

    static async Task EnqueueAsync(DumGumHost host, DumGumHost.TestProject project, string bufferSeconds)
    {
        using var response = await host.EnqueueAsync(project.Key, Body(bufferSeconds));
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
    }

    [Fact]
    public async Task A_burst_of_twenty_enqueues_is_served_by_one_run()
    {
        await using var customer = await FakeCustomer.StartAsync();
        await using var host = StartHost();
        var project = await SetUpAsync(customer, host);

        for (var i = 0; i < 20; i++) await EnqueueAsync(host, project, "1");

        await customer.WaitForEventAsync(Events.AnswerCreated);
        // Long enough for a second (wrong) run: the buffer again plus the run itself.
        await Task.Delay(TimeSpan.FromSeconds(2), TestContext.Current.CancellationToken);

        Assert.Single(customer.Events, e => e.Event == Events.AnswerCreated);
        Assert.Single(customer.Events, e => e.Event == Events.AnswerProcessing);
        Assert.Equal(1, customer.CallCount("/history"));
    }

    [Fact]
    public async Task A_steady_stream_still_gets_its_first_answer_by_the_cap()
    {
        await using var customer = await FakeCustomer.StartAsync();
        await using var host = StartHost();
        var project = await SetUpAsync(customer, host);

        // An enqueue every 300 ms for about 6 s: the conversation is never quiet for the 1 s buffer, so only the cap
        // (3 × buffer after the first enqueue) can start the run.
        var first = DateTimeOffset.UtcNow;
        var streamEnd = first.AddSeconds(6);
        while (DateTimeOffset.UtcNow < streamEnd)
        {
            var next = DateTimeOffset.UtcNow.AddMilliseconds(300);
            customer.AddUserText(User, Persona, "still typing " + DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
            await EnqueueAsync(host, project, "1");
            var wait = next - DateTimeOffset.UtcNow;
            if (wait > TimeSpan.Zero) await Task.Delay(wait, TestContext.Current.CancellationToken);
        }
        var streamEnded = DateTimeOffset.UtcNow;

        var created = (await customer.WaitForEventAsync(Events.AnswerCreated))[0];
        var afterFirst = (created.ReceivedAt - first).TotalSeconds;
        // Runs cancelled by a newer enqueue (docs/behaviour.md, "The enqueue flow") restart at once: the cap counts from the oldest pending enqueue.
        string Times(IEnumerable<DateTimeOffset> at) => string.Join(", ", at.Select(t => (t - first).TotalSeconds.ToString("F2", CultureInfo.InvariantCulture)));
        var diagnosis = $"first answer {afterFirst:F2} s after the first enqueue; history fetched at " +
                        Times(customer.Calls.Where(c => c.Path == "/history").Select(c => c.At)) + " s; answer.processing at " +
                        Times(customer.Events.Where(e => e.Event == Events.AnswerProcessing).Select(e => e.ReceivedAt)) + " s";
        Assert.True(created.ReceivedAt < streamEnded, "the first answer came only after the stream ended: " + diagnosis);
        Assert.True(afterFirst is >= 2.9 and <= 4.5, diagnosis);
    }

    [Fact]
    public async Task The_run_starts_when_the_buffer_has_passed()
    {
        await using var customer = await FakeCustomer.StartAsync();
        await using var host = StartHost();
        var project = await SetUpAsync(customer, host);

        var sent = DateTimeOffset.UtcNow;
        await EnqueueAsync(host, project, "1");
        var accepted = DateTimeOffset.UtcNow;

        var history = (await customer.WaitForCallsAsync("/history"))[0];
        // Loose bounds: never before the buffer, and not much after it.
        Assert.True(history.At - sent >= TimeSpan.FromSeconds(1), $"history fetched {(history.At - sent).TotalSeconds:F3} s after the enqueue was sent");
        Assert.True(history.At - accepted <= TimeSpan.FromSeconds(1.5), $"history fetched {(history.At - accepted).TotalSeconds:F3} s after the 204");
        await customer.WaitForEventAsync(Events.AnswerCreated);
    }
}

public sealed class DebounceTestsOnSqlite() : DebounceTests(StorageProvider.Sqlite);

public sealed class DebounceTestsOnPostgres() : DebounceTests(StorageProvider.Postgres);
