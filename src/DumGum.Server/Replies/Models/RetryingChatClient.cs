using System.ClientModel;
using System.Runtime.CompilerServices;
using DumGum.Http;
using Microsoft.Extensions.AI;

namespace DumGum.Replies.Models;

/// <summary>
/// Bounded retries of a model call on transient errors: HTTP 408, 429 and 5xx (<see cref="ClientResultException"/>
/// with that status), network errors (<see cref="HttpRequestException"/>, <see cref="IOException"/>), and timeouts of the
/// call itself (a cancellation the caller did not ask for). The statuses, the <c>Retry-After</c> reading and the jittered
/// back-off are the shared <see cref="RetryPolicy"/> of every outbound call: base × 2ⁿ, capped at 8 s, jittered to 50-100 %
/// of that; a larger <c>Retry-After</c> (up to 30 s) wins. The caller's cancellation always ends the wait at once (the
/// run's deadline reaches this client only as that cancellation, so the cap on Retry-After stands in for the deadline
/// rule). When the retries run out, <see cref="ModelUnavailableException"/> carries the last error.
/// </summary>
public sealed class RetryingChatClient(IChatClient innerClient, int maxRetries, TimeSpan baseDelay, TimeProvider clock, ILogger logger)
    : DelegatingChatClient(innerClient)
{
    static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(8);
    static readonly TimeSpan MaxRetryAfter = TimeSpan.FromSeconds(30);

    /// <summary>The model calls' limits of the shared retry policy, for a configured first delay.</summary>
    public static RetryPolicy Policy(TimeSpan baseDelay) => new(baseDelay, MaxDelay, MaxRetryAfter);

    readonly RetryPolicy policy = Policy(baseDelay);

    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        // The messages may be a lazy sequence: materialise once so every attempt sends the same prompt.
        var prompt = messages as IList<ChatMessage> ?? messages.ToList();
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await base.GetResponseAsync(prompt, options, cancellationToken);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested && IsTransient(ex))
            {
                if (attempt >= maxRetries) throw Exhausted(ex, attempt + 1, options);
                await WaitAsync(ex, attempt, options, cancellationToken);
            }
        }
    }

    /// <summary>Streaming calls are retried only while nothing has been received yet; a stream that breaks later fails.</summary>
    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages,
        ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var prompt = messages as IList<ChatMessage> ?? messages.ToList();
        for (var attempt = 0; ; attempt++)
        {
            var enumerator = base.GetStreamingResponseAsync(prompt, options, cancellationToken).GetAsyncEnumerator(cancellationToken);
            ChatResponseUpdate? first = null;
            Exception? failure = null;
            try
            {
                if (await enumerator.MoveNextAsync()) first = enumerator.Current;
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested && IsTransient(ex))
            {
                failure = ex;
            }
            if (failure is not null)
            {
                await enumerator.DisposeAsync();
                if (attempt >= maxRetries) throw Exhausted(failure, attempt + 1, options);
                await WaitAsync(failure, attempt, options, cancellationToken);
                continue;
            }
            try
            {
                if (first is null) yield break;
                yield return first;
                while (await enumerator.MoveNextAsync()) yield return enumerator.Current;
                yield break;
            }
            finally
            {
                await enumerator.DisposeAsync();
            }
        }
    }

    /// <summary>Whether <paramref name="ex"/> is worth another attempt (the caller's own cancellation is filtered out before).</summary>
    public static bool IsTransient(Exception ex) => ex switch
    {
        // Status 0: no response at all, a network error.
        ClientResultException c => c.Status == 0 || RetryPolicy.IsRetryableStatus(c.Status),
        HttpRequestException h => h.StatusCode is null || RetryPolicy.IsRetryableStatus((int)h.StatusCode),
        TimeoutException or IOException => true,
        // A cancellation nobody asked for is the SDK's network timeout.
        OperationCanceledException => true,
        _ => false,
    };

    /// <summary>The delay before retry number <paramref name="attempt"/> + 1: 50-100 % of base × 2ⁿ (capped), or a larger Retry-After.</summary>
    public static TimeSpan Delay(int attempt, TimeSpan baseDelay, TimeSpan? retryAfter, double random) =>
        Policy(baseDelay).Delay(attempt, retryAfter, random);

    async Task WaitAsync(Exception ex, int attempt, ChatOptions? options, CancellationToken cancellationToken)
    {
        var delay = policy.Delay(attempt, RetryAfter(ex, clock.GetUtcNow()), Random.Shared.NextDouble());
        logger.LogWarning("Model call for {BackendModel} failed ({Error}); retry {Retry} of {MaxRetries} in {DelayMs} ms",
            options?.ModelId, Describe(ex), attempt + 1, maxRetries, (int)delay.TotalMilliseconds);
        if (delay > TimeSpan.Zero) await Task.Delay(delay, clock, cancellationToken);
    }

    static ModelUnavailableException Exhausted(Exception ex, int attempts, ChatOptions? options) =>
        new($"the model server failed {attempts} time(s) for {options?.ModelId}: {Describe(ex)}", ex);

    static string Describe(Exception ex) => ex switch
    {
        ClientResultException c => c.Status == 0 ? "no response" : $"HTTP {c.Status}",
        HttpRequestException h => h.StatusCode is { } s ? $"HTTP {(int)s}" : "network error: " + h.Message,
        OperationCanceledException or TimeoutException => "timed out",
        _ => ex.GetType().Name + ": " + ex.Message,
    };

    /// <summary>The model server's <c>Retry-After</c>, read by the shared parser; null without one.</summary>
    public static TimeSpan? RetryAfter(Exception ex, DateTimeOffset now) =>
        ex is ClientResultException c && c.GetRawResponse() is { } response && response.Headers.TryGetValue("Retry-After", out var value)
            ? RetryPolicy.ParseRetryAfter(value, now)
            : null;
}
