using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace DumGum.Replies.Prompt;

/// <summary>
/// Turns customer enum values, field names and JSON scalars into plain words. Liberal by design (docs/behaviour.md, "Profiles and history"): any
/// string is accepted, <c>DARK_BLOND</c> becomes "dark blond", <c>eyesColor</c> becomes "eyes color", and nothing here
/// throws on odd input.
/// </summary>
public static class Humanize
{
    /// <summary><c>DARK_BLOND</c> → "dark blond"; <c>camelCase</c> → "camel case"; trims and collapses separators.</summary>
    public static string Enum(string? value)
    {
        if (string.IsNullOrWhiteSpace(value)) return "";
        var s = value.AsSpan().Trim();
        var sb = new StringBuilder(s.Length + 4);
        var pendingSpace = false;
        for (var i = 0; i < s.Length; i++)
        {
            var c = s[i];
            if (c is '_' or '-' or ' ' or '.' or '\t')
            {
                pendingSpace = sb.Length > 0;
                continue;
            }
            // camelCase boundary: a capital after a lowercase letter or digit starts a new word.
            if (char.IsUpper(c) && i > 0 && (char.IsLower(s[i - 1]) || char.IsDigit(s[i - 1]))) pendingSpace = sb.Length > 0;
            if (pendingSpace) { sb.Append(' '); pendingSpace = false; }
            sb.Append(char.ToLowerInvariant(c));
        }
        return sb.ToString();
    }

    /// <summary>Like <see cref="Enum"/> with a capital first letter ("Dark blond"), for labels.</summary>
    public static string Label(string? value)
    {
        var s = Enum(value);
        return s.Length == 0 ? s : string.Concat(char.ToUpperInvariant(s[0]).ToString(), s.AsSpan(1));
    }

    /// <summary>Every word capitalised ("south asian" → "South Asian"), for ethnicities and proper adjectives.</summary>
    public static string Title(string? value)
    {
        var s = Enum(value);
        if (s.Length == 0) return s;
        var chars = s.ToCharArray();
        for (var i = 0; i < chars.Length; i++)
            if (i == 0 || chars[i - 1] == ' ') chars[i] = char.ToUpperInvariant(chars[i]);
        return new string(chars);
    }

    /// <summary>
    /// An enum-like value that may also be free text: values that look like tokens (<c>SOFTWARE_DEVELOPER</c>) are
    /// humanised, anything else (already words) is kept as written, trimmed.
    /// </summary>
    public static string Free(string? value)
    {
        if (string.IsNullOrWhiteSpace(value)) return "";
        var s = value.Trim();
        return LooksLikeToken(s) ? Enum(s) : s;
    }

    /// <summary>True for <c>UPPER_SNAKE</c> or <c>lower_snake</c> tokens without spaces.</summary>
    public static bool LooksLikeToken(string s)
    {
        if (s.Length == 0 || s.Contains(' ', StringComparison.Ordinal)) return false;
        var hasUnderscore = s.Contains('_', StringComparison.Ordinal);
        var allUpper = true;
        foreach (var c in s)
        {
            if (char.IsLetter(c) && !char.IsUpper(c)) allUpper = false;
            if (!char.IsLetterOrDigit(c) && c != '_' && c != '-') return false;
        }
        return allUpper || hasUnderscore;
    }

    /// <summary>A JSON scalar as text (string trimmed, number invariant, boolean yes/no); null for anything else.</summary>
    public static string? Scalar(JsonNode? node)
    {
        if (node is not JsonValue v) return null;
        switch (v.GetValueKind())
        {
            case JsonValueKind.String:
                var s = v.GetValue<string>().Trim();
                return s.Length == 0 ? null : s;
            case JsonValueKind.Number:
                return TryNumber(v, out var d) ? Number(d) : null;
            case JsonValueKind.True: return "yes";
            case JsonValueKind.False: return "no";
            default: return null;
        }
    }

    /// <summary>A number from a JSON number or a numeric string; false for anything else (never throws).</summary>
    public static bool TryNumber(JsonNode? node, out double value)
    {
        value = 0;
        if (node is not JsonValue v) return false;
        try
        {
            return v.GetValueKind() switch
            {
                JsonValueKind.Number => v.TryGetValue(out value) || TryParse(v.ToJsonString(), out value),
                JsonValueKind.String => TryParse(v.GetValue<string>(), out value),
                _ => false,
            } && double.IsFinite(value);
        }
        catch (Exception e) when (e is FormatException or InvalidOperationException or OverflowException)
        {
            return false;
        }
    }

    static bool TryParse(string s, out double value) =>
        double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out value);

    /// <summary>Invariant, at most one decimal ("60.5", "165").</summary>
    public static string Number(double d) => Math.Round(d, 1).ToString("0.#", CultureInfo.InvariantCulture);

    /// <summary>"a, b and c".</summary>
    public static void AppendList(StringBuilder sb, IReadOnlyList<string> items, string conjunction = "and")
    {
        for (var i = 0; i < items.Count; i++)
        {
            if (i > 0)
            {
                if (i == items.Count - 1) sb.Append(' ').Append(conjunction).Append(' ');
                else sb.Append(", ");
            }
            sb.Append(items[i]);
        }
    }

    /// <summary>"3 hours", "1 day", "2 weeks": the coarsest unit that reads naturally.</summary>
    public static string Duration(TimeSpan span)
    {
        if (span < TimeSpan.Zero) span = TimeSpan.Zero;
        if (span.TotalMinutes < 1) return "less than a minute";
        if (span.TotalMinutes < 60) return Plural((int)span.TotalMinutes, "minute");
        if (span.TotalHours < 48) return Plural((int)span.TotalHours, "hour");
        if (span.TotalDays < 14) return Plural((int)span.TotalDays, "day");
        if (span.TotalDays < 61) return Plural((int)(span.TotalDays / 7), "week");
        if (span.TotalDays < 730) return Plural((int)(span.TotalDays / 30.44), "month");
        return Plural((int)(span.TotalDays / 365.25), "year");
    }

    public static string Plural(int n, string unit) =>
        n == 1 ? "1 " + unit : n.ToString(CultureInfo.InvariantCulture) + " " + unit + "s";
}
