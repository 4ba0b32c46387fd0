namespace DumGum.Projects;

/// <summary>
/// The project setting <c>aiDisclosurePolicy</c> (docs/behaviour.md, "AI disclosure"): whether the persona says it is an
/// AI, overriding "stay in character" where an operator's law requires it.
/// </summary>
public static class AiDisclosurePolicy
{
    /// <summary>The documented behaviour: the persona stays in character (<c>fictionalDisclosure</c> and <c>aiSuspicion</c> apply).</summary>
    public const string Never = "never";
    /// <summary>A sincere "are you a bot?" gets an honest answer instead of a deflection or an <c>AI_SUSPICION</c> stop.</summary>
    public const string WhenAskedSincerely = "when-asked-sincerely";
    /// <summary>As <see cref="WhenAskedSincerely"/>, and the persona's first message in a conversation starts with a disclosure.</summary>
    public const string AlwaysOnFirstMessage = "always-on-first-message";

    public static readonly IReadOnlyList<string> All = [Never, WhenAskedSincerely, AlwaysOnFirstMessage];

    /// <summary>The canonical value; anything unknown (an older stored project) reads as <see cref="Never"/>.</summary>
    public static string Normalize(string? value) =>
        All.FirstOrDefault(p => string.Equals(p, value?.Trim(), StringComparison.OrdinalIgnoreCase)) ?? Never;

    /// <summary>True when sincere questions get an honest answer.</summary>
    public static bool AnswersHonestly(string? policy) => Normalize(policy) != Never;
}
