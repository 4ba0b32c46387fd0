using System.Text;

namespace DumGum.Replies.Offline;

/// <summary>
/// <c>fluencyDegradation</c> offline: a finished reply is made to look typed on a phone, in a measured, seeded way
/// (docs/offline-engine.md, "What each reply parameter does offline"). Typos are swaps of two neighbouring letters inside
/// a word, so the persona's earlier messages can still be recognised (<see cref="Canonical"/>) and no phrasing is reused.
/// Names (words written with a capital inside the clean text) never get a typo.
/// </summary>
internal static class Fluency
{
    /// <summary>How one level degrades a reply.</summary>
    internal sealed record Level(double TypoRate, double LowerStartRate, bool LowerAll, bool DropFullStops, bool DropCommas, bool DropLastFullStop);

    /// <summary>NONE (or unset) leaves the text alone; LOW, MEDIUM and HIGH add typos to this share of eligible words.</summary>
    public static Level? Of(string? value) => value?.Trim().ToUpperInvariant() switch
    {
        "LOW" => new Level(0.02, 0.3, false, false, false, true),
        "MEDIUM" => new Level(0.05, 1, false, true, false, true),
        "HIGH" => new Level(0.10, 1, true, true, true, true),
        _ => null,
    };

    /// <summary>A word that may get a typo: four letters or more, all letters, and not capitalised (not a name).</summary>
    public static bool Eligible(string word) => word.Length >= 4 && char.IsLower(word[0]) && word.All(char.IsLetter);

    /// <summary>The degraded text; <paramref name="unit"/> gives the seeded draw number <c>n</c> in [0, 1).</summary>
    public static string Degrade(string text, Level level, Func<int, double> unit)
    {
        var sb = new StringBuilder(text.Length);
        var sentenceStart = true;
        var sentence = 0;
        var word = 0;
        for (var i = 0; i < text.Length;)
        {
            var ch = text[i];
            if (char.IsLetter(ch))
            {
                var end = i;
                while (end < text.Length && char.IsLetter(text[end])) end++;
                var w = text[i..end];
                if (Eligible(w) && unit(1000 + word) < level.TypoRate) w = Swap(w, unit(5000 + word));
                if (level.LowerAll) w = w.ToLowerInvariant();
                else if (sentenceStart && unit(9000 + sentence) < level.LowerStartRate)
                    w = string.Concat(char.ToLowerInvariant(w[0]).ToString(), w.AsSpan(1));
                sb.Append(w);
                word++;
                sentenceStart = false;
                i = end;
                continue;
            }
            var last = i == text.Length - 1 || text.AsSpan(i + 1).Trim().Length == 0;
            if (ch is '.' or '!' or '?' or '…' && (last || char.IsWhiteSpace(text[i + 1])))
            {
                sentenceStart = true;
                sentence++;
            }
            // A full stop that ends a sentence ("…" and "..." stay): typed texts often leave it out.
            var fullStop = ch == '.' && (i == 0 || text[i - 1] != '.') && (last || (char.IsWhiteSpace(text[i + 1]) && text[i + 1] != '.'));
            if (fullStop && (level.DropFullStops || (last && level.DropLastFullStop))) { i++; continue; }
            if (ch == ',' && level.DropCommas) { i++; continue; }
            sb.Append(ch);
            i++;
        }
        return sb.ToString().TrimEnd();
    }

    /// <summary>Two neighbouring letters inside the word swapped (the first and the last stay), where they differ.</summary>
    static string Swap(string w, double draw)
    {
        var slots = w.Length - 3; // positions 1 .. Length-3 swap with the next letter, which is never the last one
        var start = (int)(draw * slots);
        for (var k = 0; k < slots; k++)
        {
            var p = 1 + (start + k) % slots;
            if (w[p] == w[p + 1]) continue;
            var chars = w.ToCharArray();
            (chars[p], chars[p + 1]) = (chars[p + 1], chars[p]);
            return new string(chars);
        }
        return w;
    }

    /// <summary>
    /// A normalised text (<see cref="Template.Normalize"/>) with the inner letters of each word sorted, so a word with two
    /// neighbouring letters swapped reads as the word itself: how a phrasing is still recognised in a degraded message.
    /// </summary>
    public static string Canonical(string normalized) =>
        // In place, one string and no split: this runs over her recent messages on every reply.
        string.Create(normalized.Length, normalized, static (span, source) =>
        {
            source.CopyTo(span);
            var start = 0;
            for (var i = 0; i <= span.Length; i++)
            {
                if (i < span.Length && span[i] != ' ') continue;
                if (i - start >= 4) span.Slice(start + 1, i - start - 2).Sort();
                start = i + 1;
            }
        });
}
