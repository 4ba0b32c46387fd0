using DumGum.Customers;
using DumGum.Replies.Models;
using DumGum.Replies.Prompt;
using static DumGum.Tests.Replies.Prompt.PromptFixtures;

namespace DumGum.Tests.Replies.Prompt;

public sealed class TokenBudgetTests
{
    static List<HistoryMessage> LongHistory(int count)
    {
        var list = new List<HistoryMessage>(count);
        for (var i = 0; i < count; i++)
        {
            var minutesAgo = (count - i) * 3;
            var text = $"message {i}: " + string.Join(' ', Enumerable.Repeat("words to fill the budget", 1 + i % 4));
            list.Add(i % 2 == 0 ? FromUser(text, minutesAgo) : FromPersona(text, minutesAgo));
        }
        return list;
    }

    static ModelProfile Model(int context, int output = 400) => new("tiny", "tiny", context, output, false, 0m, 0m);

    [Fact]
    public void Everything_fits_in_a_big_context()
    {
        var prompt = Build(Context(history: LongHistory(200)));
        Assert.Equal(200, prompt.HistoryMessagesUsed);
        Assert.Equal(0, prompt.HistoryMessagesDropped);
        Assert.DoesNotContain("Earlier messages", Block(prompt, "moment"), StringComparison.Ordinal);
    }

    [Fact]
    public void The_oldest_messages_go_first_and_the_newest_are_kept_whole()
    {
        var history = LongHistory(200);
        var full = Build(Context(history: history));
        var fixedTokens = full.Tokens - full.Blocks.Where(b => b.Name == "history").Sum(b => b.Tokens + PromptBuilder.TokensPerMessage);
        var model = Model(fixedTokens + 400 + 600);

        var prompt = Build(Context(history: history), model);

        Assert.True(prompt.HistoryMessagesUsed is > 0 and < 200, $"used {prompt.HistoryMessagesUsed}");
        Assert.Equal(200, prompt.HistoryMessagesUsed + prompt.HistoryMessagesDropped);
        var turns = prompt.Blocks.Where(b => b.Name == "history").Select(b => b.Text).ToList();
        // The kept turns are exactly the newest messages, whole and in order.
        Assert.Equal(history.Skip(prompt.HistoryMessagesDropped).Select(m => m.Text), turns);
        Assert.True(prompt.Tokens <= model.ContextTokens - model.MaxOutputTokens, $"{prompt.Tokens} tokens");
        Assert.Contains($"Earlier messages of this chat are not shown here ({prompt.HistoryMessagesDropped}).", Block(prompt, "moment"), StringComparison.Ordinal);
        foreach (var block in prompt.Blocks) Assert.Equal(Tokens.Count(block.Text), block.Tokens);
        Assert.Equal(2 + prompt.HistoryMessagesUsed, prompt.Messages.Count);
    }

    [Fact]
    public void A_message_that_does_not_fit_is_dropped_whole_with_everything_older()
    {
        var history = new List<HistoryMessage>
        {
            FromUser("short and old", 30),
            FromPersona(string.Join(' ', Enumerable.Repeat("a very long message", 300)), 20),
            FromUser("short and new", 10),
        };
        var full = Build(Context(history: history));
        var longTokens = full.Blocks.Where(b => b.Name == "history").Max(b => b.Tokens);
        var model = Model(full.Tokens - longTokens + 400 + 20); // room for the short ones, not for the long one

        var prompt = Build(Context(history: history), model);

        Assert.Equal(1, prompt.HistoryMessagesUsed);
        Assert.Equal(2, prompt.HistoryMessagesDropped);
        Assert.Equal("short and new", Assert.Single(prompt.Blocks, b => b.Name == "history").Text);
        Assert.DoesNotContain("short and old", All(prompt), StringComparison.Ordinal); // never skips over a message
    }

    [Fact]
    public void A_context_too_small_for_any_history_still_builds_a_prompt()
    {
        var prompt = Build(Context(history: LongHistory(20)), Model(500));

        Assert.Equal(0, prompt.HistoryMessagesUsed);
        Assert.Equal(20, prompt.HistoryMessagesDropped);
        Assert.Equal(["persona", "rules", "user", "moment", "steering"], prompt.Blocks.Select(b => b.Name));
        Assert.Equal(2, prompt.Messages.Count);
    }

    [Fact]
    public void More_context_never_means_fewer_messages()
    {
        var history = LongHistory(120);
        var last = -1;
        foreach (var size in new[] { 1500, 2000, 3000, 4000, 6000, 9000 })
        {
            var prompt = Build(Context(history: history), Model(size));
            Assert.True(prompt.HistoryMessagesUsed >= last);
            Assert.True(prompt.Tokens <= size - 400 || prompt.HistoryMessagesUsed == 0);
            last = prompt.HistoryMessagesUsed;
        }
        Assert.True(last > 0);
    }

    [Fact]
    public void Token_counter_uses_the_o200k_tokenizer()
    {
        Assert.Equal("o200k_base", Tokens.Encoding);
        Assert.Equal(0, Tokens.Count(""));
        Assert.Equal(0, Tokens.Count((string?)null));
        Assert.Equal(2, Tokens.Count("hello world"));
        Assert.Equal(Tokens.Count("Bonjour, comment ça va ?"), Tokens.Count("Bonjour, comment ça va ?".AsSpan()));
        Assert.True(Tokens.Count("こんにちは、元気ですか？") > 0);
    }

    [Fact]
    public void Remembered_counts_equal_fresh_counts_even_as_the_memory_rotates()
    {
        var remembering = new TokenCounter(cacheCapacity: 3);
        var forgetting = new TokenCounter(cacheCapacity: 0);
        var texts = Enumerable.Range(0, 40).Select(i => $"a text to count, number {i % 10}, " + new string('y', i % 10)).ToArray();
        foreach (var text in texts.Concat(texts.Reverse()))
            Assert.Equal(forgetting.Count(text), remembering.Count(text));
        var huge = string.Join(' ', Enumerable.Repeat("long", TokenCounter.MaxCachedLength / 4));
        Assert.Equal(forgetting.Count(huge), remembering.Count(huge));
        Assert.Throws<ArgumentOutOfRangeException>(() => new TokenCounter(-1));
    }

    [Fact]
    public void A_builder_without_token_memory_builds_the_same_prompt()
    {
        var context = Context(history: LongHistory(50));
        var remembered = Build(context);
        var fresh = new PromptBuilder(new TokenCounter(cacheCapacity: 0)).Build(context, BigModel);
        Assert.Equal(remembered.Blocks, fresh.Blocks);
        Assert.Equal(remembered.Tokens, fresh.Tokens);
    }

    [Fact]
    public void Token_counter_is_thread_safe()
    {
        var texts = Enumerable.Range(0, 16).Select(i => $"text number {i} " + new string('x', i * 7)).ToArray();
        var expected = texts.Select(t => new TokenCounter().Count(t)).ToArray();
        var results = new int[texts.Length * 64];
        Parallel.For(0, results.Length, i => results[i] = Tokens.Count(texts[i % texts.Length]));
        for (var i = 0; i < results.Length; i++) Assert.Equal(expected[i % texts.Length], results[i]);
    }
}
