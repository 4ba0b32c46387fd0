using System.Text;
using System.Text.Json.Nodes;
using DumGum.Customers;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;

namespace DumGum.Replies;

public sealed class ReplyEngineOptions
{
    /// <summary><c>offline</c> (built in, the default). Real models arrive with issue 3.</summary>
    public string Engine { get; set; } = "offline";

    static readonly string[] DefaultChatModels = ["dating-smart-1", "chat-2-smart", "chat-2-pro"];

    /// <summary>Logical chat model names the API accepts (decisions §7). Empty here because binding appends to a default list.</summary>
    public string[] ChatModels { get; set; } = [];

    public IReadOnlyList<string> AcceptedChatModels => ChatModels.Length > 0 ? ChatModels.Distinct().ToArray() : DefaultChatModels;
}

public sealed record GeneratedReply(
    IReadOnlyList<string> Parts,
    string? PictureUrl,
    bool Poke,
    decimal Cost,
    string? ModelId,
    IReadOnlyDictionary<string, bool> Signals,
    PromptItemisation Itemisation);

public sealed record PromptItemisation(string ChatModel, string BackendModel, IReadOnlyList<DumGum.Replies.Prompt.PromptBlock> Blocks,
    long InputTokens, long OutputTokens, int Attempts, IReadOnlyList<string> RegenerationReasons);

/// <summary>
/// The seam between a conversation run and whatever writes the words. Normal runs go through the registered
/// <see cref="IChatClient"/> pipeline; <c>testMode</c> runs always use the offline engine and cost nothing (decisions §3).
/// </summary>
public sealed class ReplyWriter(IChatClient model, OfflineChatClient offline)
{
    public async Task<GeneratedReply> WriteAsync(ReplyContext context, string projectId, bool testMode,
        CancellationToken cancellationToken)
    {
        var client = testMode ? offline : model;
        var options = new ChatOptions { AdditionalProperties = new() { [ReplyContext.OptionsKey] = context } };
        var response = await client.GetResponseAsync(BuildPrompt(context), options, cancellationToken);
        var text = response.Text.Trim();
        if (text.Length == 0) throw new InvalidOperationException("the reply engine returned an empty reply");
        // TODO(issue 3): price real model usage per chatModel; the offline engine is free.
        _ = projectId;
        return new GeneratedReply([text], null, false, 0m, response.ModelId, new Dictionary<string, bool>(),
            new PromptItemisation(context.Parameters.ChatModel, response.ModelId ?? "", [], 0, 0, 1, []));
    }

    /// <summary>
    /// A plain prompt: who the persona is, then the history as turns. The full prompt assembly (profiles, reply
    /// parameters, token budget) is issue 3's; the offline engine reads the structured context instead.
    /// </summary>
    static List<ChatMessage> BuildPrompt(ReplyContext c)
    {
        var system = new StringBuilder()
            .Append("You are ").Append(c.Persona.DisplayName).Append(", chatting with ").Append(c.User.DisplayName)
            .Append(". Reply in language ").Append(c.Language).Append(" as a short chat message, in character.");
        var messages = new List<ChatMessage> { new(ChatRole.System, system.ToString()) };
        foreach (var m in c.History)
            messages.Add(new ChatMessage(m.Sender == Sender.User ? ChatRole.User : ChatRole.Assistant, Describe(m)));
        return messages;
    }

    static string Describe(HistoryMessage m)
    {
        var parts = new List<string>();
        if (!string.IsNullOrWhiteSpace(m.Text)) parts.Add(m.Text);
        if (m.PictureUrls.Count > 0) parts.Add($"[sent {m.PictureUrls.Count} picture(s)]");
        foreach (var g in m.Gifts) parts.Add($"[sent a gift: {g.Name}]");
        if (m.Sticker is not null) parts.Add($"[sticker: {m.Sticker}]");
        if (m.Poke) parts.Add("[poke]");
        return string.Join(' ', parts);
    }
}
