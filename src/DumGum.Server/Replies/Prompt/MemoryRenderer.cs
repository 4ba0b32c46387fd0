using System.Globalization;
using System.Text;
using DumGum.Customers;
using DumGum.Memory;

namespace DumGum.Replies.Prompt;

/// <summary>
/// The <c>memories</c> prompt block (docs/memory.md, "Memories in the prompt"): the pair's long-term memories most
/// relevant to the newest messages (shared words with their description and tags), the most recent first among
/// equals, as many as fit <see cref="MaxTokens"/>. Scoring reads words as spans against one set, so 500 memories cost
/// a few microseconds each and no allocations; only the chosen lines are tokenized.
/// </summary>
public static class MemoryRenderer
{
    /// <summary>The block's budget: enough for a few dozen facts, small next to the history it competes with.</summary>
    public const int MaxTokens = 400;

    /// <summary>How many of the newest messages the relevance is measured against.</summary>
    const int RecentMessages = 4;

    /// <summary>Memories that did not fit before the search for a shorter one stops.</summary>
    const int MaxMisses = 8;

    /// <summary>Words shorter than this ("in", "the", "is") say nothing about relevance.</summary>
    const int MinWordLength = 3;

    /// <summary>
    /// The block's text and tokens, or null when there is nothing to remember (then there is no block). The tokens are
    /// the sum of its lines' (each remembered by the counter, newline included): the chosen set changes with almost
    /// every message, and tokenizing the whole block again each turn would cost more than choosing it.
    /// </summary>
    public static (string Text, int Tokens)? Render(StringBuilder sb, IReadOnlyList<MemoryItem> memories, IReadOnlyList<HistoryMessage> history,
        string userName, int budgetTokens, TokenCounter tokens)
    {
        ArgumentNullException.ThrowIfNull(sb);
        ArgumentNullException.ThrowIfNull(memories);
        ArgumentNullException.ThrowIfNull(history);
        ArgumentNullException.ThrowIfNull(tokens);
        if (memories.Count == 0 || budgetTokens <= 0) return null;

        var words = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = Math.Max(0, history.Count - RecentMessages); i < history.Count; i++)
            foreach (var w in Words(history[i].Text)) words.Add(w.ToString());
        var lookup = words.GetAlternateLookup<ReadOnlySpan<char>>();

        // Memories come newest first; a stable sort by score keeps recency among equals.
        var scored = new (int Score, int Index)[memories.Count];
        for (var i = 0; i < memories.Count; i++)
        {
            var score = 0;
            if (words.Count > 0)
            {
                foreach (var w in Words(memories[i].Description)) if (lookup.Contains(w)) score++;
                foreach (var tag in memories[i].Tags) if (lookup.Contains(tag)) score++;
            }
            scored[i] = (score, i);
        }
        Array.Sort(scored, static (a, b) => a.Score != b.Score ? b.Score.CompareTo(a.Score) : a.Index.CompareTo(b.Index));

        const string Heading = "What you remember from earlier chats (stay consistent with it; never recite it as a list):\n";
        var userHeading = $"About {userName}:\n";
        var selfHeading = $"About you (what you have told {userName}):\n";
        // Both sub-headings are reserved up front, so the block never ends over budget whichever of them it needs.
        var used = tokens.Count(Heading) + tokens.Count(userHeading) + tokens.Count(selfHeading);
        var aboutUser = new List<string>();
        var aboutSelf = new List<string>();
        var misses = 0;
        foreach (var (_, index) in scored)
        {
            var line = Line(memories[index]);
            var cost = tokens.Count(line) + 1;
            if (used + cost > budgetTokens)
            {
                // A shorter one may still fit, but the block is nearly full: stop rather than render all 500.
                if (++misses == MaxMisses) break;
                continue;
            }
            used += cost;
            (memories[index].Target == MemoryTargets.Persona ? aboutSelf : aboutUser).Add(line);
        }
        if (aboutUser.Count == 0 && aboutSelf.Count == 0) return null;

        sb.Clear();
        sb.Append(Heading);
        if (aboutUser.Count > 0)
        {
            sb.Append(userHeading);
            foreach (var l in aboutUser) sb.Append(l).Append('\n');
        }
        if (aboutSelf.Count > 0)
        {
            sb.Append(selfHeading);
            foreach (var l in aboutSelf) sb.Append(l).Append('\n');
        }
        return (PromptText.Clean(sb.ToString().TrimEnd()), used);
    }

    static string Line(MemoryItem m)
    {
        if (m.EventStartDate is not { } start) return "- " + m.Description;
        var from = start.ToString("ddd d MMM yyyy", CultureInfo.InvariantCulture);
        return m.EventEndDate is { } end && end != start
            ? $"- {m.Description} ({from} to {end.ToString("ddd d MMM yyyy", CultureInfo.InvariantCulture)})"
            : $"- {m.Description} ({from})";
    }

    /// <summary>The letter-or-digit runs of at least <see cref="MinWordLength"/> characters.</summary>
    static WordEnumerator Words(string? text) => new(text);

    ref struct WordEnumerator(string? text)
    {
        readonly ReadOnlySpan<char> span = text;
        int position;

        public ReadOnlySpan<char> Current { get; private set; }

        public readonly WordEnumerator GetEnumerator() => this;

        public bool MoveNext()
        {
            while (position < span.Length)
            {
                while (position < span.Length && !char.IsLetterOrDigit(span[position])) position++;
                var start = position;
                while (position < span.Length && char.IsLetterOrDigit(span[position])) position++;
                if (position - start >= MinWordLength)
                {
                    Current = span[start..position];
                    return true;
                }
            }
            return false;
        }
    }
}
