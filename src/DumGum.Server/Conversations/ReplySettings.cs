using System.Text.Json.Nodes;

namespace DumGum.Conversations;

/// <summary>
/// Resolves reply parameters: a non-null request value wins over the project default, which wins over the built-in
/// default (decisions §2). Both inputs are canonical (validated) objects.
/// </summary>
public static class ReplySettings
{
    public const int DefaultBufferSeconds = 5;
    public const int DefaultMaxProcessingTimeSeconds = 300;

    public static JsonObject Merge(JsonObject request, JsonObject projectDefaults)
    {
        var merged = (JsonObject)projectDefaults.DeepClone();
        foreach (var (name, value) in request)
            if (value is not null) merged[name] = value.DeepClone();
        return merged;
    }

    public static int BufferSeconds(JsonObject merged) => (int?)(long?)merged["bufferSeconds"] ?? DefaultBufferSeconds;

    public static int MaxProcessingTimeSeconds(JsonObject merged) =>
        (int?)(long?)merged["maxProcessingTimeSeconds"] ?? DefaultMaxProcessingTimeSeconds;
}
