namespace DumGum;

/// <summary>
/// What a conversation is: one user and one persona of one project. It sits at the root because every feature
/// (runs, memory, vision, guardrails, delivery) speaks of it, and none should depend on another to name it.
/// </summary>
public sealed record ConversationKey(string ProjectId, string UserProfileId, string PersonaProfileId);
