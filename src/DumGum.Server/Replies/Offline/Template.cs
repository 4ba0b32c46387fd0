using System.Text;

namespace DumGum.Replies.Offline;

/// <summary>
/// One phrase of a language file, parsed once: literal text and <c>{placeholders}</c>. A template is only used when
/// every placeholder it names has a value (a reply about the job needs <c>{job}</c>), so one list holds both the
/// grounded and the generic variants. Its <see cref="Signature"/> (the longest literal run, normalised) recognises it
/// in the persona's earlier messages whatever filled its placeholders, so a phrasing is not used twice.
/// </summary>
internal sealed class Template
{
    readonly string[] literals;
    readonly string?[] slots;

    Template(string text, string[] literals, string?[] slots, string signature)
    {
        Text = text;
        this.literals = literals;
        this.slots = slots;
        Signature = signature;
        Placeholders = slots.OfType<string>().Distinct(StringComparer.Ordinal).ToArray();
    }

    public string Text { get; }
    public string Signature { get; }

    /// <summary>The signature as <see cref="Fluency.Canonical"/> reads it, computed once (a benign race on first use).</summary>
    public string CanonicalSignature => canonicalSignature ??= Fluency.Canonical(Signature);
    string? canonicalSignature;
    public IReadOnlyList<string> Placeholders { get; }

    public bool Uses(string placeholder) => Array.IndexOf(slots, placeholder) >= 0;

    public static Template Parse(string text, string where)
    {
        ArgumentNullException.ThrowIfNull(text);
        var literals = new List<string>();
        var slots = new List<string?>();
        var sb = new StringBuilder();
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '{')
            {
                var close = text.IndexOf('}', i);
                if (close < 0) throw new InvalidDataException($"{where}: unclosed '{{' in \"{text}\"");
                literals.Add(sb.ToString());
                slots.Add(null);
                sb.Clear();
                literals.Add("");
                slots.Add(text[(i + 1)..close]);
                i = close;
                continue;
            }
            sb.Append(text[i]);
        }
        literals.Add(sb.ToString());
        slots.Add(null);
        var longest = literals.Select(Normalize).OrderByDescending(l => l.Length).First();
        return new Template(text, [.. literals], [.. slots], longest);
    }

    /// <summary>The text with every placeholder filled, or null when one has no value.</summary>
    public string? Fill(Func<string, string?> value)
    {
        var sb = new StringBuilder(Text.Length + 32);
        for (var i = 0; i < literals.Length; i++)
        {
            if (slots[i] is { } slot)
            {
                if (value(slot) is not { } v) return null;
                sb.Append(v);
            }
            else sb.Append(literals[i]);
        }
        return sb.ToString();
    }

    /// <summary>Lower case letters and digits, every other run of characters one space: how sentences are compared.</summary>
    public static string Normalize(string text)
    {
        var sb = new StringBuilder(text.Length);
        var space = false;
        foreach (var c in text)
        {
            if (char.IsLetterOrDigit(c))
            {
                if (space && sb.Length > 0) sb.Append(' ');
                space = false;
                sb.Append(char.ToLowerInvariant(c));
            }
            else space = true;
        }
        return sb.ToString();
    }
}
