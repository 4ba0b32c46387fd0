using System.ClientModel;
using System.ClientModel.Primitives;
using System.Net;
using DumGum.Replies.Models;
using DumGum.Tests.Infrastructure;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace DumGum.Tests.Replies;

/// <summary>The middleware of the model pipeline (retries, token budget) and the OpenAI router against the fake server.</summary>
public sealed class ModelPipelineTests
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Fails with the given exceptions, then answers "ok" with 120 tokens of usage.</summary>
    static FakeChatClient Flaky(params Exception[] failures)
    {
        var client = new FakeChatClient(_ => FakeChatClient.Text("ok", new UsageDetails { InputTokenCount = 100, OutputTokenCount = 20, TotalTokenCount = 120 }));
        foreach (var failure in failures) client.Throw(failure);
        return client;
    }

    static RetryingChatClient Retrying(IChatClient inner, int maxRetries = 2) =>
        new(inner, maxRetries, TimeSpan.FromMilliseconds(1), TimeProvider.System, NullLogger.Instance);

    static ClientResultException Status(int status) => new($"HTTP {status}", new FakeResponse(status));

    sealed class FakeResponse(int status) : PipelineResponse
    {
        public override int Status => status;
        public override string ReasonPhrase => "";
        public override Stream? ContentStream { get; set; }
        public override BinaryData Content => BinaryData.FromString("");
        protected override PipelineResponseHeaders HeadersCore { get; } = new NoHeaders();
        public override BinaryData BufferContent(CancellationToken cancellationToken = default) => Content;
        public override ValueTask<BinaryData> BufferContentAsync(CancellationToken cancellationToken = default) => new(Content);
        public override void Dispose() { }
    }

    sealed class NoHeaders : PipelineResponseHeaders
    {
        public override bool TryGetValue(string name, out string? value) { value = null; return false; }
        public override bool TryGetValues(string name, out IEnumerable<string>? values) { values = null; return false; }
        public override IEnumerator<KeyValuePair<string, string>> GetEnumerator() => Enumerable.Empty<KeyValuePair<string, string>>().GetEnumerator();
    }

    [Theory]
    [InlineData(429, true)]
    [InlineData(500, true)]
    [InlineData(502, true)]
    [InlineData(503, true)]
    [InlineData(408, true)]
    [InlineData(400, false)]
    [InlineData(401, false)]
    [InlineData(404, false)]
    [InlineData(422, false)]
    public void Transient_statuses_are_retried_and_client_errors_are_not(int status, bool transient)
    {
        Assert.Equal(transient, RetryingChatClient.IsTransient(Status(status)));
        Assert.Equal(transient, RetryingChatClient.IsTransient(new HttpRequestException("x", null, (HttpStatusCode)status)));
    }

    [Fact]
    public void Network_errors_and_timeouts_are_transient_and_programming_errors_are_not()
    {
        Assert.True(RetryingChatClient.IsTransient(new HttpRequestException("connection refused")));
        Assert.True(RetryingChatClient.IsTransient(new TaskCanceledException("timeout")));
        Assert.True(RetryingChatClient.IsTransient(new IOException("reset")));
        Assert.False(RetryingChatClient.IsTransient(new InvalidOperationException()));
        Assert.False(RetryingChatClient.IsTransient(new TokenBudgetExceededException("p", 10, 5)));
    }

    [Fact]
    public void Delays_double_with_jitter_are_capped_and_yield_to_a_longer_Retry_After()
    {
        var b = TimeSpan.FromMilliseconds(500);
        Assert.Equal(TimeSpan.FromMilliseconds(250), RetryingChatClient.Delay(0, b, null, 0));
        Assert.Equal(TimeSpan.FromMilliseconds(500), RetryingChatClient.Delay(0, b, null, 1));
        Assert.Equal(TimeSpan.FromMilliseconds(2000), RetryingChatClient.Delay(2, b, null, 1));
        Assert.Equal(TimeSpan.FromSeconds(8), RetryingChatClient.Delay(10, b, null, 1));
        Assert.Equal(TimeSpan.FromSeconds(3), RetryingChatClient.Delay(0, b, TimeSpan.FromSeconds(3), 1));
        Assert.Equal(TimeSpan.FromSeconds(30), RetryingChatClient.Delay(0, b, TimeSpan.FromHours(1), 1));
        Assert.Equal(TimeSpan.FromMilliseconds(500), RetryingChatClient.Delay(0, b, TimeSpan.FromMilliseconds(10), 1));
    }

    [Fact]
    public async Task Transient_failures_are_retried_until_success()
    {
        var inner = Flaky(Status(503), new HttpRequestException("refused"));
        var response = await Retrying(inner).GetResponseAsync([new ChatMessage(ChatRole.User, "hi")], null, Ct);
        Assert.Equal("ok", response.Text);
        Assert.Equal(3, inner.CallCount);
    }

    [Fact]
    public async Task Exhausted_retries_end_in_ModelUnavailableException_with_the_last_error()
    {
        var inner = Flaky(Status(503), Status(503), Status(502));
        var ex = await Assert.ThrowsAsync<ModelUnavailableException>(() => Retrying(inner).GetResponseAsync([new ChatMessage(ChatRole.User, "hi")], null, Ct));
        Assert.Equal(3, inner.CallCount);
        Assert.Equal(502, Assert.IsType<ClientResultException>(ex.InnerException).Status);
        Assert.IsAssignableFrom<GenerationFailedException>(ex);
    }

    [Fact]
    public async Task Client_errors_and_the_callers_cancellation_are_not_retried()
    {
        var inner = Flaky(Status(401));
        var unauthorized = await Assert.ThrowsAsync<ClientResultException>(() => Retrying(inner).GetResponseAsync([new ChatMessage(ChatRole.User, "hi")], null, Ct));
        Assert.Equal(401, unauthorized.Status);
        Assert.Equal(1, inner.CallCount);

        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        var quiet = Flaky();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Retrying(quiet).GetResponseAsync([new ChatMessage(ChatRole.User, "hi")], null, cancelled.Token));
        Assert.Equal(1, quiet.CallCount);
    }

    [Fact]
    public async Task Streaming_calls_are_retried_before_the_first_update()
    {
        var inner = Flaky(Status(500));
        var updates = new List<ChatResponseUpdate>();
        await foreach (var u in Retrying(inner).GetStreamingResponseAsync([new ChatMessage(ChatRole.User, "hi")], null, Ct)) updates.Add(u);
        Assert.Equal("ok", updates.ToChatResponse().Text);
        Assert.Equal(2, inner.CallCount);
    }

    static ChatOptions ForProject(string project) => new() { AdditionalProperties = new() { [TokenBudgetChatClient.ProjectIdKey] = project } };

    [Fact]
    public async Task The_token_budget_books_usage_per_project_and_refuses_once_spent_until_the_next_UTC_day()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2025, 3, 1, 23, 0, 0, TimeSpan.Zero));
        var budget = new TokenBudget(clock);
        var inner = Flaky();
        var client = new TokenBudgetChatClient(inner, budget, dailyTokensPerProject: 200);

        await client.GetResponseAsync([], ForProject("p1"), Ct);
        await client.GetResponseAsync([], ForProject("p1"), Ct);   // 120 used: still under 200
        Assert.Equal(240, budget.Used("p1"));
        var ex = await Assert.ThrowsAsync<TokenBudgetExceededException>(() => client.GetResponseAsync([], ForProject("p1"), Ct));
        Assert.Equal("p1", ex.ProjectId);
        Assert.Equal(240, ex.Used);
        Assert.Equal(2, inner.CallCount);

        await client.GetResponseAsync([], ForProject("p2"), Ct);   // other projects are not affected
        await client.GetResponseAsync([], null, Ct);               // calls without a project are neither checked nor booked

        clock.Advance(TimeSpan.FromHours(1));
        Assert.Equal(0, budget.Used("p1"));
        await client.GetResponseAsync([], ForProject("p1"), Ct);
        Assert.Equal(120, budget.Used("p1"));
    }

    [Fact]
    public async Task Streaming_usage_is_booked_and_a_zero_budget_is_unlimited()
    {
        var budget = new TokenBudget(TimeProvider.System);
        var client = new TokenBudgetChatClient(Flaky(), budget, dailyTokensPerProject: 0);
        for (var i = 0; i < 3; i++)
            await foreach (var _ in client.GetStreamingResponseAsync([], ForProject("p"), Ct)) { }
        Assert.Equal(360, budget.Used("p"));
    }

    static OpenAIModelRouter Router(FakeModelServer server, TimeSpan? timeout = null)
    {
        var options = new GenerationOptions { Provider = GenerationProvider.OpenAI, Endpoint = server.Endpoint, RequestTimeout = timeout ?? TimeSpan.FromSeconds(10) };
        options.Models["dating-smart-1"] = new ChatModelOptions { BackendModel = "backend-default" };
        GenerationOptions.ApplyDefaults(options);
        return new OpenAIModelRouter(options, NullLogger<OpenAIModelRouter>.Instance);
    }

    [Fact]
    public async Task The_router_sends_each_call_to_its_backend_model_and_reports_usage()
    {
        await using var server = await FakeModelServer.StartAsync();
        server.Enqueue(new ModelReply("one", PromptTokens: 11, CompletionTokens: 3), new ModelReply("two", PromptTokens: 12, CompletionTokens: 4));
        using var router = Router(server);

        var a = await router.GetResponseAsync([new ChatMessage(ChatRole.User, "hi")], new ChatOptions { ModelId = "model-a" }, Ct);
        var b = await router.GetResponseAsync([new ChatMessage(ChatRole.User, "hi")], new ChatOptions { ModelId = "model-b" }, Ct);

        Assert.Equal(("one", 11L, 3L), (a.Text, a.Usage!.InputTokenCount!.Value, a.Usage.OutputTokenCount!.Value));
        Assert.Equal("two", b.Text);
        Assert.Equal(["model-a", "model-b"], server.Requests.Select(r => r.Model));
        Assert.Equal("Bearer " + OpenAIModelRouter.PlaceholderApiKey, server.Requests.First().Headers["Authorization"]);
        await router.GetResponseAsync([new ChatMessage(ChatRole.User, "hi")], null, Ct);
        Assert.Equal("backend-default", server.Requests.Last().Model);   // no ModelId: the default chatModel's backend
        Assert.Equal("openai", router.GetService<ChatClientMetadata>()!.ProviderName);
    }

    [Fact]
    public async Task The_router_streams()
    {
        await using var server = await FakeModelServer.StartAsync();
        server.Enqueue(new ModelReply("a streamed reply that is longer than one chunk", PromptTokens: 40, CompletionTokens: 9));
        using var router = Router(server);

        var updates = new List<ChatResponseUpdate>();
        await foreach (var u in router.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, "hi")], new ChatOptions { ModelId = "m" }, Ct))
            updates.Add(u);

        var response = updates.ToChatResponse();
        Assert.Equal("a streamed reply that is longer than one chunk", response.Text);
        Assert.True(Assert.Single(server.Requests).Stream);
    }

    [Fact]
    public async Task A_model_call_that_exceeds_the_request_timeout_is_retried()
    {
        await using var server = await FakeModelServer.StartAsync();
        // The first reply never comes before the client gives up (the wait ends when the request is aborted); the
        // timeout leaves the retry, on warm code, ample time even on a loaded machine.
        server.Enqueue(new ModelReply("slow", Delay: TimeSpan.FromMinutes(5)), new ModelReply("fast"));
        using var router = Router(server, TimeSpan.FromSeconds(2));

        var response = await Retrying(router).GetResponseAsync([new ChatMessage(ChatRole.User, "hi")], new ChatOptions { ModelId = "m" }, Ct);

        Assert.Equal("fast", response.Text);
        Assert.Equal(2, server.Requests.Count);
    }

    [Fact]
    public async Task Legacy_max_tokens_replace_max_completion_tokens_on_the_wire()
    {
        await using var server = await FakeModelServer.StartAsync();
        using var router = Router(server);
        var options = new ChatOptions { ModelId = "m", MaxOutputTokens = 77 };
        OpenAIModelRouter.UseLegacyMaxTokens(options, 77);

        await router.GetResponseAsync([new ChatMessage(ChatRole.User, "hi")], options, Ct);

        var body = Assert.Single(server.Requests).Body;
        Assert.Equal(77, (int?)body["max_tokens"]);
        Assert.Null(body["max_completion_tokens"]);
    }
}
