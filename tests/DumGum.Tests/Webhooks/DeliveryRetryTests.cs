using System.Globalization;
using System.Text.Json.Nodes;
using DumGum.Storage;
using DumGum.Webhooks;

namespace DumGum.Tests.Webhooks;

/// <summary>
/// docs/behaviour.md, "Events": a failed delivery waits the customer's <c>Retry-After</c> when it gives one, and an
/// answer event not accepted by its deadline is given up and replaced by <c>conversation.dropped</c>. On a fake clock,
/// so the waits are exact.
/// </summary>
public sealed class DeliveryRetryTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_refused_delivery_waits_exactly_the_customers_Retry_After(bool asDate)
    {
        await using var rig = await DispatcherRig.StartAsync();
        var start = rig.Clock.GetUtcNow();
        // Whole seconds from the start, so an HTTP-date (second resolution) names the same instant.
        var retryAt = DateTimeOffset.FromUnixTimeSeconds(start.ToUnixTimeSeconds() + 8);
        var wait = retryAt - start;
        rig.Customer.IncomingStatus = _ => rig.Customer.Attempts.Count == 1 ? 503 : 204;
        rig.Customer.IncomingRetryAfter = _ => rig.Customer.Attempts.Count > 1 ? null
            : asDate ? retryAt.ToString("r", CultureInfo.InvariantCulture)
            : ((int)wait.TotalSeconds).ToString(CultureInfo.InvariantCulture);
        if (!asDate) wait = TimeSpan.FromSeconds((int)wait.TotalSeconds);

        var rows = await rig.SendAsync(DispatcherRig.Processing(1));
        await rig.WaitForWaitAsync(1);   // the back-off has started, its next attempt stored first

        Assert.Equal((start + wait).ToUnixMs(), NotBefore(rig, rows[0].Id));
        Assert.Equal(1, Attempts(rig, rows[0].Id));
        rig.Clock.Advance(wait - TimeSpan.FromMilliseconds(1));
        Assert.Single(rig.Attempted());   // the default back-off (at most 0.5 s) would have retried long ago

        rig.Clock.Advance(TimeSpan.FromMilliseconds(1));
        await rig.WaitForEventsAsync(1);
        await rig.WaitForStatusAsync(rows[0], "delivered");
        Assert.Equal(["answer.processing 1", "answer.processing 1"], rig.Attempted());
    }

    [Fact]
    public async Task An_answer_not_accepted_by_its_deadline_becomes_conversation_dropped_and_the_rest_of_its_run_is_cancelled()
    {
        await using var rig = await DispatcherRig.StartAsync();
        rig.Customer.IncomingStatus = e => e.Event == Events.AnswerCreated ? 500 : 204;
        var dropped = new JsonObject
        {
            ["event"] = Events.ConversationDropped,
            ["data"] = new JsonObject { ["projectId"] = rig.Project.Id, ["run"] = 1, ["text"] = "TIMEOUT" },
        }.ToJsonString();
        var deadline = TimeSpan.FromSeconds(10);
        var rows = await rig.SendAsync(
            DispatcherRig.Created(1, "one") with { Deadline = deadline, OnExpiry = dropped },
            DispatcherRig.Created(1, "two") with { Deadline = deadline });
        var later = await rig.SendAsync(DispatcherRig.Processing(2));

        await rig.WaitForWaitAsync(1);   // part 1 failed once and waits for its retry
        Assert.Equal(["answer.created 1 one"], rig.Attempted());
        Assert.Empty(rig.Received());

        rig.Clock.Advance(deadline);   // the retry would come after the deadline: the event is given up
        await rig.WaitForEventsAsync(2);
        await rig.WaitIdleAsync();

        Assert.Equal(["conversation.dropped 1 TIMEOUT", "answer.processing 2"], rig.Received());
        Assert.Equal(dropped, rig.Customer.Events.First().Body);
        Assert.Equal("expired", rig.Status(rows[0].Id));
        Assert.Equal("cancelled", rig.Status(rows[1].Id));
        Assert.Equal("delivered", rig.Status(later[0].Id));
        Assert.DoesNotContain("answer.created 1 two", rig.Attempted());
    }

    static long NotBefore(DispatcherRig rig, long id) => Scalar(rig, "SELECT not_before FROM deliveries WHERE id = @id", id);

    static long Attempts(DispatcherRig rig, long id) => Scalar(rig, "SELECT attempts FROM deliveries WHERE id = @id", id);

    static long Scalar(DispatcherRig rig, string sql, long id)
    {
        using var connection = rig.Database.Open();
        using var command = connection.Sql(sql).With("@id", id);
        return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
    }
}
