using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;

namespace DumGum.Http;

/// <summary>Where a JSON text breaks a rule: the JSON path (<c>$</c> for the whole text) and the rule, in words.</summary>
public readonly record struct JsonFault(string Path, string Message);

/// <summary>
/// The one JSON reading rule for every body DumGum takes in, from clients (request bodies) and from customers (profile
/// and chat history responses): docs/behaviour.md, "Malformed JSON". Besides the syntax, a text is refused when a string
/// or property name is not valid Unicode (invalid UTF-8, a lone surrogate, raw or escaped), when a property name occurs
/// twice in one object (at any depth; compared exactly, as System.Text.Json's <c>AllowDuplicateProperties = false</c>
/// would), when a number does not fit a double, or when objects and arrays nest deeper than <see cref="MaxDepth"/>.
/// System.Text.Json would otherwise accept all of these at parse time and throw later, far from the request, when the
/// value is read (a 500, or a run dropped as GENERATION_FAILED).
/// </summary>
public static class StrictJson
{
    /// <summary>Objects and arrays nest at most this deep (the root counts as one): System.Text.Json's own default.</summary>
    public const int MaxDepth = 64;

    /// <summary>For parsing a text <see cref="Check"/> passed: nothing it accepted may be refused by the parser.</summary>
    public static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = MaxDepth };

    /// <summary>The first rule <paramref name="utf8"/> breaks, or null when it is a JSON text DumGum accepts.</summary>
    public static JsonFault? Check(ReadOnlySpan<byte> utf8)
    {
        // One more level than allowed, so the reader hands us the offending token and we can name its path.
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { MaxDepth = MaxDepth + 1 });
        var frames = new List<Frame>();
        char[]? scratch = null;
        try
        {
            while (reader.Read())
            {
                var top = frames.Count > 0 ? frames[^1] : null;
                switch (reader.TokenType)
                {
                    case JsonTokenType.PropertyName:
                    {
                        if (ReadString(ref reader, ref scratch, keep: true) is not { } name)
                            return new JsonFault(Join(frames, Raw(reader)), "a property name is not valid Unicode (invalid UTF-8 or a lone surrogate)");
                        top!.Property = name;
                        if (!top.Names!.Add(name))
                            return new JsonFault(Join(frames, null), $"the property name '{Printable(name)}' occurs more than once in one object");
                        continue;
                    }
                    case JsonTokenType.StartObject or JsonTokenType.StartArray:
                    {
                        Advance(top);
                        if (reader.CurrentDepth >= MaxDepth)
                            return new JsonFault(Join(frames, null), $"objects and arrays must not nest deeper than {MaxDepth} levels");
                        frames.Add(new Frame(reader.TokenType == JsonTokenType.StartArray));
                        continue;
                    }
                    case JsonTokenType.EndObject or JsonTokenType.EndArray:
                        frames.RemoveAt(frames.Count - 1);
                        continue;
                    case JsonTokenType.String:
                        Advance(top);
                        if (ReadString(ref reader, ref scratch, keep: false) is null)
                            return new JsonFault(Join(frames, null), "the string is not valid Unicode (invalid UTF-8 or a lone surrogate)");
                        continue;
                    case JsonTokenType.Number:
                        Advance(top);
                        if (!reader.TryGetDouble(out var number) || !double.IsFinite(number))
                            return new JsonFault(Join(frames, null), "the number is out of range (it does not fit a 64-bit floating-point number)");
                        continue;
                    default:
                        Advance(top);
                        continue;
                }
            }
            return null;
        }
        catch (JsonException ex)
        {
            var where = ex.LineNumber is { } line ? $" (line {line + 1}, byte {ex.BytePositionInLine + 1})" : "";
            return new JsonFault("$", $"the body is not valid JSON{where}");
        }
        finally
        {
            if (scratch is not null) ArrayPool<char>.Shared.Return(scratch);
        }
    }

    /// <summary>Parses a text <see cref="Check"/> accepted; throws <see cref="JsonException"/> with the fault otherwise.</summary>
    public static JsonDocument Parse(ReadOnlyMemory<byte> utf8)
    {
        if (Check(utf8.Span) is { } fault) throw new JsonException($"{fault.Path}: {fault.Message}");
        return JsonDocument.Parse(utf8, DocumentOptions);
    }

    sealed class Frame(bool array)
    {
        public bool Array { get; } = array;
        public int Index { get; set; } = -1;
        public string? Property { get; set; }
        public HashSet<string>? Names { get; } = array ? null : new HashSet<string>(StringComparer.Ordinal);
    }

    /// <summary>A value starts: in an array it is the next item.</summary>
    static void Advance(Frame? top)
    {
        if (top is { Array: true }) top.Index++;
    }

    /// <summary>The path of the current value (<paramref name="last"/> replaces the property name of the innermost object).</summary>
    static string Join(List<Frame> frames, string? last)
    {
        if (frames.Count == 0) return "$";
        var sb = new StringBuilder();
        for (var i = 0; i < frames.Count; i++)
        {
            var f = frames[i];
            if (f.Array)
            {
                if (f.Index >= 0) sb.Append('[').Append(f.Index.ToString(CultureInfo.InvariantCulture)).Append(']');
                continue;
            }
            var name = i == frames.Count - 1 && last is not null ? last : f.Property;
            if (name is null) continue;
            if (sb.Length > 0) sb.Append('.');
            sb.Append(name);
        }
        return sb.Length == 0 ? "$" : sb.ToString();
    }

    /// <summary>The token's text as it is in the body (escapes kept, invalid bytes replaced), to name a broken property.</summary>
    static string Raw(Utf8JsonReader reader) => Printable(Encoding.UTF8.GetString(reader.ValueSpan));

    static string Printable(string s)
    {
        var sb = new StringBuilder(Math.Min(s.Length, 64));
        foreach (var c in s.Length > 64 ? s[..64] : s)
            sb.Append(char.IsControl(c) || char.IsSurrogate(c) ? '\uFFFD' : c);
        return sb.ToString();
    }

    /// <summary>The string token unescaped and transcoded (null when that fails); the string is only made when <paramref name="keep"/>.</summary>
    static string? ReadString(ref Utf8JsonReader reader, ref char[]? scratch, bool keep)
    {
        // Unescaped UTF-16 is never longer, in chars, than the escaped UTF-8 in bytes.
        var needed = reader.HasValueSequence ? checked((int)reader.ValueSequence.Length) : reader.ValueSpan.Length;
        if (scratch is null || scratch.Length < needed)
        {
            if (scratch is not null) ArrayPool<char>.Shared.Return(scratch);
            scratch = ArrayPool<char>.Shared.Rent(Math.Max(needed, 256));
        }
        // CopyString does not refuse every invalid UTF-8 sequence (some come back as U+FFFD), while GetString does, later:
        // check the bytes themselves. Escapes are ASCII, so the escaped form is valid exactly when the text is.
        if (reader.HasValueSequence ? !IsValidUtf8(reader.ValueSequence) : !Utf8.IsValid(reader.ValueSpan)) return null;
        try
        {
            var length = reader.CopyString(scratch);
            // The reader checks invalid UTF-8 and escaped surrogates; a valid escape pair can still leave a lone one behind.
            var chars = scratch.AsSpan(0, length);
            if (!IsWellFormed(chars)) return null;
            return keep ? new string(chars) : "";
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    static bool IsValidUtf8(ReadOnlySequence<byte> sequence) => Utf8.IsValid(sequence.ToArray());

    static bool IsWellFormed(ReadOnlySpan<char> s)
    {
        for (var i = 0; i < s.Length; i++)
        {
            var c = s[i];
            if (!char.IsSurrogate(c)) continue;
            if (char.IsHighSurrogate(c) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1])) { i++; continue; }
            return false;
        }
        return true;
    }
}
