using System.ClientModel;
using System.ClientModel.Primitives;
using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
using OpenAI;
using OpenAI.Chat;
using ChatMessage = Microsoft.Extensions.AI.ChatMessage;

namespace DumGum.Replies.Models;

/// <summary>
/// The OpenAI-compatible provider: one <see cref="OpenAIClient"/> (one HTTP pipeline and connection pool for the
/// endpoint) and, per backend model, the SDK's model-bound chat client, chosen per call by <see cref="ChatOptions.ModelId"/>
/// (without one: the backend of the default <c>chatModel</c>, <c>dating-smart-1</c>).
/// </summary>
/// <remarks>
/// A router rather than a pipeline per model: the OpenAI SDK binds the request's <c>model</c> to its <c>ChatClient</c>,
/// so honouring <see cref="ChatOptions.ModelId"/> that way is explicit instead of depending on how a given version of the
/// adapter treats it; the middleware (telemetry, logging, retries, budget) sits once above the router, so every model
/// gets the same treatment; and a model added to configuration needs no new registration. The router also remembers a
/// backend that rejected <c>response_format</c> and stops sending it (the parser's plain-text fallback takes over).
/// </remarks>
public sealed class OpenAIModelRouter : IChatClient
{
    /// <summary>Sent as the bearer key when none is configured (local servers ignore it).</summary>
    public const string PlaceholderApiKey = "no-key";

    readonly OpenAIClient client;
    readonly ConcurrentDictionary<string, IChatClient> clients = new(StringComparer.Ordinal);
    readonly ConcurrentDictionary<string, byte> withoutJsonMode = new(StringComparer.Ordinal);
    readonly ChatClientMetadata metadata;
    readonly string defaultModel;
    readonly ILogger logger;

    public OpenAIModelRouter(GenerationOptions options, ILogger<OpenAIModelRouter> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        var endpoint = new Uri(options.Endpoint ?? throw new ArgumentException("Generation:Endpoint is not set", nameof(options)));
        client = new OpenAIClient(new ApiKeyCredential(string.IsNullOrWhiteSpace(options.ApiKey) ? PlaceholderApiKey : options.ApiKey),
            new OpenAIClientOptions
            {
                Endpoint = endpoint,
                NetworkTimeout = options.RequestTimeout,
                // Retries are ours (RetryingChatClient: bounded, jittered, visible in telemetry); the SDK's would multiply them.
                RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
                UserAgentApplicationId = "dumgum",
            });
        // Callers that name no model (e.g. the SoulEngine) get the default chatModel's backend.
        defaultModel = options.Models.TryGetValue(GenerationOptions.BuiltInModels[0], out var m) && !string.IsNullOrWhiteSpace(m.BackendModel)
            ? m.BackendModel
            : options.Models.Values.Select(x => x.BackendModel).FirstOrDefault(b => !string.IsNullOrWhiteSpace(b)) ?? GenerationOptions.BuiltInModels[0];
        metadata = new ChatClientMetadata("openai", endpoint, defaultModel);
        this.logger = logger;
    }

    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        var model = ModelOf(options);
        var (inner, effective) = Prepare(model, options);
        try
        {
            return await inner.GetResponseAsync(messages, effective, cancellationToken);
        }
        catch (ClientResultException ex) when (RejectsJsonMode(ex, effective))
        {
            NoteWithoutJsonMode(model, ex);
            return await inner.GetResponseAsync(messages, WithoutJsonMode(effective!), cancellationToken);
        }
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages,
        ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var (inner, effective) = Prepare(ModelOf(options), options);
        await foreach (var update in inner.GetStreamingResponseAsync(messages, effective, cancellationToken))
            yield return update;
    }

    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceKey is not null) return null;
        if (serviceType == typeof(ChatClientMetadata)) return metadata;
        if (serviceType == typeof(OpenAIClient)) return client;
        return serviceType.IsInstanceOfType(this) ? this : null;
    }

    public void Dispose()
    {
        foreach (var c in clients.Values) c.Dispose();
        clients.Clear();
    }

    string ModelOf(ChatOptions? options) => options?.ModelId is { Length: > 0 } model ? model : defaultModel;

    (IChatClient Client, ChatOptions? Options) Prepare(string model, ChatOptions? options)
    {
        var inner = clients.GetOrAdd(model, m => client.GetChatClient(m).AsIChatClient());
        return (inner, withoutJsonMode.ContainsKey(model) && options?.ResponseFormat is ChatResponseFormatJson ? WithoutJsonMode(options) : options);
    }

    /// <summary>A 400/422 that names <c>response_format</c>: the server has no JSON mode (or not this one).</summary>
    static bool RejectsJsonMode(ClientResultException ex, ChatOptions? options) =>
        options?.ResponseFormat is ChatResponseFormatJson
        && ex.Status is 400 or 422
        && ((ex.GetRawResponse()?.Content?.ToString() ?? "") + ex.Message).Contains("response_format", StringComparison.OrdinalIgnoreCase);

    void NoteWithoutJsonMode(string model, ClientResultException ex)
    {
        if (withoutJsonMode.TryAdd(model, 0))
            logger.LogWarning("Model server rejected response_format for {BackendModel} (HTTP {Status}); asking it for plain JSON text from now on",
                model, ex.Status);
    }

    static ChatOptions WithoutJsonMode(ChatOptions options)
    {
        var copy = options.Clone();
        copy.ResponseFormat = null;
        return copy;
    }

    /// <summary>
    /// Options that send the output cap as <c>max_tokens</c> (Ollama, older llama.cpp) instead of the adapter's
    /// <c>max_completion_tokens</c>.
    /// </summary>
    public static void UseLegacyMaxTokens(ChatOptions options, int maxTokens)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.MaxOutputTokens = null;
        options.RawRepresentationFactory = _ =>
        {
            var raw = new ChatCompletionOptions();
#pragma warning disable SCME0001 // JsonPatch is marked experimental; it is the SDK's documented way to add a body field.
            raw.Patch.Set("$.max_tokens"u8, maxTokens);
#pragma warning restore SCME0001
            return raw;
        };
    }
}
