using System.Text.RegularExpressions;

namespace DumGum.Memory.Extraction;

/// <summary>
/// The deterministic extractor used by the offline engine (and as the fallback when no model extracts).
/// Placeholder: English name and home town only, until the per-language rule tables land.
/// </summary>
public sealed partial class OfflineMemoryExtractor : IMemoryExtractor
{
    public IReadOnlyList<MemoryCandidate> Extract(string text, string language, string target, DateOnly today)
    {
        if (language != "en") return [];
        var found = new List<MemoryCandidate>();
        var who = target == MemoryTargets.User ? "user" : "persona";
        if (NameRule().Match(text) is { Success: true } name)
            found.Add(new MemoryCandidate($"{who}_name", target, MemoryCategories.Name, $"Is called {name.Groups[1].Value}",
                null, null, text, [name.Groups[1].Value.ToLowerInvariant()], $"{who}_name"));
        if (HomeRule().Match(text) is { Success: true } home)
        {
            var place = home.Groups[1].Value;
            found.Add(new MemoryCandidate($"{who}_lives_in_{place.ToLowerInvariant().Replace(' ', '_')}", target, MemoryCategories.Location,
                $"Lives in {place}", null, null, text, [place.ToLowerInvariant()], $"{who}_location"));
        }
        return found;
    }

    [GeneratedRegex(@"\bmy name is ([A-Z][a-z]+)")]
    private static partial Regex NameRule();

    [GeneratedRegex(@"\bI (?:live|moved) (?:in|to) ([A-Z][a-z]+(?: [A-Z][a-z]+)?)")]
    private static partial Regex HomeRule();
}
