using System.Text.Json.Nodes;

namespace DumGum.Conversations;

/// <summary>
/// Resolves reply parameters: a non-null request value wins over the project default, which wins over the built-in
/// default (docs/behaviour.md, "Requests and errors"), field by field at every depth: a request's <c>guardrails: {aiSuspicion: false}</c> keeps the
/// project's other guardrail settings. Lists are values and replace each other whole. Both inputs are canonical
/// (validated) objects.
/// </summary>
public static class ReplySettings
{
    public const int DefaultBufferSeconds = 5;
    public const int DefaultMaxProcessingTimeSeconds = 300;

    public static JsonObject Merge(JsonObject request, JsonObject projectDefaults)
    {
        var merged = (JsonObject)projectDefaults.DeepClone();
        Overlay(merged, request);
        return merged;
    }

    static void Overlay(JsonObject target, JsonObject source)
    {
        foreach (var (name, value) in source)
        {
            if (value is null) continue;
            if (value is JsonObject child && target[name] is JsonObject existing) Overlay(existing, child);
            else target[name] = value.DeepClone();
        }
    }

    public static int BufferSeconds(JsonObject merged) => (int?)(long?)merged["bufferSeconds"] ?? DefaultBufferSeconds;

    public static int MaxProcessingTimeSeconds(JsonObject merged) =>
        (int?)(long?)merged["maxProcessingTimeSeconds"] ?? DefaultMaxProcessingTimeSeconds;
}
