using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Text.Json;
using DumGum.Replies.Offline;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;

namespace DumGum.Replies;

/// <summary>
/// The built-in reply engine: a deterministic, classic dialogue engine (no model) that writes the persona's reply from
/// the <see cref="ReplyContext"/> in <c>ChatOptions.AdditionalProperties</c>; the prompt messages are ignored, since
/// everything it needs is in the context. It reads what the user's newest messages ask, answers from the persona's
/// profile and never quotes the user (<see cref="DialogueEngine"/>; docs/offline-engine.md). The same context always
/// gives the same text, so retries and tests are stable. Output is plain text, or the answer format
/// (<see cref="ReplyFormat"/>) when the reply is split or shares a picture.
/// </summary>
public sealed class OfflineChatClient(ILogger<OfflineChatClient>? logger = null) : IChatClient
{
    public const string ModelId = "dumgum-offline-1";
    const int EchoMaxLength = 40;

    static readonly ChatClientMetadata Metadata = new("dumgum-offline", null, ModelId);
    static readonly JsonSerializerOptions OutputJson = new(JsonSerializerDefaults.Web)
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };
    readonly ConcurrentDictionary<string, byte> _fallbacksLogged = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Whether the engine writes <paramref name="language"/> (or its base language) natively.</summary>
    public static bool HasNativePhrases(string language) => OfflineData.For(language) is not null;

    /// <summary>The base codes of the languages the engine writes, one per data file.</summary>
    public static IReadOnlyList<string> Languages => [.. OfflineData.Packs.Keys.Order(StringComparer.Ordinal)];

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var context = ContextFrom(options);
        var reply = Write(context);
        return Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, Output(reply)))
        {
            ModelId = ModelId,
            FinishReason = ChatFinishReason.Stop,
            CreatedAt = context.Now,
            Usage = Usage(context, reply.Text),
        });
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages,
        ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var response = await GetResponseAsync(messages, options, cancellationToken);
        // Usage rides along as content so ToChatResponseAsync() rebuilds the same response as the non-streaming call.
        yield return new ChatResponseUpdate(ChatRole.Assistant, [new TextContent(response.Text), new UsageContent(response.Usage!)])
        {
            ModelId = ModelId,
            FinishReason = ChatFinishReason.Stop,
            CreatedAt = response.CreatedAt,
        };
    }

    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceKey is not null) return null;
        if (serviceType == typeof(ChatClientMetadata)) return Metadata;
        return serviceType.IsInstanceOfType(this) ? this : null;
    }

    public void Dispose() { }

    static ReplyContext ContextFrom(ChatOptions? options) =>
        options?.AdditionalProperties?.TryGetValue(ReplyContext.OptionsKey, out var value) == true && value is ReplyContext context
            ? context
            : throw new InvalidOperationException(
                $"The offline reply engine needs a {nameof(ReplyContext)} in ChatOptions.AdditionalProperties[\"{ReplyContext.OptionsKey}\"].");

    internal string Compose(ReplyContext context) => Write(context).Text;

    /// <summary>The reply in the context's language; languages without a data file get English, logged once each.</summary>
    internal OfflineReply Write(ReplyContext context)
    {
        var pack = OfflineData.For(context.Language);
        if (pack is null)
        {
            pack = OfflineData.For("EN")!;
            if (_fallbacksLogged.TryAdd(context.Language ?? "", 0))
                logger?.LogInformation("offline engine has no phrases for {Language}; replying in English", context.Language);
        }
        return DialogueEngine.Compose(context, pack);
    }

    /// <summary>Plain text for one part; the answer format when the reply is split or shares a picture.</summary>
    static string Output(OfflineReply reply) =>
        reply.Parts.Count == 1 && reply.PictureId is null
            ? reply.Parts[0]
            : JsonSerializer.Serialize(new OutputFormat(reply.Parts, reply.PictureId), OutputJson);

    sealed record OutputFormat(IReadOnlyList<string> Parts, string? PictureId);

    /// <summary>
    /// The start of a text, at most 40 characters, cut at a word boundary and stripped of trailing punctuation; null when
    /// there is nothing quotable (no text, or one huge word). The offline suggestions quote the persona's last message
    /// with it; the reply engine never quotes the user.
    /// </summary>
    internal static string? Fragment(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        var flat = string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        var cut = false;
        if (flat.Length > EchoMaxLength)
        {
            // One character is kept for the ellipsis; the space after the last whole word is where we cut.
            var space = flat.LastIndexOf(' ', EchoMaxLength - 1);
            if (space <= 0) return null;
            flat = flat[..space];
            cut = true;
        }
        flat = flat.TrimEnd(' ', '?', '!', '.', ',', ';', ':', '…', '-', '—');
        if (flat.Length == 0) return null;
        return cut ? flat + "…" : flat;
    }

    static UsageDetails Usage(ReplyContext context, string reply)
    {
        long input = Words(context.Persona.Description) + Words(context.Persona.Personality) + Words(context.User.Description);
        foreach (var m in context.History) input += Words(m.Text) + m.PictureUrls.Count + m.Gifts.Count;
        long output = Words(reply);
        return new UsageDetails { InputTokenCount = input, OutputTokenCount = output, TotalTokenCount = input + output };
    }

    static int Words(string? text) =>
        text is null ? 0 : text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Length;
}
