namespace DumGum.Replies;

/// <summary>
/// What the safety step did to a run's reply, kept in the answer's itemisation (<c>safety</c>) and the run's checks so
/// the Response explorer shows it (docs/behaviour.md, "Safety replies").
/// </summary>
public sealed record SafetyNote
{
    /// <summary>The user's messages carried a self-harm signal (rules or model): the run is flagged and counted in usage.</summary>
    public bool SelfHarm { get; init; }
    /// <summary>The helpline given (self-harm only): <c>country</c> null for the international fallback.</summary>
    public Helpline? Helpline { get; init; }
    /// <summary>The stop reason the reply had to fit, if any.</summary>
    public string? StopReason { get; init; }
    /// <summary>
    /// What DumGum wrote in place of the reply: <c>EXIT</c>, <c>SELF_HARM_CARE</c>, <c>AI_DISCLOSURE</c>, <c>NO_TEXT</c>
    /// (self-harm with <c>answer: false</c>); null when the written reply was sent as it was.
    /// </summary>
    public string? Replacement { get; init; }
    /// <summary>Why the written reply was not used: the failed fit check, "written by the offline engine", "self-harm".</summary>
    public string? ReplacedBecause { get; init; }
    /// <summary>An AI disclosure was due: <c>SINCERE_QUESTION</c> or <c>FIRST_MESSAGE</c>; null otherwise.</summary>
    public string? AiDisclosure { get; init; }
    /// <summary>A disclosure line was put before the message.</summary>
    public bool DisclosureLineAdded { get; init; }
    /// <summary>The language of the messages DumGum wrote (EN when the conversation's language has none).</summary>
    public string? MessagesLanguage { get; init; }
}

/// <summary>A crisis helpline: its name and how to reach it; <see cref="Country"/> is null for the international fallback.</summary>
public sealed record Helpline(string? Country, string Name, string Contact)
{
    /// <summary>How the care reply names it: "Samaritans (116 123)", or the address alone for a web directory.</summary>
    public string Text => Contact.StartsWith("https://", StringComparison.Ordinal) ? Contact : $"{Name} ({Contact})";
}
