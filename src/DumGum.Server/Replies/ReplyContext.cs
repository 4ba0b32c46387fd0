using DumGum.Customers;

namespace DumGum.Replies;

/// <summary>What a reply is for: an answer to the user's messages, or an unsolicited Engage message.</summary>
public enum ReplyMode { Reply, Icebreaker, Nudge, Revive }

/// <summary>
/// Everything a reply is written from. The model path turns it into a prompt (<see cref="Prompt.PromptBuilder"/>);
/// the offline engine reads it directly (it travels in <c>ChatOptions.AdditionalProperties[ReplyContext.OptionsKey]</c>).
/// </summary>
public sealed record ReplyContext(
    CustomerProfile User,
    CustomerProfile Persona,
    IReadOnlyList<HistoryMessage> History,
    string Language,
    DateTimeOffset Now)
{
    public const string OptionsKey = "dumgum.replyContext";

    public IReadOnlyList<string> AdditionalLanguages { get; init; } = [];
    public ReplyParameters Parameters { get; init; } = new();
    /// <summary>Resolved from <c>engage</c> (AUTO already decided by the 6-hour rule).</summary>
    public ReplyMode Mode { get; init; } = ReplyMode.Reply;
    /// <summary>For icebreakers: the resolved angle (NO_PHOTO, MISSING_DETAIL, MUCH_YOUNGER, MUCH_OLDER, NEARBY, GENERIC, …).</summary>
    public string? IcebreakerAngle { get; init; }
    /// <summary>The SoulEngine style card of the persona, when <c>generatePersonality</c> is on.</summary>
    public string? StyleCard { get; init; }
    /// <summary>Smart Share is switched on for the project and pictures were offered.</summary>
    public bool SmartShareEnabled { get; init; }
    /// <summary>Whether this reply should be split into several messages (decided by the caller from the frequency).</summary>
    public bool SplitReply { get; init; }
    /// <summary>Whether this reply should end with a question (decided by the caller from <c>questionFrequency</c>).</summary>
    public bool? EndWithQuestion { get; init; }
    /// <summary>The project's <c>aiDisclosurePolicy</c> (docs/behaviour.md, "AI disclosure"): never, when-asked-sincerely, always-on-first-message.</summary>
    public string AiDisclosurePolicy { get; init; } = Projects.AiDisclosurePolicy.Never;
    /// <summary>Vision Link's described pictures (docs/behaviour.md, "Vision Link"); null where it did not run (a context built outside the reply pipeline, as unit tests do): no pictures then.</summary>
    public Vision.VisionNotes? Vision { get; init; }
    /// <summary>The pair's long-term memories, newest first (empty with memory off); the prompt picks what fits (docs/memory.md).</summary>
    public IReadOnlyList<Memory.MemoryItem> Memories { get; init; } = [];
}
