using System.Text;

namespace DumGum.Replies;

/// <summary>
/// The <c>{name}</c> placeholders of a fixed phrase (the safety replies, the offline suggestions), filled in one pass so
/// that a value which itself holds a placeholder (a user called "{helpline}") stays literal. A placeholder without a
/// value stays as written.
/// </summary>
public static class Placeholders
{
    public static string Fill(string template, params ReadOnlySpan<(string Name, string? Value)> values)
    {
        ArgumentNullException.ThrowIfNull(template);
        var sb = new StringBuilder(template.Length + 48);
        for (var i = 0; i < template.Length; i++)
        {
            var close = template[i] == '{' ? template.IndexOf('}', i) : -1;
            var value = close < 0 ? null : ValueOf(template[(i + 1)..close], values);
            if (value is null) { sb.Append(template[i]); continue; }
            sb.Append(value);
            i = close;
        }
        return sb.ToString();
    }

    static string? ValueOf(string name, ReadOnlySpan<(string Name, string? Value)> values)
    {
        foreach (var (n, value) in values)
            if (n == name) return value;
        return null;
    }
}
