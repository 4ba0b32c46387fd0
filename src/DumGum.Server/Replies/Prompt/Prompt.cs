using Microsoft.Extensions.AI;

namespace DumGum.Replies.Prompt;

/// <summary>One inspectable piece of a prompt: what it is, who says it, and how many tokens it costs.</summary>
public sealed record PromptBlock(string Name, string Role, string Text, int Tokens);

/// <summary>
/// A prompt as ordered blocks (stable persona block first, volatile blocks last, so model servers can reuse their
/// prompt cache) and the chat messages made from them.
/// </summary>
public sealed record Prompt(
    IReadOnlyList<PromptBlock> Blocks,
    IReadOnlyList<ChatMessage> Messages,
    int Tokens,
    int HistoryMessagesUsed,
    int HistoryMessagesDropped);
