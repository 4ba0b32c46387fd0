using DumGum.Customers;
using DumGum.Memory;
using DumGum.Replies;
using DumGum.Replies.Models;
using DumGum.Replies.Prompt;

namespace DumGum.Tests.Memory;

/// <summary>The memories block (docs/memory.md, "Memories in the prompt"): relevance, recency, budget.</summary>
public sealed class MemoryPromptTests
{
    static readonly TokenCounter Tokens = new();
    static readonly DateTimeOffset Now = new(2026, 3, 14, 8, 30, 0, TimeSpan.Zero);

    static MemoryItem Memory(int i, string description, string[] tags, string target = MemoryTargets.User) =>
        new()
        {
            UniqueIdentifier = $"user_fact_{i}", Target = target, Category = MemoryCategories.Other, Description = description,
            SourceText = "source", Timestamp = Now.AddMinutes(-i), Tags = tags,
        };

    static HistoryMessage UserSays(string text) => new("m-1", Sender.User, Now, text, [], false, [], null);

    [Fact]
    public void Relevant_memories_come_first_then_the_newest_and_500_fit_the_budget()
    {
        // Newest first, like the store returns them; one old memory matches the newest message.
        var memories = Enumerable.Range(0, 500).Select(i => Memory(i, $"Collects stamp series number {i}", ["stamps"])).ToList();
        memories[450] = Memory(450, "Plays classical guitar most evenings", ["guitar", "music"]);
        var text = MemoryRenderer.Render(new System.Text.StringBuilder(), memories, [UserSays("I bought a new guitar today!")], "Anna", MemoryRenderer.MaxTokens, Tokens)!.Value.Text;
        var lines = text.Split('\n').Where(l => l.StartsWith("- ", StringComparison.Ordinal)).ToList();
        Assert.Equal("- Plays classical guitar most evenings", lines[0]);
        Assert.Equal("- Collects stamp series number 0", lines[1]);   // then the most recent
        Assert.InRange(Tokens.Count(text), 1, MemoryRenderer.MaxTokens);
        Assert.InRange(lines.Count, 10, 499);
    }

    [Fact]
    public void A_prompt_with_500_memories_stays_within_the_model_budget()
    {
        var memories = Enumerable.Range(0, 500).Select(i => Memory(i, $"Remembers detail number {i} about a long story", ["story"],
            i % 3 == 0 ? MemoryTargets.Persona : MemoryTargets.User)).ToList();
        var user = CustomerProfile.Parse(new System.Text.Json.Nodes.JsonObject { ["id"] = "u", ["firstName"] = "Anna", ["gender"] = "WOMAN" }, "u", out _)!;
        var persona = CustomerProfile.Parse(new System.Text.Json.Nodes.JsonObject { ["id"] = "p", ["firstName"] = "Marta", ["gender"] = "WOMAN" }, "p", out _)!;
        var context = new ReplyContext(user, persona, [UserSays("Tell me a story")], "en", Now) { Memories = memories };
        var prompt = new PromptBuilder(Tokens).Build(context, ModelProfile.Offline);
        var block = Assert.Single(prompt.Blocks, b => b.Name == PromptBuilder.MemoriesBlock);
        Assert.InRange(block.Tokens, 1, MemoryRenderer.MaxTokens);
        Assert.InRange(Tokens.Count(block.Text), 1, MemoryRenderer.MaxTokens);   // counted line by line, and truly within budget
        Assert.Contains("About you (what you have told Anna):", block.Text, StringComparison.Ordinal);
        Assert.True(prompt.Tokens <= ModelProfile.Offline.ContextTokens - ModelProfile.Offline.MaxOutputTokens);
        Assert.Contains(block.Text, prompt.Messages[0].Text, StringComparison.Ordinal);
    }
}
