using System.Text.Json.Nodes;
using DumGum.Replies;
using static DumGum.Tests.Replies.Prompt.PromptFixtures;

namespace DumGum.Tests.Replies.Prompt;

/// <summary>Regression tests for mismatches between the prompt and docs/behaviour.md, "Replies" found in review.</summary>
public sealed class ReviewFindingsTests
{
    const string Allowed = "sexual and explicit talk is allowed";

    [Fact]
    public void Sexual_content_is_never_allowed_after_an_underage_signal_in_the_chat()
    {
        // Both birthdates say adults and the switch is on, but the user said he is 15 (docs/behaviour.md, "Replies", Explicit content:
        // "only when both birthdates say 18 or over, and never once the user has written anything that reads as an age under 18").
        var history = new[]
        {
            FromUser("Hi Anna! Your profile made me smile.", 180),
            FromPersona("Hey Tom :) thanks! What made you smile?", 175),
            FromUser("tbh I'm 15, hope that's ok", 170),
        };
        var context = Context(new ReplyParameters { EnableSexualTextContent = true }, history);
        var rules = Block(Build(context), "rules");
        Assert.DoesNotContain(Allowed, rules, StringComparison.Ordinal);
        Assert.Contains("under 18: keep everything friendly and strictly non-romantic and non-sexual", rules, StringComparison.Ordinal);

        // Control: the same chat without the age gets the explicit rule.
        var adult = Context(new ReplyParameters { EnableSexualTextContent = true });
        Assert.Contains(Allowed, Block(Build(adult), "rules"), StringComparison.Ordinal);
    }

    [Fact]
    public void A_request_personality_overrides_the_style_card_personality()
    {
        // docs/behaviour.md, "Replies", SoulEngine: "explicit request parameters override its traits".
        const string card = "Personality: bold, loud and bossy\nWriting style: short lines\nSexual appetite: very forward";
        var context = Context(new ReplyParameters { PersonaPersonality = "SHY" }) with { StyleCard = card };
        var persona = Block(Build(context), "persona");
        Assert.Contains("Your personality: shy", persona, StringComparison.Ordinal);
        Assert.DoesNotContain("bold, loud and bossy", persona, StringComparison.Ordinal);
        Assert.Contains("Writing style: short lines", persona, StringComparison.Ordinal);
        Assert.Contains("Sexual appetite: very forward", persona, StringComparison.Ordinal);
    }

    [Fact]
    public void A_sexual_drive_override_replaces_the_style_card_sexual_appetite()
    {
        const string card = "Personality: bold\nSexual appetite: very forward";
        var overrides = new JsonObject { ["sexualDrive"] = "VERY_LOW" };
        var context = Context(new ReplyParameters { PersonaProfileOverrides = overrides }) with { StyleCard = card };
        var persona = Block(Build(context), "persona");
        Assert.Contains("Your sexual appetite: very low", persona, StringComparison.Ordinal);
        Assert.DoesNotContain("very forward", persona, StringComparison.Ordinal);
        Assert.Contains("Personality: bold", persona, StringComparison.Ordinal);
    }

    [Fact]
    public void The_style_card_sexual_appetite_is_left_out_for_a_minor()
    {
        const string card = "Personality: bold\nSexual appetite: very forward";
        var minor = User(u => u["birthdate"] = "2010-05-05");
        var context = Context(new ReplyParameters(), user: minor) with { StyleCard = card };
        var persona = Block(Build(context), "persona");
        Assert.DoesNotContain("sexual appetite", persona, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("Personality: bold", persona, StringComparison.Ordinal);
    }
}
