using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using DumGum.Http;

namespace DumGum.Suggestions;

/// <summary>
/// Reads suggestions out of whatever a model answered: the requested <c>{"suggestions": [...]}</c>, the same inside a
/// Markdown code fence or after some chatter, a bare JSON array, items that are objects with a <c>text</c>, or, when
/// there is no JSON at all, one suggestion per line (bullets, numbering and wrapping quotes removed). Every
/// suggestion is trimmed, whitespace-collapsed and at most <see cref="MaxLength"/> characters; blanks and
/// repeats (case-insensitive) are dropped.
/// </summary>
public static partial class SuggestionParser
{
    public const int MaxLength = 500;

    static readonly JsonDocumentOptions Lenient = new() { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip };
    static readonly string[] TextProperties = ["text", "content", "message", "suggestion"];

    public static List<string> Parse(string? answer)
    {
        var result = new List<string>();
        if (string.IsNullOrWhiteSpace(answer)) return result;
        var body = Unfence(answer);
        AddDistinct(result, FromJson(body) ?? Lines(body));
        return result;
    }

    /// <summary>Adds the usable, not yet present suggestions of <paramref name="candidates"/> to <paramref name="into"/>.</summary>
    public static void AddDistinct(List<string> into, IEnumerable<string> candidates)
    {
        ArgumentNullException.ThrowIfNull(into);
        ArgumentNullException.ThrowIfNull(candidates);
        foreach (var candidate in candidates)
        {
            var clean = Clean(candidate);
            if (clean is null) continue;
            var key = Key(clean);
            if (into.Any(s => Key(s) == key)) continue;
            into.Add(clean);
        }
    }

    /// <summary>The content of the first code fence, or the whole text when there is none.</summary>
    static string Unfence(string text)
    {
        var open = text.IndexOf("```", StringComparison.Ordinal);
        if (open < 0) return text;
        var start = text.IndexOf('\n', open);
        if (start < 0) return text[(open + 3)..];
        var close = text.IndexOf("```", start, StringComparison.Ordinal);
        return close < 0 ? text[(start + 1)..] : text[(start + 1)..close];
    }

    /// <summary>The suggestions of the JSON in <paramref name="text"/>, or null when it holds no readable JSON.</summary>
    static List<string>? FromJson(string text)
    {
        foreach (var json in new[] { ModelAnswerJson.ObjectIn(text), ModelAnswerJson.ArrayIn(text) })
        {
            if (json is null) continue;
            JsonNode? node;
            try { node = JsonNode.Parse(json, documentOptions: Lenient); }
            catch (JsonException) { continue; }
            if (Items(node) is { } items) return items;
        }
        return null;
    }

    static List<string>? Items(JsonNode? node)
    {
        JsonArray? array = node as JsonArray;
        if (node is JsonObject o)
        {
            array = o.FirstOrDefault(p => p.Key.Equals("suggestions", StringComparison.OrdinalIgnoreCase)).Value as JsonArray
                    ?? o.Select(p => p.Value).OfType<JsonArray>().FirstOrDefault();
            // {"text": "…"} alone is one suggestion.
            if (array is null && TextOf(o) is { } single) return [single];
        }
        if (array is null) return null;
        var items = new List<string>();
        foreach (var item in array)
        {
            var text = item switch
            {
                JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
                JsonObject io => TextOf(io),
                _ => null,
            };
            if (text is not null) items.Add(text);
        }
        return items;
    }

    static string? TextOf(JsonObject o)
    {
        foreach (var name in TextProperties)
            if (o.FirstOrDefault(p => p.Key.Equals(name, StringComparison.OrdinalIgnoreCase)).Value is JsonValue v
                && v.GetValueKind() == JsonValueKind.String)
                return v.GetValue<string>();
        return null;
    }

    [GeneratedRegex(@"^\s*(?:[-*•·–]|\(?\d{1,2}[.):]|(?:suggestion|option)\s*\d{1,2}\s*[:.)-])\s+", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Bullet();

    [GeneratedRegex(@"^""?[A-Za-z_]+""?\s*:\s*[\[{]?$", RegexOptions.CultureInvariant)]
    private static partial Regex JsonKey();

    static IEnumerable<string> Lines(string text)
    {
        foreach (var raw in text.Split('\n'))
        {
            var line = Bullet().Replace(raw.Trim(), "", 1).Trim().TrimEnd(',').TrimEnd();
            // "Here are three ideas:" introduces the list, and remains of broken JSON are not suggestions either.
            if (line.Length == 0 || line.EndsWith(':') || line[0] is '{' or '}' or '[' or ']' || JsonKey().IsMatch(line)) continue;
            yield return line;
        }
    }

    static readonly (char Open, char Close)[] Quotes = [('"', '"'), ('“', '”'), ('„', '“'), ('«', '»'), ('\'', '\''), ('‘', '’'), ('「', '」')];

    static string? Clean(string text)
    {
        var flat = string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        foreach (var (open, close) in Quotes)
            if (flat.Length >= 2 && flat[0] == open && flat[^1] == close && flat.IndexOf(close, 1) == flat.Length - 1)
            {
                flat = flat[1..^1].Trim();
                break;
            }
        if (flat.Length == 0 || flat.Length > MaxLength) return null;
        return flat;
    }

    /// <summary>Two suggestions are the same when they differ only in case, spacing or final punctuation.</summary>
    static string Key(string suggestion)
    {
        var sb = new StringBuilder(suggestion.Length);
        foreach (var c in suggestion.ToUpperInvariant())
            if (!char.IsWhiteSpace(c)) sb.Append(c);
        return sb.ToString().TrimEnd('.', '!', '?', '…');
    }
}
