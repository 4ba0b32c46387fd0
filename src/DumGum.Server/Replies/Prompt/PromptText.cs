using System.Globalization;
using System.Text;

namespace DumGum.Replies.Prompt;

/// <summary>
/// Profile and history text goes into a model prompt without Unicode format characters (category Cf): bidi controls
/// (U+202A–U+202E, U+2066–U+2069, U+200E, U+200F, U+061C), zero-width space U+200B, word joiner U+2060, byte-order mark
/// U+FEFF, soft hyphen, and the rest. They are invisible to the people who wrote the text, yet reorder or hide what a
/// model reads. Two are kept where they do a visible job: the zero-width joiner and non-joiner (U+200D, U+200C) between
/// two visible characters (emoji sequences, Persian and Indic spelling), and tag characters (U+E0020–U+E007F) right after
/// a black flag U+1F3F4 or another tag (subdivision flags). docs/behaviour.md, "Replies".
/// </summary>
public static class PromptText
{
    /// <summary><paramref name="text"/> without the format characters; the same instance when it has none.</summary>
    public static string Clean(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var i = 0;
        for (; i < text.Length; i++)
            if (IsFormat(text, i)) break;
        if (i == text.Length) return text;

        var sb = new StringBuilder(text.Length);
        Rune? previous = null;
        var next = 0;
        foreach (var rune in text.EnumerateRunes())
        {
            next += rune.Utf16SequenceLength;
            if (Rune.GetUnicodeCategory(rune) == UnicodeCategory.Format && !Keep(rune, previous, text, next))
                continue;
            sb.Append(rune.ToString());
            previous = rune;
        }
        return sb.ToString();
    }

    static bool IsFormat(string text, int i)
    {
        var c = text[i];
        if (c < 0x00AD) return false;   // the soft hyphen is the first Cf character: a fast path for ASCII and Latin-1
        return char.IsSurrogate(c)
            ? char.IsHighSurrogate(c) && i + 1 < text.Length && Rune.TryCreate(c, text[i + 1], out var r)
              && Rune.GetUnicodeCategory(r) == UnicodeCategory.Format
            : CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.Format;
    }

    /// <param name="next">The UTF-16 index just after the rune.</param>
    static bool Keep(Rune rune, Rune? previous, string text, int next)
    {
        if (rune.Value is 0x200C or 0x200D)
            return previous is { } p && Visible(p) && next < text.Length && Rune.TryGetRuneAt(text, next, out var n) && Visible(n);
        if (rune.Value is >= 0xE0020 and <= 0xE007F)
            return previous is { } t && (t.Value == 0x1F3F4 || t.Value is >= 0xE0020 and <= 0xE007F);
        return false;
    }

    static bool Visible(Rune r) => !Rune.IsWhiteSpace(r) && Rune.GetUnicodeCategory(r) is not (UnicodeCategory.Format or UnicodeCategory.Control);
}
