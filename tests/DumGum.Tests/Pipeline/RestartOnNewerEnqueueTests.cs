using DumGum.Storage;
using System.Net;
using System.Runtime.CompilerServices;
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
    /// A model whose first call takes ~2 s (honouring cancellation); every reply quotes the newest user message it saw.
    /// </summary>
    sealed class SlowFirstCallChatClient : IChatClient
    {
        int calls;
        public int Calls => Volatile.Read(ref calls);
        int cancelled;
        public int Cancelled => Volatile.Read(ref cancelled);
        public TaskCompletionSource FirstCallStarted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
            CancellationToken cancellationToken = default)
        {
            var context = (ReplyContext)options!.AdditionalProperties![ReplyContext.OptionsKey]!;
            if (Interlocked.Increment(ref calls) == 1)
            {
                FirstCallStarted.TrySetResult();
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    Interlocked.Increment(ref cancelled);
                    throw;
                }
            }
            var newest = context.History.LastOrDefault(m => m.Sender == Sender.User)?.Text ?? "(nothing)";
            return new ChatResponse(new ChatMessage(ChatRole.Assistant, "You said: " + newest));
        }

        public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages,
            ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            var response = await GetResponseAsync(messages, options, cancellationToken);
            yield return new ChatResponseUpdate(ChatRole.Assistant, response.Text);
        }

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose() { }
    }

    [Fact]
    public async Task A_newer_enqueue_during_generation_restarts_the_run_and_the_single_answer_sees_the_newer_message()
    {
        var model = new SlowFirstCallChatClient();
        await using var customer = await FakeCustomer.StartAsync();
        await using var host = StartHost(services: s => s.AddSingleton<IChatClient>(model));
        var project = await host.CreateProjectAsync(customer);
        customer.Profiles[User] = FakeCustomer.Profile(User, "Tomas");
        customer.Profiles[Persona] = FakeCustomer.Profile(Persona, "Marta");
        customer.AddUserText(User, Persona, "first message alpha");
        var body = new { userProfileId = User, personaProfileId = Persona, language = "EN", replyParameters = new { bufferSeconds = "0" } };

        using (var response = await host.EnqueueAsync(project.Key, body))
            Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        await model.FirstCallStarted.Task.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        var generationStarted = DateTimeOffset.UtcNow;

        customer.AddUserText(User, Persona, "second message omega");
        using (var response = await host.EnqueueAsync(project.Key, body))
            Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);

        var created = (await customer.WaitForEventAsync(Events.AnswerCreated))[0];
        var text = (string?)created.Data["answer"]!["text"];
        Assert.Contains("second message omega", text, StringComparison.Ordinal);

        // Past the point where the first (cancelled) generation would have finished, plus a margin: still one answer.
        var quietUntil = generationStarted + TimeSpan.FromSeconds(3);
        if (quietUntil > DateTimeOffset.UtcNow) await Task.Delay(quietUntil - DateTimeOffset.UtcNow, TestContext.Current.CancellationToken);
        Assert.Single(customer.Events, e => e.Event == Events.AnswerCreated);
        Assert.DoesNotContain(customer.Events, e => e.Event == Events.ConversationDropped);
        Assert.Equal(1, model.Cancelled);
        Assert.Equal(2, model.Calls);
        Assert.Equal(2, customer.CallCount("/history"));
    }
}

public sealed class RestartOnNewerEnqueueTestsOnSqlite() : RestartOnNewerEnqueueTests(StorageProvider.Sqlite);

public sealed class RestartOnNewerEnqueueTestsOnPostgres() : RestartOnNewerEnqueueTests(StorageProvider.Postgres);
