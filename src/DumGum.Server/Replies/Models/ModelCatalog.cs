using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Options;

namespace DumGum.Replies.Models;

/// <summary>The logical <c>chatModel</c> names the API accepts, each resolved to its <see cref="ModelProfile"/> (docs/models.md, "Logical chat models").</summary>
public sealed class ModelCatalog
{
    readonly Dictionary<string, (ModelProfile Profile, ChatModelOptions Options)> models;

    public ModelCatalog(IOptions<GenerationOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var o = options.Value;
        Provider = o.Provider;
        models = new(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, m) in o.Models)
            models[name] = (new ModelProfile(name, m.BackendModel ?? name, m.ContextTokens, m.MaxOutputTokens, m.Vision,
                m.InputPricePerMillion, m.OutputPricePerMillion, m.Temperature, m.TopP), m);
        // Built-in names first, in their documented order; then the configured ones alphabetically.
        Names = models.Keys
            .OrderBy(n => GenerationOptions.BuiltInModels.IndexOf(n, StringComparer.OrdinalIgnoreCase) is var i and >= 0 ? i : int.MaxValue)
            .ThenBy(n => n, StringComparer.Ordinal)
            .ToArray();
    }

    public GenerationProvider Provider { get; }

    /// <summary>Every accepted <c>chatModel</c> value (what a 400 lists).</summary>
    public IReadOnlyList<string> Names { get; }

    /// <summary>The profile of <paramref name="chatModel"/> (case-insensitive); <see cref="UnknownChatModelException"/> when not configured.</summary>
    public ModelProfile Resolve(string chatModel) =>
        TryResolve(chatModel, out var profile) ? profile : throw new UnknownChatModelException(chatModel, Names);

    public bool TryResolve(string? chatModel, [NotNullWhen(true)] out ModelProfile? profile)
    {
        profile = chatModel is not null && models.TryGetValue(chatModel, out var m) ? m.Profile : null;
        return profile is not null;
    }

    /// <summary>Whether requests for <paramref name="chatModel"/> ask for the JSON response format.</summary>
    public bool JsonMode(string chatModel) => !models.TryGetValue(chatModel, out var m) || m.Options.JsonMode;

    /// <summary>Whether the output cap goes out as <c>max_tokens</c> rather than <c>max_completion_tokens</c>.</summary>
    public bool LegacyMaxTokens(string chatModel) => models.TryGetValue(chatModel, out var m) && m.Options.LegacyMaxTokens;
}

static class ListExtensions
{
    public static int IndexOf(this IReadOnlyList<string> list, string value, StringComparer comparer)
    {
        for (var i = 0; i < list.Count; i++)
            if (comparer.Equals(list[i], value)) return i;
        return -1;
    }
}
