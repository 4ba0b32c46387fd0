using DumGum.Customers;
using DumGum.Replies;
using DumGum.Replies.Prompt;
using Microsoft.Extensions.AI;
using static DumGum.Tests.Replies.Prompt.PromptFixtures;

namespace DumGum.Tests.Replies.Prompt;

public sealed class PromptStructureTests
{
    [Fact]
    public void Blocks_come_in_contract_order_stable_first_volatile_last()
    {
        var prompt = Build(Context());

        Assert.Equal(
            ["persona", "rules", "user", "history", "history", "history", "moment", "steering"],
            prompt.Blocks.Select(b => b.Name));
        Assert.Equal(["system", "system", "system", "user", "assistant", "user", "system", "system"], prompt.Blocks.Select(b => b.Role));
        Assert.Equal(PromptBuilder.PersonaBlock, prompt.Blocks[0].Name);
        Assert.Equal(PromptBuilder.SteeringBlock, prompt.Blocks[^1].Name);
    }

    [Fact]
    public void Messages_are_one_system_message_then_the_turns_then_a_closing_user_note()
    {
        var prompt = Build(Context());

        Assert.Equal(5, prompt.Messages.Count);
        Assert.Equal(ChatRole.System, prompt.Messages[0].Role);
        Assert.Equal(Block(prompt, "persona") + "\n\n" + Block(prompt, "rules") + "\n\n" + Block(prompt, "user"), prompt.Messages[0].Text);
        Assert.Equal([ChatRole.User, ChatRole.Assistant, ChatRole.User], prompt.Messages.Skip(1).Take(3).Select(m => m.Role));
        Assert.Equal("Hi Anna! Your profile made me smile.", prompt.Messages[1].Text);
        Assert.Equal(ChatRole.User, prompt.Messages[^1].Role);
        Assert.Equal(Block(prompt, "moment") + "\n\n" + Block(prompt, "steering"), prompt.Messages[^1].Text);
        Assert.StartsWith("(A note from the app for Anna: Tom does not see it.)", prompt.Messages[^1].Text, StringComparison.Ordinal);
    }

    [Fact]
    public void The_prompt_ends_with_the_reply_format_instruction()
    {
        var prompt = Build(Context());

        Assert.EndsWith(ReplyFormat.Instruction.TrimEnd(), Block(prompt, "steering"), StringComparison.Ordinal);
        Assert.EndsWith(ReplyFormat.Instruction.TrimEnd(), prompt.Messages[^1].Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Extra_instructions_go_into_the_steering_block_before_the_format()
    {
        var prompt = Build(Context(), extra: ["Your last draft was in French; write in Spanish."]);

        var steering = Block(prompt, "steering");
        var correction = steering.IndexOf("- Your last draft was in French; write in Spanish.", StringComparison.Ordinal);
        Assert.True(correction > 0);
        Assert.True(correction < steering.IndexOf(ReplyFormat.Instruction.TrimEnd(), StringComparison.Ordinal));
        Assert.DoesNotContain("Your last draft", Build(Context()).Messages[^1].Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Persona_and_rules_blocks_are_byte_stable_across_users_times_and_turns()
    {
        var first = Build(Context());
        var otherUser = User(u => { u["id"] = "user-2"; u["firstName"] = "Sam"; u["birthdate"] = "1980-01-01"; });
        var later = new ReplyContext(otherUser, Persona(), [.. ShortHistory(), FromPersona("Puns are my love language", 1)], "EN",
            Now.AddDays(3).AddHours(5));
        var second = Build(later);

        Assert.Equal(Block(first, "persona"), Block(second, "persona"));
        Assert.Equal(Block(first, "rules"), Block(second, "rules"));
        Assert.NotEqual(Block(first, "moment"), Block(second, "moment"));
        Assert.StartsWith(Block(first, "persona") + "\n\n" + Block(first, "rules"), second.Messages[0].Text, StringComparison.Ordinal);
    }

    [Fact]
    public void The_rules_block_names_nobody_so_every_persona_with_the_same_settings_shares_it()
    {
        var other = Persona(p => { p["id"] = "persona-9"; p["firstName"] = "Mia"; p["birthdate"] = "1990-01-01"; });
        Assert.Equal(Block(Build(Context()), "rules"), Block(Build(Context(persona: other)), "rules"));
        Assert.DoesNotContain("Anna", Block(Build(Context()), "rules"), StringComparison.Ordinal);
        Assert.DoesNotContain("Tom", Block(Build(Context()), "rules"), StringComparison.Ordinal);
    }

    [Fact]
    public void Every_block_carries_its_own_token_count_and_the_total_adds_up()
    {
        var prompt = Build(Context());

        foreach (var block in prompt.Blocks) Assert.Equal(Tokens.Count(block.Text), block.Tokens);
        var expected = prompt.Blocks.Sum(b => b.Tokens) + prompt.Messages.Count * PromptBuilder.TokensPerMessage
                       + PromptBuilder.ReplyPrimingTokens;
        Assert.Equal(expected, prompt.Tokens);
    }

    [Fact]
    public void An_icebreaker_without_history_still_has_a_user_turn_to_answer()
    {
        var context = Context(history: []) with { Mode = ReplyMode.Icebreaker };
        var prompt = Build(context);

        Assert.Equal(2, prompt.Messages.Count);
        Assert.Equal(ChatRole.System, prompt.Messages[0].Role);
        Assert.Equal(ChatRole.User, prompt.Messages[1].Role);
        Assert.Equal(0, prompt.HistoryMessagesUsed);
        Assert.Equal(0, prompt.HistoryMessagesDropped);
        Assert.Contains("You have not exchanged any message yet.", Block(prompt, "moment"), StringComparison.Ordinal);
    }

    [Fact]
    public void The_builder_is_safe_to_share_between_threads()
    {
        var contexts = Enumerable.Range(0, 8).Select(i => Context(history: [FromUser("message number " + i, 5)])).ToArray();
        var expected = contexts.Select(c => Build(c).Messages[1].Text).ToArray();
        var results = new string[contexts.Length * 50];
        Parallel.For(0, results.Length, i => results[i] = Build(contexts[i % contexts.Length]).Messages[1].Text);
        for (var i = 0; i < results.Length; i++) Assert.Equal(expected[i % contexts.Length], results[i]);
    }

    [Fact]
    public void A_history_message_of_the_persona_is_an_assistant_turn_and_the_user_a_user_turn()
    {
        var prompt = Build(Context(history: [FromPersona("hello from me", 10), FromUser("hello from him", 5)]));

        var turns = prompt.Blocks.Where(b => b.Name == "history").ToList();
        Assert.Equal(("assistant", "hello from me"), (turns[0].Role, turns[0].Text));
        Assert.Equal(("user", "hello from him"), (turns[1].Role, turns[1].Text));
        Assert.Equal(Sender.Persona, Context(history: [FromPersona("x", 1)]).History[0].Sender);
    }
}
