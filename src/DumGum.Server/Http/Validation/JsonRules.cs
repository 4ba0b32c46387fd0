using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace DumGum.Http.Validation;

/// <summary>
/// A small declarative validator for request bodies: each rule checks one JSON value, reports problems under its JSON
/// path, and returns the value in canonical form (canonical property names, numeric strings as numbers, enum values in
/// upper case). Unknown properties are ignored and names match case-insensitively (docs/behaviour.md, "Requests and errors"); <c>null</c> on an
/// optional field means "not set" and is left out of the canonical object.
/// </summary>
public abstract class JsonRule
{
    public abstract JsonNode? Check(JsonElement value, string path, Errors errors);

    public sealed class Errors : Dictionary<string, string[]>
    {
        public void Add(string path, string message) =>
            this[path] = TryGetValue(path, out var existing) ? [.. existing, message] : [message];
    }

    protected static string Kind(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Object => "an object", JsonValueKind.Array => "an array", JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number", JsonValueKind.True or JsonValueKind.False => "a boolean", _ => "null",
    };
}

public sealed record Field(string Name, JsonRule Rule, bool Required = false);

public sealed class ObjectRule(params Field[] fields) : JsonRule
{
    readonly Dictionary<string, Field> byName = fields.ToDictionary(f => f.Name, StringComparer.OrdinalIgnoreCase);

    /// <summary>The fields, in order: the dashboard builds its forms from them, so a form and the API share one set of rules.</summary>
    public IReadOnlyList<Field> Fields => fields;

    /// <summary>Checks a whole request body: it must be a JSON object. Returns the canonical object, or null with the errors.</summary>
    public JsonObject? CheckBody(JsonElement body, out Errors errors)
    {
        errors = new Errors();
        if (body.ValueKind != JsonValueKind.Object)
        {
            errors.Add("$", "the body must be a JSON object");
            return null;
        }
        var canonical = (JsonObject)Check(body, "", errors)!;
        return errors.Count > 0 ? null : canonical;
    }

    public override JsonNode? Check(JsonElement value, string path, Errors errors)
    {
        if (value.ValueKind != JsonValueKind.Object) { errors.Add(path, $"must be an object, not {Kind(value)}"); return null; }
        var result = new JsonObject();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var property in value.EnumerateObject())
        {
            if (!byName.TryGetValue(property.Name, out var field)) continue;
            var childPath = path.Length == 0 ? field.Name : $"{path}.{field.Name}";
            // Names match case-insensitively, so "language" and "LANGUAGE" are one field given twice: refused like an
            // exact duplicate rather than letting the last one win (docs/behaviour.md, "Malformed JSON").
            if (!seen.Add(field.Name))
            {
                errors.Add(childPath, "is given more than once (property names match case-insensitively)");
                continue;
            }
            if (property.Value.ValueKind == JsonValueKind.Null)
            {
                if (field.Required) errors.Add(childPath, "is required and must not be null");
                result.Remove(field.Name);
                continue;
            }
            var checkedValue = field.Rule.Check(property.Value, childPath, errors);
            if (checkedValue is not null) result[field.Name] = checkedValue;
        }
        foreach (var field in fields)
            if (field.Required && !seen.Contains(field.Name))
                errors.Add(path.Length == 0 ? field.Name : $"{path}.{field.Name}", "is required");
        return result;
    }
}

public sealed class StringRule(int min, int max) : JsonRule
{
    public override JsonNode? Check(JsonElement value, string path, Errors errors)
    {
        if (value.ValueKind != JsonValueKind.String) { errors.Add(path, $"must be a string, not {Kind(value)}"); return null; }
        var s = value.GetString()!;
        if (s.Length < min || s.Length > max) { errors.Add(path, $"must be {min} to {max} characters long"); return null; }
        if (s.Any(char.IsControl)) { errors.Add(path, "must not contain control characters"); return null; }
        return JsonValue.Create(s);
    }
}

/// <summary>
/// An opaque customer string (a version tag, a message id): a string, or a number taken as its text, since older
/// examples sent numbers (liberal in what we accept).
/// </summary>
public sealed class OpaqueTextRule : JsonRule
{
    public static readonly OpaqueTextRule Instance = new();

    public override JsonNode? Check(JsonElement value, string path, Errors errors)
    {
        if (value.ValueKind == JsonValueKind.Number) return JsonValue.Create(value.GetRawText());
        if (value.ValueKind != JsonValueKind.String) { errors.Add(path, $"must be a string, not {Kind(value)}"); return null; }
        var s = value.GetString()!;
        if (s.Length > 256) { errors.Add(path, "must be at most 256 characters long"); return null; }
        return JsonValue.Create(s);
    }
}

public sealed class BoolRule : JsonRule
{
    public static readonly BoolRule Instance = new();

    public override JsonNode? Check(JsonElement value, string path, Errors errors)
    {
        if (value.ValueKind is JsonValueKind.True or JsonValueKind.False) return JsonValue.Create(value.GetBoolean());
        errors.Add(path, $"must be a boolean, not {Kind(value)}");
        return null;
    }
}

public sealed class EnumRule(IReadOnlyList<string> allowed, IReadOnlyDictionary<string, string>? aliases = null) : JsonRule
{
    readonly Dictionary<string, string> lookup = Build(allowed, aliases);

    public IReadOnlyList<string> Allowed => allowed;

    public override JsonNode? Check(JsonElement value, string path, Errors errors)
    {
        if (value.ValueKind == JsonValueKind.String && lookup.TryGetValue(value.GetString()!, out var canonical))
            return JsonValue.Create(canonical);
        errors.Add(path, $"must be one of: {string.Join(", ", allowed)}");
        return null;
    }

    static Dictionary<string, string> Build(IReadOnlyList<string> allowed, IReadOnlyDictionary<string, string>? aliases)
    {
        var d = allowed.ToDictionary(v => v, v => v, StringComparer.OrdinalIgnoreCase);
        if (aliases is not null) foreach (var (alias, target) in aliases) d[alias] = target;
        return d;
    }
}

/// <summary>An integer, also accepted as a numeric string (<c>"5"</c>) as the documentation's examples send it.</summary>
public sealed class IntegerRule(int min, int max, bool allowNumericString = true) : JsonRule
{
    public override JsonNode? Check(JsonElement value, string path, Errors errors)
    {
        long? n = value.ValueKind switch
        {
            JsonValueKind.Number when value.TryGetInt64(out var i) => i,
            JsonValueKind.Number when value.TryGetDouble(out var d) && d == Math.Floor(d) && Math.Abs(d) < 1e15 => (long)d,
            JsonValueKind.String when allowNumericString && long.TryParse(value.GetString()!.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var s) => s,
            _ => null,
        };
        if (n is null || n < min || n > max)
        {
            errors.Add(path, $"must be an integer from {min} to {max}" + (allowNumericString ? " (a number or a numeric string)" : ""));
            return null;
        }
        return JsonValue.Create(n.Value);
    }
}

public sealed class NumberRule(double min, double max) : JsonRule
{
    public override JsonNode? Check(JsonElement value, string path, Errors errors)
    {
        double? n = value.ValueKind switch
        {
            JsonValueKind.Number when value.TryGetDouble(out var d) => d,
            JsonValueKind.String when double.TryParse(value.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var s) => s,
            _ => null,
        };
        if (n is null || double.IsNaN(n.Value) || n < min || n > max)
        {
            errors.Add(path, $"must be a number from {min.ToString(CultureInfo.InvariantCulture)} to {max.ToString(CultureInfo.InvariantCulture)}");
            return null;
        }
        return JsonValue.Create(n.Value);
    }
}

public sealed class ArrayRule(JsonRule item, int maxItems) : JsonRule
{
    public override JsonNode? Check(JsonElement value, string path, Errors errors)
    {
        if (value.ValueKind != JsonValueKind.Array) { errors.Add(path, $"must be an array, not {Kind(value)}"); return null; }
        if (value.GetArrayLength() > maxItems) { errors.Add(path, $"must have at most {maxItems} items"); return null; }
        var result = new JsonArray();
        var i = 0;
        foreach (var element in value.EnumerateArray())
        {
            var itemPath = $"{path}[{i++}]";
            if (element.ValueKind == JsonValueKind.Null) { errors.Add(itemPath, "must not be null"); continue; }
            if (item.Check(element, itemPath, errors) is { } node) result.Add(node);
        }
        return result;
    }
}

/// <summary><c>tags</c>: at most 50 entries, keys 1–64 characters, values string (≤ 512), number, boolean or null, echoed exactly.</summary>
public sealed class TagsRule : JsonRule
{
    public override JsonNode? Check(JsonElement value, string path, Errors errors)
    {
        if (value.ValueKind != JsonValueKind.Object) { errors.Add(path, $"must be an object, not {Kind(value)}"); return null; }
        var result = new JsonObject();
        var count = 0;
        foreach (var property in value.EnumerateObject())
        {
            if (++count > 50) { errors.Add(path, "must have at most 50 entries"); return null; }
            var keyPath = $"{path}.{property.Name}";
            if (property.Name.Length is < 1 or > 64) { errors.Add(keyPath, "tag keys must be 1 to 64 characters long"); continue; }
            switch (property.Value.ValueKind)
            {
                case JsonValueKind.String when property.Value.GetString()!.Length > 512:
                    errors.Add(keyPath, "tag values must be at most 512 characters long");
                    break;
                case JsonValueKind.String or JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False or JsonValueKind.Null:
                    result[property.Name] = JsonNode.Parse(property.Value.GetRawText());
                    break;
                default:
                    errors.Add(keyPath, $"tag values must be a string, number, boolean or null, not {Kind(property.Value)}");
                    break;
            }
        }
        return result;
    }
}

/// <summary>Any JSON value, kept as sent (for extension objects we do not interpret yet).</summary>
public sealed class AnyObjectRule : JsonRule
{
    public override JsonNode? Check(JsonElement value, string path, Errors errors)
    {
        if (value.ValueKind != JsonValueKind.Object) { errors.Add(path, $"must be an object, not {Kind(value)}"); return null; }
        return JsonNode.Parse(value.GetRawText());
    }
}
