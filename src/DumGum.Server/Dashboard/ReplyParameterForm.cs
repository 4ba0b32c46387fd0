using System.Globalization;
using System.Text.Json.Nodes;
using DumGum.Conversations;
using DumGum.Http.Validation;

namespace DumGum.Dashboard;

/// <summary>
/// The Settings page's form over the project's default <c>replyParameters</c>, built from the same schema that checks
/// the API: every simple field (and the simple fields of nested objects such as <c>vision</c>) becomes an input; the
/// Core Guardian switches and ban ladders get their own section. Form values become JSON the rules then check, so a
/// bad value comes back with the API's message at its field.
/// </summary>
public sealed class ReplyParameterForm(EnqueueSchema schema)
{
    public enum Kind { Choice, Boolean, Number, Text }

    /// <summary>One input: its JSON path under <c>defaultReplyParameters</c>, and what it accepts.</summary>
    public sealed record Input(string Path, string Label, Kind Kind, IReadOnlyList<string> Choices)
    {
        public string FormName => "rp." + Path;
        public string ErrorPath => "defaultReplyParameters." + Path;
    }

    public sealed record Guard(string Name, string Label)
    {
        public string SwitchPath => $"guardrails.{Name}";
        public string AnswerPath => $"guardrails.{Name}OptionSet.answer";
        public string LadderPath => $"guardrails.{Name}OptionSet.banDurations";
    }

    /// <summary>Lists and free-form objects are edited through the API (<c>PATCH /admin/v1/projects/{id}</c>).</summary>
    static readonly HashSet<string> NotInForm = ["shareablePictures", "guardrails"];

    public IReadOnlyList<Input> Inputs { get; } = Flatten(schema.ReplyParameters, "").ToList();

    public IReadOnlyList<Guard> Guards { get; } = ((ObjectRule)schema.ReplyParameters.Fields.Single(f => f.Name == "guardrails").Rule).Fields
        .Where(f => f.Rule is BoolRule).Select(f => new Guard(f.Name, Humanize(f.Name))).ToList();

    static IEnumerable<Input> Flatten(ObjectRule rule, string prefix)
    {
        foreach (var field in rule.Fields)
        {
            if (NotInForm.Contains(field.Name)) continue;
            var path = prefix + field.Name;
            switch (field.Rule)
            {
                case ObjectRule nested:
                    foreach (var input in Flatten(nested, path + ".")) yield return input;
                    break;
                case EnumRule e: yield return new Input(path, Humanize(path), Kind.Choice, e.Allowed); break;
                case BoolRule: yield return new Input(path, Humanize(path), Kind.Boolean, ["true", "false"]); break;
                case IntegerRule or NumberRule: yield return new Input(path, Humanize(path), Kind.Number, []); break;
                default: yield return new Input(path, Humanize(path), Kind.Text, []); break;
            }
        }
    }

    /// <summary><c>vision.sharedPicturesAnalysis</c> → "Vision: shared pictures analysis".</summary>
    static string Humanize(string path)
    {
        var parts = path.Split('.').Select(p => string.Concat(p.Select((c, i) =>
            char.IsUpper(c) && i > 0 ? " " + char.ToLowerInvariant(c) : i == 0 ? char.ToUpperInvariant(c).ToString() : c.ToString())));
        return string.Join(": ", parts);
    }

    /// <summary>The current value at <paramref name="path"/> as the form shows it ("" when not set).</summary>
    public static string Value(JsonObject defaults, string path)
    {
        JsonNode? node = defaults;
        foreach (var part in path.Split('.')) node = (node as JsonObject)?[part];
        return node switch
        {
            null => "",
            JsonArray a => string.Join(", ", a.Select(v => v?.ToJsonString())),
            JsonValue v when v.TryGetValue<bool>(out var b) => b ? "true" : "false",
            JsonValue v when v.TryGetValue<string>(out var s) => s,
            _ => node.ToJsonString(),
        };
    }

    /// <summary>
    /// The new defaults: the current ones with every field of the form set from <paramref name="form"/>; an empty
    /// value means "not set". Values are typed as JSON would type them; what does not parse is passed on as text so
    /// the rules say what is wrong with it.
    /// </summary>
    public JsonObject ApplyInputs(JsonObject current, Func<string, string?> form)
    {
        var result = (JsonObject)current.DeepClone();
        foreach (var input in Inputs)
            Set(result, input.Path, Typed(form(input.FormName), input.Kind));
        return result;
    }

    /// <summary>The same for the Core Guardian section: each guardrail's switch, its <c>answer</c> and its ban ladder.</summary>
    public JsonObject ApplyGuards(JsonObject current, Func<string, string?> form)
    {
        var result = (JsonObject)current.DeepClone();
        foreach (var guard in Guards)
        {
            Set(result, guard.SwitchPath, Typed(form("rp." + guard.SwitchPath), Kind.Boolean));
            Set(result, guard.AnswerPath, Typed(form("rp." + guard.AnswerPath), Kind.Boolean));
            Set(result, guard.LadderPath, Ladder(form("rp." + guard.LadderPath)));
        }
        return result;
    }

    static JsonValue? Typed(string? value, Kind kind)
    {
        value = value?.Trim();
        if (string.IsNullOrEmpty(value)) return null;
        return kind switch
        {
            Kind.Boolean when bool.TryParse(value, out var b) => JsonValue.Create(b),
            Kind.Number when long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var l) => JsonValue.Create(l),
            Kind.Number when double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) => JsonValue.Create(d),
            _ => JsonValue.Create(value),
        };
    }

    /// <summary>"120, 720, 1440" → [120, 720, 1440] (minutes per offence).</summary>
    static JsonArray? Ladder(string? value)
    {
        if (string.IsNullOrWhiteSpace(value)) return null;
        return new JsonArray(value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(v => long.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? JsonValue.Create(n) : (JsonNode)JsonValue.Create(v)!)
            .ToArray());
    }

    static void Set(JsonObject root, string path, JsonNode? value)
    {
        var parts = path.Split('.');
        var node = root;
        for (var i = 0; i < parts.Length - 1; i++)
        {
            if (node[parts[i]] is not JsonObject child)
            {
                if (value is null) return;
                node[parts[i]] = child = [];
            }
            node = child;
        }
        if (value is null) node.Remove(parts[^1]);
        else node[parts[^1]] = value;
        // Leave no empty objects behind: "not set" all the way up.
        if (value is null && parts.Length > 1 && node.Count == 0) Set(root, string.Join('.', parts[..^1]), null);
    }
}
