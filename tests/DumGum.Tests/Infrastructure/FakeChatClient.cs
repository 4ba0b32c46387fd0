using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using DumGum.Replies;
using Microsoft.Extensions.AI;

namespace DumGum.Tests.Infrastructure;

/// <summary>One call a <see cref="FakeChatClient"/> received.</summary>
public sealed record FakeChatCall(IReadOnlyList<ChatMessage> Messages, ChatOptions? Options)
{
    /// <summary>The run's or request's context, when the reply writer passed one in the options.</summary>
    public ReplyContext? Context =>
        Options?.AdditionalProperties is { } p && p.TryGetValue(ReplyContext.OptionsKey, out var c) ? c as ReplyContext : null;
}

/// <summary>
/// The model at the process edge: one configurable <see cref="IChatClient"/> for every test that needs a model in
/// process. Each call takes the next scripted step (an answer, a failure, a hold) or, when the script is empty, asks
/// <see cref="Responder"/>. Every call is recorded before anything else happens, so a test can count calls that failed
/// or were cancelled. A hold waits on a signal the test controls (or on the test's clock), never on real time.
/// </summary>
public sealed class FakeChatClient : IChatClient
{
    readonly ConcurrentQueue<Func<FakeChatCall, CancellationToken, Task<ChatResponse>>> script = new();
    readonly ConcurrentQueue<FakeChatCall> calls = new();
    readonly TaskCompletionSource firstCall = new(TaskCreationOptions.RunContinuationsAsynchronously);
    int cancelled;

    /// <param name="responder">Answers the calls the script does not cover (default: an empty answer).</param>
    public FakeChatClient(Func<FakeChatCall, ChatResponse>? responder = null) =>
        Responder = responder ?? (_ => Text(""));

    /// <summary>A client that gives <paramref name="text"/> to every call.</summary>
    public static FakeChatClient Answering(string text) => new(_ => Text(text));

    /// <summary>Answers the calls the script does not cover.</summary>
    public Func<FakeChatCall, ChatResponse> Responder { get; set; }

    /// <summary>The model id the answers say served them (default: none), from the call's options.</summary>
    public Func<ChatOptions?, string?> ServedModel { get; set; } = _ => null;

    /// <summary>Every call so far, oldest first.</summary>
    public IReadOnlyList<FakeChatCall> Calls => [.. calls];

    public int CallCount => calls.Count;

    /// <summary>Calls that ended because their cancellation token fired.</summary>
    public int Cancelled => Volatile.Read(ref cancelled);

    /// <summary>Completes when the first call arrives.</summary>
    public Task FirstCall => firstCall.Task;

    /// <summary>A plain answer.</summary>
    public static ChatResponse Text(string text, UsageDetails? usage = null) =>
        new(new ChatMessage(ChatRole.Assistant, text)) { Usage = usage };

    /// <summary>The next call answers <paramref name="text"/>, reporting <paramref name="usage"/>.</summary>
    public FakeChatClient Answer(string text, UsageDetails? usage = null) => Then((_, _) => Task.FromResult(Text(text, usage)));

    /// <summary>The next call answers whatever <paramref name="answer"/> gives for it.</summary>
    public FakeChatClient Answer(Func<FakeChatCall, ChatResponse> answer) => Then((call, _) => Task.FromResult(answer(call)));

    /// <summary>The next call fails with <paramref name="failure"/>.</summary>
    public FakeChatClient Throw(Exception failure) => Then((_, _) => Task.FromException<ChatResponse>(failure));

    /// <summary>
    /// The next call waits until <paramref name="release"/> completes, then answers from <see cref="Responder"/>; it
    /// ends early (cancelled) if its caller cancels.
    /// </summary>
    public FakeChatClient Hold(Task release) => Then(async (call, ct) =>
    {
        await release.WaitAsync(ct);
        return Responder(call);
    });

    /// <summary>The next call never answers: it waits until its caller cancels.</summary>
    public FakeChatClient Hang() => Hold(new TaskCompletionSource().Task);

    /// <summary>The next call takes <paramref name="delay"/> on <paramref name="clock"/> (honouring cancellation), then answers from <see cref="Responder"/>.</summary>
    public FakeChatClient Delay(TimeSpan delay, TimeProvider clock) => Then(async (call, ct) =>
    {
        await Task.Delay(delay, clock, ct);
        return Responder(call);
    });

    /// <summary>Forgets the script and the calls, then scripts <paramref name="answers"/>.</summary>
    public void Reset(params string[] answers)
    {
        script.Clear();
        calls.Clear();
        foreach (var a in answers) Answer(a);
    }

    FakeChatClient Then(Func<FakeChatCall, CancellationToken, Task<ChatResponse>> step)
    {
        script.Enqueue(step);
        return this;
    }

    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        var call = new FakeChatCall([.. messages], options);
        calls.Enqueue(call);
        firstCall.TrySetResult();
        try
        {
            cancellationToken.ThrowIfCancellationRequested();
            var response = script.TryDequeue(out var step) ? await step(call, cancellationToken) : Responder(call);
            response.ModelId ??= ServedModel(options);
            return response;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            Interlocked.Increment(ref cancelled);
            throw;
        }
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages,
        ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var response = await GetResponseAsync(messages, options, cancellationToken);
        List<AIContent> contents = [new TextContent(response.Text)];
        if (response.Usage is { } usage) contents.Add(new UsageContent(usage));
        yield return new ChatResponseUpdate(ChatRole.Assistant, contents) { ModelId = response.ModelId };
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is null && serviceType.IsInstanceOfType(this) ? this : null;

    public void Dispose() { }
}
