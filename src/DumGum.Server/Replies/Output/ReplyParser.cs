using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace DumGum.Replies.Output;

/// <summary>The model's output could not be read as a reply (no message in it, truncated or broken JSON, nothing at all).</summary>
public sealed class MalformedReplyException : FormatException
{
    public MalformedReplyException() { }
    public MalformedReplyException(string message) : base(message) { }
    public MalformedReplyException(string message, Exception innerException) : base(message, innerException) { }
}

/// <summary>
/// Reads what a model wrote into a <see cref="ParsedReply"/> (format: <see cref="ReplyFormat"/>). Liberal: the JSON
/// object may be fenced in <c>```</c> or surrounded by prose, <c>parts</c> may be an array or a string, or the message
/// may come as <c>text</c>/<c>reply</c>/<c>message</c>; reasoning blocks (<c>&lt;think&gt;…&lt;/think&gt;</c>) are
/// dropped; every part is trimmed and loses a leading "<c>PersonaName:</c>". Output without JSON is taken as the message
/// itself (servers without JSON mode: one part, <see cref="ParsedReply.WasStructured"/> false). Malformed: nothing left,
/// a JSON object without any message, picture or poke, or something that looks like JSON but does not parse (a reply
/// cut off at the token limit) — raw JSON is never passed on as a chat message.
/// </summary>
public static partial class ReplyParser
{
    static readonly string[] PartsKeys = ["parts", "messages"];
    static readonly string[] TextKeys = ["text", "reply", "message", "content", "answer", "response"];

    static readonly JsonDocumentOptions JsonOptions = new() { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip };

    public static ParsedReply Parse(string? text, IReadOnlyList<string>? personaNames = null) =>
        TryParse(text, personaNames, out var reply, out var problem) ? reply : throw new MalformedReplyException(problem);

    public static bool TryParse(string? text, IReadOnlyList<string>? personaNames, [NotNullWhen(true)] out ParsedReply? reply,
        [NotNullWhen(false)] out string? problem)
    {
        reply = null;
        var names = personaNames ?? [];
        var body = StripReasoning(text ?? "").Trim();
        if (body.Length == 0)
        {
            problem = "the model returned nothing";
            return false;
        }

        foreach (var (candidate, whole) in JsonCandidates(body))
        {
            if (!TryParseJson(candidate, out var root)) continue;
            using (root)
            {
                // Inside prose only an object counts: "[laughs]" or a quoted word is not an answer.
                if (!whole && root.RootElement.ValueKind != JsonValueKind.Object) continue;
                var result = FromJson(root.RootElement, names, out problem);
                if (result is not null)
                {
                    reply = result;
                    return true;
                }
                if (problem is not null) return false;
                // The whole output is JSON but not ours: never fall back to sending it as text.
                if (whole)
                {
                    problem = "the output is JSON but not in the answer format";
                    return false;
                }
            }
        }

        var plain = Unfence(body);
        if (LooksLikeJson(plain))
        {
            problem = "the output looks like JSON but does not parse (cut off?)";
            return false;
        }
        var part = CleanPart(plain, names);
        if (part.Length == 0)
        {
            problem = "the model returned no message";
            return false;
        }
        reply = new ParsedReply([part], null, false, NoSignals(), WasStructured: false);
        problem = null;
        return true;
    }

    /// <summary>
    /// The reply in a parsed JSON value, or null with <paramref name="problem"/> set when the value is ours but unusable,
    /// or null with no problem when it is not a reply at all (some braces in prose).
    /// </summary>
    static ParsedReply? FromJson(JsonElement root, IReadOnlyList<string> names, out string? problem)
    {
        problem = null;
        switch (root.ValueKind)
        {
            case JsonValueKind.Array:
                var arrayParts = Strings(root, names);
                if (arrayParts.Count > 0) return new ParsedReply(arrayParts, null, false, NoSignals(), true);
                problem = "the JSON array holds no message";
                return null;
            case JsonValueKind.String:
                var single = CleanPart(root.GetString() ?? "", names);
                if (single.Length > 0) return new ParsedReply([single], null, false, NoSignals(), true);
                problem = "the JSON string is empty";
                return null;
            case JsonValueKind.Object:
                break;
            default:
                return null;
        }

        var partsValue = Property(root, PartsKeys) ?? Property(root, TextKeys);
        var pictureValue = Property(root, ["pictureId", "picture", "pictureID", "picture_id"]);
        var pokeValue = Property(root, ["poke"]);
        var signalsValue = Property(root, ["signals"]);
        if (partsValue is null && pictureValue is null && pokeValue is null && signalsValue is null)
            return null;   // not our format: braces in prose, e.g. "I'm {almost} there"

        var parts = partsValue is { } p ? Strings(p, names) : [];
        var pictureId = pictureValue switch
        {
            { ValueKind: JsonValueKind.String } s when !string.IsNullOrWhiteSpace(s.GetString()) && s.GetString()!.Trim() != "null" => s.GetString()!.Trim(),
            { ValueKind: JsonValueKind.Number } n => n.GetRawText(),
            _ => null,
        };
        var poke = pokeValue is { } k && Truthy(k);
        if (parts.Count == 0 && pictureId is null && !poke)
        {
            problem = "the JSON answer holds no message";
            return null;
        }
        if (parts.Any(LeaksFormat))
        {
            problem = "a message contains the answer format itself";
            return null;
        }
        var signals = NoSignals();
        if (signalsValue is { ValueKind: JsonValueKind.Object } sv)
            foreach (var signal in sv.EnumerateObject())
                if (ReplyFormat.SignalNames.FirstOrDefault(n => n.Equals(signal.Name, StringComparison.OrdinalIgnoreCase)) is { } known)
                    signals[known] = Truthy(signal.Value);
        return new ParsedReply(parts, pictureId, poke, signals, WasStructured: true);
    }

    static List<string> Strings(JsonElement value, IReadOnlyList<string> names)
    {
        var list = new List<string>();
        void Add(string? s)
        {
            var part = CleanPart(s ?? "", names);
            if (part.Length > 0) list.Add(part);
        }
        switch (value.ValueKind)
        {
            case JsonValueKind.String:
                Add(value.GetString());
                break;
            case JsonValueKind.Array:
                foreach (var item in value.EnumerateArray())
                {
                    if (item.ValueKind == JsonValueKind.String) Add(item.GetString());
                    else if (item.ValueKind == JsonValueKind.Object && Property(item, TextKeys) is { ValueKind: JsonValueKind.String } t) Add(t.GetString());
                }
                break;
            case JsonValueKind.Object when Property(value, TextKeys) is { ValueKind: JsonValueKind.String } inner:
                Add(inner.GetString());
                break;
        }
        return list;
    }

    static JsonElement? Property(JsonElement obj, IReadOnlyList<string> keys)
    {
        foreach (var key in keys)
            foreach (var p in obj.EnumerateObject())
                if (p.Name.Equals(key, StringComparison.OrdinalIgnoreCase) && p.Value.ValueKind != JsonValueKind.Null)
                    return p.Value;
        return null;
    }

    static bool Truthy(JsonElement v) => v.ValueKind switch
    {
        JsonValueKind.True => true,
        JsonValueKind.String => bool.TryParse(v.GetString()?.Trim(), out var b) && b,
        JsonValueKind.Number => v.TryGetDouble(out var d) && d != 0,
        _ => false,
    };

    static Dictionary<string, bool> NoSignals() => ReplyFormat.SignalNames.ToDictionary(n => n, _ => false, StringComparer.Ordinal);

    /// <summary>
    /// Where JSON may be: each fenced block and the whole output (<c>whole</c>: any JSON value counts), then every
    /// balanced <c>{…}</c> in the output (only an object counts).
    /// </summary>
    static IEnumerable<(string Text, bool Whole)> JsonCandidates(string body)
    {
        foreach (Match m in FenceRegex().Matches(body))
        {
            var inner = m.Groups["body"].Value.Trim();
            if (inner.Length > 0) yield return (inner, true);
        }
        yield return (body, true);
        for (var i = 0; i < body.Length; i++)
        {
            if (body[i] != '{') continue;
            var end = MatchingClose(body, i);
            if (end < 0) continue;
            yield return (body[i..(end + 1)], false);
            i = end;   // objects nested in this one were already part of it
        }
    }

    /// <summary>The index of the bracket closing the one at <paramref name="start"/>, skipping JSON strings; -1 when unbalanced.</summary>
    static int MatchingClose(string s, int start)
    {
        var depth = 0;
        var inString = false;
        for (var i = start; i < s.Length; i++)
        {
            var c = s[i];
            if (inString)
            {
                if (c == '\\') i++;
                else if (c == '"') inString = false;
                continue;
            }
            switch (c)
            {
                case '"': inString = true; break;
                case '{' or '[': depth++; break;
                case '}' or ']':
                    if (--depth == 0) return i;
                    break;
            }
        }
        return -1;
    }

    static bool TryParseJson(string candidate, [NotNullWhen(true)] out JsonDocument? document)
    {
        document = null;
        var first = candidate.TrimStart();
        if (first.Length == 0 || (first[0] != '{' && first[0] != '[' && first[0] != '"')) return false;
        try
        {
            document = JsonDocument.Parse(candidate, JsonOptions);
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    static string StripReasoning(string text)
    {
        var s = ThinkRegex().Replace(text, "");
        // A reasoning block whose opening tag was part of the prompt template: keep what follows its end.
        var close = s.LastIndexOf("</think>", StringComparison.OrdinalIgnoreCase);
        if (close >= 0) s = s[(close + "</think>".Length)..];
        // An unclosed one (cut off while thinking): nothing after it is an answer.
        var open = s.IndexOf("<think>", StringComparison.OrdinalIgnoreCase);
        if (open >= 0) s = s[..open];
        return s;
    }

    static string Unfence(string body)
    {
        var fenced = FenceRegex().Match(body);
        if (fenced.Success) return fenced.Groups["body"].Value.Trim();
        return body.Trim('`').Trim();
    }

    static bool LooksLikeJson(string s)
    {
        var t = s.TrimStart();
        return t.StartsWith('{') || t.StartsWith('[') || LeaksFormat(s);
    }

    /// <summary>The answer format's own keys inside a message: the model wrote its JSON into the text.</summary>
    static bool LeaksFormat(string s) =>
        s.Contains("\"parts\"", StringComparison.OrdinalIgnoreCase) || s.Contains("\"signals\"", StringComparison.OrdinalIgnoreCase)
        || s.Contains("\"pictureId\"", StringComparison.OrdinalIgnoreCase);

    /// <summary>Trimmed, without wrapping quotes and without a leading speaker label ("Marta:", "**Marta**:", "Assistant:").</summary>
    internal static string CleanPart(string part, IReadOnlyList<string> names)
    {
        var s = part.Trim();
        for (var round = 0; round < 2; round++)
        {
            var label = LabelRegex().Match(s);
            if (!label.Success) break;
            var who = label.Groups["who"].Value.Trim();
            if (!IsSpeaker(who, names)) break;
            s = s[label.Length..].TrimStart();
        }
        if (s.Length >= 2 && IsWrappingQuote(s[0], s[^1]) && s.AsSpan(1, s.Length - 2).IndexOfAny("\"“”") < 0)
            s = s[1..^1].Trim();
        return s;
    }

    static bool IsSpeaker(string who, IReadOnlyList<string> names) =>
        who.Equals("assistant", StringComparison.OrdinalIgnoreCase) || who.Equals("persona", StringComparison.OrdinalIgnoreCase)
        || names.Any(n => !string.IsNullOrWhiteSpace(n) && who.Equals(n.Trim(), StringComparison.OrdinalIgnoreCase));

    static bool IsWrappingQuote(char open, char close) => (open, close) is ('"', '"') or ('“', '”') or ('«', '»');

    [GeneratedRegex(@"```[ \t]*(?:json|JSON|javascript)?[ \t]*\r?\n?(?<body>.*?)```", RegexOptions.Singleline)]
    private static partial Regex FenceRegex();

    [GeneratedRegex(@"<think(?:ing)?>.*?</think(?:ing)?>", RegexOptions.Singleline | RegexOptions.IgnoreCase)]
    private static partial Regex ThinkRegex();

    /// <summary>"Name:" at the start, optionally in ** or *, at most 40 characters of name.</summary>
    [GeneratedRegex(@"^\*{0,2}(?<who>[^:\n*]{1,40}?)\*{0,2}\s*:\s*")]
    private static partial Regex LabelRegex();
}
