using DumGum.Storage;
using System.Net;
using DumGum.Customers;
using DumGum.Replies;
using DumGum.Tests.Infrastructure;
using DumGum.Webhooks;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace DumGum.Tests.Pipeline;

/// <summary>docs/behaviour.md, "The enqueue flow": an enqueue arriving while a run is generating cancels it; the run restarts with fresh history.</summary>
public abstract class RestartOnNewerEnqueueTests(StorageProvider provider) : StorageSuite(provider)
{
    const string User = "u-restart", Persona = "p-restart";

    /// <summary>
    /// A model whose first call is held until the test releases it (honouring cancellation); every reply quotes the
    /// newest user message it saw.
    /// </summary>
    static FakeChatClient HeldFirstCall(Task release) =>
        new FakeChatClient(call => FakeChatClient.Text(
            "You said: " + (call.Context!.History.LastOrDefault(m => m.Sender == Sender.User)?.Text ?? "(nothing)"))).Hold(release);

    [Fact]
    public async Task A_newer_enqueue_during_generation_restarts_the_run_and_the_single_answer_sees_the_newer_message()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var model = HeldFirstCall(release.Task);
        await using var customer = await FakeCustomer.StartAsync();
        await using var host = StartHost(services: s => s.AddSingleton<IChatClient>(model));
        var project = await host.CreateProjectAsync(customer);
        customer.Profiles[User] = FakeCustomer.Profile(User, "Tomas");
        customer.Profiles[Persona] = FakeCustomer.Profile(Persona, "Marta");
        customer.AddUserText(User, Persona, "first message alpha");
        var body = new { userProfileId = User, personaProfileId = Persona, language = "EN", replyParameters = new { bufferSeconds = "0" } };

        using (var response = await host.EnqueueAsync(project.Key, body))
            Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        await model.FirstCall.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        customer.AddUserText(User, Persona, "second message omega");
        using (var response = await host.EnqueueAsync(project.Key, body))
            Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);

        var created = (await customer.WaitForEventAsync(Events.AnswerCreated))[0];
        var text = (string?)created.Data["answer"]!["text"];
        Assert.Contains("second message omega", text, StringComparison.Ordinal);

        // Let the first generation finish, should it still be running, and wait until the server has nothing left to
        // do: still one answer.
        release.SetResult();
        await host.WaitQuietAsync();
        Assert.Single(customer.Events, e => e.Event == Events.AnswerCreated);
        Assert.DoesNotContain(customer.Events, e => e.Event == Events.ConversationDropped);
        Assert.Equal(1, model.Cancelled);
        Assert.Equal(2, model.CallCount);
        Assert.Equal(2, customer.CallCount("/history"));
    }
}

public sealed class RestartOnNewerEnqueueTestsOnSqlite() : RestartOnNewerEnqueueTests(StorageProvider.Sqlite);

public sealed class RestartOnNewerEnqueueTestsOnPostgres() : RestartOnNewerEnqueueTests(StorageProvider.Postgres);
