using System.Globalization;
using System.Text;

namespace DumGum.Replies.Checks;

/// <summary>
/// The form of a message that the deterministic cues read: the underage cues here (<see cref="UnderageCues"/>), and the
/// guardrails' authenticity, prompt-injection, self-harm and goodbye cues.
/// </summary>
public static class CueText
{
    /// <summary>Lower case, accents removed, typographic apostrophes made plain, whitespace collapsed: the text the cues read.</summary>
    public static string Fold(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var decomposed = text.Normalize(NormalizationForm.FormD);
        var sb = new StringBuilder(decomposed.Length);
        var pendingSpace = false;
        foreach (var ch in decomposed)
        {
            if (CharUnicodeInfo.GetUnicodeCategory(ch) == UnicodeCategory.NonSpacingMark) continue;
            if (char.IsWhiteSpace(ch)) { pendingSpace = true; continue; }
            if (pendingSpace && sb.Length > 0) sb.Append(' ');
            pendingSpace = false;
            sb.Append(ch is '\u2019' or '\u2018' or '\u02BC' or '`' or '\u00B4' ? '\'' : char.ToLowerInvariant(ch));
        }
        return sb.ToString();
    }
}
