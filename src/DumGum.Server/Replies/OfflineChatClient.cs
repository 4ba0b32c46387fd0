using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using DumGum.Customers;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;

namespace DumGum.Replies;

/// <summary>
/// The built-in reply engine: writes a short, persona-aware chat reply from the <see cref="ReplyContext"/> in
/// <c>ChatOptions.AdditionalProperties</c>, without any model. The prompt messages are ignored, since everything it
/// needs is in the context. Deterministic: the same context always gives the same text, so retries and tests are stable.
/// </summary>
public sealed class OfflineChatClient(ILogger<OfflineChatClient>? logger = null) : IChatClient
{
    public const string ModelId = "dumgum-offline-1";
    const int EchoMaxLength = 40;

    static readonly ChatClientMetadata Metadata = new("dumgum-offline", null, ModelId);
    readonly ConcurrentDictionary<string, byte> _fallbacksLogged = new(StringComparer.OrdinalIgnoreCase);

    public static bool HasNativePhrases(string language) => OfflinePhrases.For(language) is not null;

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var context = ContextFrom(options);
        var parts = ComposeParts(context);
        var text = string.Join(" ", parts);
        // A split reply goes out in the answer format the parser reads for models: one message per sentence.
        var output = Splits(context) ? JsonSerializer.Serialize(new { parts }) : text;
        return Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, output))
        {
            ModelId = ModelId,
            FinishReason = ChatFinishReason.Stop,
            CreatedAt = context.Now,
            Usage = Usage(context, text),
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

    /// <summary>
    /// Split only when a split was drawn and long messages were asked for: its two sentences read as one short message
    /// otherwise, and clients that asked for splits without a length keep the single message they always got.
    /// </summary>
    internal static bool Splits(ReplyContext context) =>
        context.SplitReply && string.Equals(context.Parameters.MessageLength, "LONG", StringComparison.Ordinal);

    internal string Compose(ReplyContext context) => string.Join(" ", ComposeParts(context));

    /// <summary>The reply's two sentences: the greeting or reaction, then the icebreaker or the time-of-day remark.</summary>
    internal IReadOnlyList<string> ComposeParts(ReplyContext context)
    {
        var phrases = OfflinePhrases.For(context.Language);
        if (phrases is null)
        {
            phrases = OfflinePhrases.English;
            if (_fallbacksLogged.TryAdd(context.Language ?? "", 0))
                logger?.LogInformation("offline engine has no phrases for {Language}; replying in English", context.Language);
        }

        var last = LastUserMessage(context.History);
        var seed = Seed(context, last);
        var part = TimeOfDay(context.Now, context.Persona.ResolveTimeZone());
        if (last is null)
            return [Fill(Pick(phrases.Greeting[part], seed, 1), context, null, null), Fill(Pick(phrases.Icebreaker, seed, 2), context, null, null)];

        var echo = Fragment(last.Text);
        var gift = last.Gifts.Select(g => g.Name?.Trim()).FirstOrDefault(n => !string.IsNullOrEmpty(n));
        // Echo only about half the time: quoting the user on every message reads like a bot.
        var useEcho = echo is not null && (seed & 1) == 0;
        var body = Classify(last) switch
        {
            ReplyKind.Gift => gift is null ? phrases.GiftUnnamed : phrases.Gift,
            ReplyKind.Picture => phrases.Picture,
            ReplyKind.Sticker => phrases.Sticker,
            ReplyKind.Poke => phrases.Poke,
            ReplyKind.Question => useEcho ? phrases.QuestionEcho : phrases.Question,
            _ => useEcho ? phrases.TextEcho : phrases.Text,
        };
        return [Fill(Pick(body, seed, 3), context, gift, echo), Fill(Pick(phrases.TimeRemark[part], seed, 4), context, gift, echo)];
    }

    /// <summary>Precedence when one message carries several things: gift > picture > sticker > poke > question > text.</summary>
    internal static ReplyKind Classify(HistoryMessage message)
    {
        if (message.Gifts.Count > 0) return ReplyKind.Gift;
        if (message.PictureUrls.Count > 0) return ReplyKind.Picture;
        if (message.Sticker is not null) return ReplyKind.Sticker;
        if (message.Poke) return ReplyKind.Poke;
        if (message.Text?.Contains('?', StringComparison.Ordinal) == true) return ReplyKind.Question;
        return ReplyKind.Text;
    }

    internal static DayPart TimeOfDay(DateTimeOffset now, TimeZoneInfo zone) =>
        TimeZoneInfo.ConvertTime(now, zone).Hour switch
        {
            >= 5 and <= 11 => DayPart.Morning,
            >= 12 and <= 17 => DayPart.Afternoon,
            >= 18 and <= 22 => DayPart.Evening,
            _ => DayPart.Night,
        };

    /// <summary>
    /// The start of the user's text, at most 40 characters, cut at a word boundary and stripped of the trailing
    /// punctuation the templates supply themselves; null when there is nothing quotable (no text, or one huge word).
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

    /// <summary>The newest message the user sent; history is date-ordered, but ties and stray orderings keep the later one.</summary>
    static HistoryMessage? LastUserMessage(IReadOnlyList<HistoryMessage> history)
    {
        HistoryMessage? last = null;
        foreach (var m in history)
            if (m.Sender == Sender.User && (last is null || m.Date >= last.Date)) last = m;
        return last;
    }

    /// <summary>FNV-1a (64-bit) over the conversation's identity; string.GetHashCode is randomized per process.</summary>
    static ulong Seed(ReplyContext context, HistoryMessage? last)
    {
        var hash = 0xcbf29ce484222325UL;
        foreach (var part in new[] { context.Persona.Id, context.User.Id, last?.Id, last?.Text })
        {
            foreach (var c in part ?? "")
            {
                hash = unchecked((hash ^ (byte)c) * 0x100000001b3UL);
                hash = unchecked((hash ^ (byte)(c >> 8)) * 0x100000001b3UL);
            }
            hash = unchecked((hash ^ 0x1f) * 0x100000001b3UL);
        }
        return hash;
    }

    /// <summary>Each choice gets its own salt (and a splitmix64 finalizer), so the picks do not move in lockstep.</summary>
    static string Pick(IReadOnlyList<string> options, ulong seed, int salt)
    {
        var x = unchecked(seed + (ulong)salt * 0x9E3779B97F4A7C15UL);
        x = unchecked((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL);
        x = unchecked((x ^ (x >> 27)) * 0x94D049BB133111EBUL);
        x ^= x >> 31;
        return options[(int)(x % (ulong)options.Count)];
    }

    /// <summary>One pass over the template, so a name or quoted text that happens to contain "{me}" stays literal.</summary>
    static string Fill(string template, ReplyContext context, string? gift, string? echo)
    {
        var sb = new StringBuilder(template.Length + 32);
        for (var i = 0; i < template.Length; i++)
        {
            var close = template[i] == '{' ? template.IndexOf('}', i) : -1;
            string? value = close < 0 ? null : template[(i + 1)..close] switch
            {
                "me" => context.Persona.DisplayName.Trim(),
                "user" => context.User.DisplayName.Trim(),
                "gift" => gift,
                "echo" => echo,
                _ => null,
            };
            if (value is null) { sb.Append(template[i]); continue; }
            sb.Append(value);
            i = close;
        }
        return sb.ToString();
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
