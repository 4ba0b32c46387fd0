using System.Collections.Concurrent;
using Microsoft.ML.Tokenizers;

namespace DumGum.Replies.Prompt;

/// <summary>
/// Counts tokens with a real tokenizer: tiktoken's <c>o200k_base</c> (the GPT-4o / gpt-oss vocabulary), via
/// Microsoft.ML.Tokenizers. Open models use other vocabularies, but o200k is a close estimate for modern BPE
/// tokenizers, which is what a budget needs. The vocabulary is loaded once per process (a few hundred milliseconds)
/// and shared; counting is thread-safe and uses the span API (no token list is built).
/// <para>
/// <see cref="Count(string)"/> remembers the counts of recent texts: a conversation's next prompt repeats the persona
/// and rules blocks and all but its newest messages, so steady-state prompt assembly only tokenizes what is new.
/// The memory is two generations of at most <c>cacheCapacity</c> texts each (the older generation is dropped when
/// the newer one is full), so it stays bounded; texts of more than <see cref="MaxCachedLength"/> characters are not kept.
/// </para>
/// </summary>
public sealed class TokenCounter
{
    /// <summary>Texts longer than this are counted every time rather than kept in memory.</summary>
    public const int MaxCachedLength = 16 * 1024;

    static readonly Lazy<Tokenizer> Shared = new(() => TiktokenTokenizer.CreateForEncoding("o200k_base"),
        LazyThreadSafetyMode.ExecutionAndPublication);

    readonly Tokenizer tokenizer = Shared.Value;
    readonly int capacity;
    readonly Lock swap = new();
    volatile ConcurrentDictionary<string, int> current;
    volatile ConcurrentDictionary<string, int> previous;

    /// <param name="cacheCapacity">Texts remembered per generation; 0 turns the memory off.</param>
    public TokenCounter(int cacheCapacity = 32_768)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(cacheCapacity);
        capacity = cacheCapacity;
        current = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        previous = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
    }

    /// <summary>The name of the encoding used, for logs and the prompt itemisation view.</summary>
    public string Encoding => "o200k_base";

    /// <summary>The tokens of <paramref name="text"/>; remembered for the next call with the same text.</summary>
    public int Count(string? text)
    {
        if (string.IsNullOrEmpty(text)) return 0;
        if (capacity == 0 || text.Length > MaxCachedLength || text.Length < 8) return Count(text.AsSpan());
        var now = current;
        if (now.TryGetValue(text, out var count)) return count;
        if (previous.TryGetValue(text, out count))
        {
            Remember(text, count);
            return count;
        }
        count = Count(text.AsSpan());
        Remember(text, count);
        return count;
    }

    /// <summary>The tokens of <paramref name="text"/>, always counted (nothing is remembered).</summary>
    public int Count(ReadOnlySpan<char> text) =>
        text.IsEmpty ? 0 : tokenizer.CountTokens(text, considerPreTokenization: true, considerNormalization: true);

    void Remember(string text, int count)
    {
        var now = current;
        if (now.Count >= capacity)
        {
            lock (swap)
            {
                if (ReferenceEquals(now, current))
                {
                    previous = now;
                    current = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
                }
            }
        }
        current.TryAdd(text, count);
    }
}
