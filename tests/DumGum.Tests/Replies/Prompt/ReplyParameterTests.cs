using System.Text.Json.Nodes;
using DumGum.Replies;
using DumGum.Replies.Prompt;
using static DumGum.Tests.Replies.Prompt.PromptFixtures;

namespace DumGum.Tests.Replies.Prompt;

/// <summary>Each reply parameter changes the prompt as documented (one test each).</summary>
public sealed class ReplyParameterTests
{
    static string Rules(ReplyParameters parameters, CustomerProfileEdit? user = null) =>
        Block(Build(Context(parameters, user: user is null ? null : User(user.Edit))), "rules");

    static string Steering(ReplyContext context, IReadOnlyList<string>? extra = null) => Block(Build(context, extra: extra), "steering");

    public sealed record CustomerProfileEdit(Action<JsonObject> Edit);

    static readonly string Baseline = Rules(new ReplyParameters());

    [Theory]
    [InlineData("SHORT", "keep each message short: one or two sentences")]
    [InlineData("MEDIUM", "write messages of about two to four sentences")]
    [InlineData("LONG", "write long messages: a full paragraph")]
    public void Message_length(string value, string expected)
    {
        var rules = Rules(new ReplyParameters { MessageLength = value });
        Assert.Contains("- Length: " + expected, rules, StringComparison.Ordinal);
        Assert.DoesNotContain(expected, Baseline, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("SHORT", "Use short, simple sentences.")]
    [InlineData("MEDIUM", "Use sentences of medium length.")]
    [InlineData("LONG", "Use longer, flowing sentences.")]
    public void Sentence_length(string value, string expected)
    {
        Assert.Contains(expected, Rules(new ReplyParameters { SentenceLength = value }), StringComparison.Ordinal);
        Assert.DoesNotContain(expected, Baseline, StringComparison.Ordinal);
    }

    [Fact]
    public void Fixed_response_length_makes_the_length_a_firm_target()
    {
        const string firm = "This length is a firm target";
        Assert.Contains(firm, Rules(new ReplyParameters { MessageLength = "SHORT", FixedResponseLength = true }), StringComparison.Ordinal);
        Assert.DoesNotContain(firm, Rules(new ReplyParameters { MessageLength = "SHORT" }), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("NONE", "- Emojis: never use emojis")]
    [InlineData("RARE", "- Emojis: use emojis rarely")]
    [InlineData("OCCASIONAL", "- Emojis: use an emoji now and then")]
    [InlineData("FREQUENT", "- Emojis: use emojis often")]
    [InlineData("SPARKLY_NEW", "- Emojis: sparkly new.")]
    public void Emojis(string value, string expected)
    {
        Assert.Contains(expected, Rules(new ReplyParameters { Emojis = value }), StringComparison.Ordinal);
        Assert.DoesNotContain("- Emojis:", Baseline, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0.0, "almost never ask questions")]
    [InlineData(0.3, "end about 3 in 10 of your messages with a question")]
    [InlineData(1.0, "end your messages with a question")]
    public void Question_frequency(double value, string expected)
    {
        Assert.Contains("- Questions: " + expected, Rules(new ReplyParameters { QuestionFrequency = value }), StringComparison.Ordinal);
        Assert.DoesNotContain("- Questions:", Baseline, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("NONE", "correct spelling, grammar and punctuation")]
    [InlineData("LOW", "a rare small typo")]
    [InlineData("MEDIUM", "an occasional typo")]
    [InlineData("HIGH", "a few typos")]
    public void Fluency_degradation(string value, string expected)
    {
        var rules = Rules(new ReplyParameters { FluencyDegradation = value });
        Assert.Contains("- Typing: ", rules, StringComparison.Ordinal);
        Assert.Contains(expected, rules, StringComparison.Ordinal);
        Assert.DoesNotContain("- Typing:", Baseline, StringComparison.Ordinal);
    }

    [Fact]
    public void Meeting_policy_default_declines_with_a_personal_excuse_and_no_new_date()
    {
        var rules = Rules(new ReplyParameters { MeetingPolicy = "DEFAULT_MODE" });
        Assert.Contains("decline kindly and warmly with a believable personal excuse", rules, StringComparison.Ordinal);
        Assert.Contains("do not suggest another time", rules, StringComparison.Ordinal);
        Assert.Equal(Baseline, rules);
    }

    [Fact]
    public void Meeting_policy_deferred_shows_interest_and_a_hopeful_maybe_later()
    {
        var rules = Rules(new ReplyParameters { MeetingPolicy = "DEFERRED_MEETING" });
        Assert.Contains("show real interest and enthusiasm", rules, StringComparison.Ordinal);
        Assert.Contains("believable personal excuse", rules, StringComparison.Ordinal);
        Assert.Contains("hopeful \"maybe later\"", rules, StringComparison.Ordinal);
        Assert.Contains("without committing", rules, StringComparison.Ordinal);
    }

    [Fact]
    public void Meeting_policy_chat_only_is_firm_with_no_personal_excuses()
    {
        var rules = Rules(new ReplyParameters { MeetingPolicy = "CHAT_ONLY" });
        Assert.Contains("chat-only connection", rules, StringComparison.Ordinal);
        Assert.Contains("give no excuses from your personal life", rules, StringComparison.Ordinal);
        Assert.DoesNotContain("believable personal excuse", rules, StringComparison.Ordinal);
    }

    [Fact]
    public void Sexual_content_is_allowed_only_when_enabled_and_both_are_adults()
    {
        const string allowed = "sexual and explicit talk is allowed";
        const string nonExplicit = "keep everything non-explicit";
        Assert.Contains(allowed, Rules(new ReplyParameters { EnableSexualTextContent = true }), StringComparison.Ordinal);
        Assert.Contains(nonExplicit, Rules(new ReplyParameters { EnableSexualTextContent = false }), StringComparison.Ordinal);
        Assert.Contains(nonExplicit, Baseline, StringComparison.Ordinal); // null → project default, false
        // Enabled, but the user's age is unknown: not between known adults.
        var unknownAge = Rules(new ReplyParameters { EnableSexualTextContent = true }, new(u => u.Remove("birthdate")));
        Assert.Contains(nonExplicit, unknownAge, StringComparison.Ordinal);
        Assert.DoesNotContain(allowed, unknownAge, StringComparison.Ordinal);
    }

    [Fact]
    public void A_minor_gets_a_strictly_platonic_conversation_whatever_the_setting()
    {
        var minor = new CustomerProfileEdit(u => u["birthdate"] = "2010-05-05");
        var rules = Rules(new ReplyParameters { EnableSexualTextContent = true }, minor);
        Assert.Contains("under 18: keep everything friendly and strictly non-romantic and non-sexual", rules, StringComparison.Ordinal);
        Assert.DoesNotContain("explicit talk is allowed", rules, StringComparison.Ordinal);

        var overrides = new JsonObject { ["sexualDrive"] = "VERY_HIGH" };
        var persona = Block(Build(Context(new ReplyParameters { PersonaProfileOverrides = overrides }, user: User(minor.Edit))), "persona");
        Assert.DoesNotContain("sexual appetite", persona, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Prevent_aggressive_tone()
    {
        const string calm = "- Tone: never be aggressive";
        Assert.Contains(calm, Rules(new ReplyParameters { PreventAggressiveTone = true }), StringComparison.Ordinal);
        Assert.DoesNotContain(calm, Baseline, StringComparison.Ordinal);
    }

    [Fact]
    public void Fictional_disclosure_applies_only_with_the_ai_suspicion_guardrail_on()
    {
        const string disclose = "answer honestly and kindly, in character, that this is a fictional profile";
        const string hide = "Never say or hint that you are an AI";
        var on = new JsonObject { ["aiSuspicion"] = true };
        var off = new JsonObject { ["aiSuspicion"] = false };

        Assert.Contains(disclose, Rules(new ReplyParameters { FictionalDisclosure = true, Guardrails = on }), StringComparison.Ordinal);
        Assert.DoesNotContain(hide, Rules(new ReplyParameters { FictionalDisclosure = true, Guardrails = on }), StringComparison.Ordinal);
        Assert.Contains(disclose, Rules(new ReplyParameters { FictionalDisclosure = true }), StringComparison.Ordinal); // on by default
        Assert.Contains(hide, Rules(new ReplyParameters { FictionalDisclosure = true, Guardrails = off }), StringComparison.Ordinal);
        Assert.Contains(hide, Baseline, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("SUPPORTIVE", "warm, encouraging and a good listener")]
    [InlineData("PLAYFUL", "light-hearted and teasing")]
    [InlineData("FLIRTY", "charming, generous with compliments")]
    [InlineData("SHY", "a little reserved and gentle")]
    [InlineData("CONFIDENT", "self-assured and direct")]
    [InlineData("ROMANTIC", "affectionate and dreamy")]
    [InlineData("INTELLECTUAL", "curious and thoughtful")]
    [InlineData("ADVENTUROUS", "spontaneous and energetic")]
    [InlineData("CARING", "attentive and nurturing")]
    [InlineData("SARCASTIC", "witty and ironic")]
    public void Persona_personality_overrides_the_profile_personality(string value, string phrase)
    {
        var persona = Block(Build(Context(new ReplyParameters { PersonaPersonality = value })), "persona");
        Assert.Contains("Your personality: " + value.ToLowerInvariant() + " (" + phrase, persona, StringComparison.Ordinal);
        if (value != "PLAYFUL") Assert.DoesNotContain("light-hearted and teasing", persona, StringComparison.Ordinal); // the profile's own PLAYFUL
    }

    [Fact]
    public void Persona_personality_may_be_free_text()
    {
        var persona = Block(Build(Context(new ReplyParameters { PersonaPersonality = "a dreamy night owl who loves old films" })), "persona");
        Assert.Contains("Your personality: a dreamy night owl who loves old films.", persona, StringComparison.Ordinal);
    }

    [Fact]
    public void The_style_card_is_part_of_the_persona_block()
    {
        var context = Context() with { StyleCard = "Writes in lowercase bursts, teases a lot, one emoji max." };
        var persona = Block(Build(context), "persona");
        Assert.Contains("Your character and writing style", persona, StringComparison.Ordinal);
        Assert.EndsWith("Writes in lowercase bursts, teases a lot, one emoji max.", persona, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("VERY_LOW", "very low (reserved")]
    [InlineData("MEDIUM", "moderate (open to flirting")]
    [InlineData("VERY_HIGH", "very high (very flirtatious")]
    public void Persona_profile_overrides_set_the_sexual_drive(string value, string expected)
    {
        var overrides = new JsonObject { ["sexualDrive"] = value };
        var persona = Block(Build(Context(new ReplyParameters { PersonaProfileOverrides = overrides })), "persona");
        Assert.Contains("Your sexual appetite: " + expected, persona, StringComparison.Ordinal);
        Assert.DoesNotContain("sexual appetite", Block(Build(Context()), "persona"), StringComparison.Ordinal);
    }

    [Fact]
    public void Persona_profile_overrides_are_shallow_merged_over_the_profile()
    {
        var overrides = new JsonObject
        {
            ["description"] = "Night-shift nurse with a soft spot for horror films.",
            ["city"] = "Marseille",
            ["features"] = new JsonObject { ["hairColor"] = "RED" },
            ["mood"] = "SLIGHTLY_GRUMPY",
        };
        var persona = Block(Build(Context(new ReplyParameters { PersonaProfileOverrides = overrides })), "persona");

        Assert.Contains("\"Night-shift nurse with a soft spot for horror films.\"", persona, StringComparison.Ordinal);
        Assert.DoesNotContain("Coffee first", persona, StringComparison.Ordinal);
        Assert.Contains("- Lives in: Marseille (postal code 69001), France", persona, StringComparison.Ordinal);
        Assert.Contains("- Hair: red", persona, StringComparison.Ordinal);
        Assert.DoesNotContain("Height", persona, StringComparison.Ordinal); // features replaced whole (shallow)
        Assert.Contains("More about you:\n- Mood: slightly grumpy", persona, StringComparison.Ordinal);
    }

    [Fact]
    public void Additional_languages_are_languages_the_user_may_write_in()
    {
        var context = Context(language: "ES") with { AdditionalLanguages = ["FR", "DE_CH", "ES"] };
        var rules = Block(Build(context), "rules");
        Assert.Contains("Your chat partner may also write in French, Swiss Standard German: understand it, but always answer in Spanish.",
            rules, StringComparison.Ordinal);
        Assert.Contains("Always answer in English, whatever language", Baseline, StringComparison.Ordinal);
    }

    [Fact]
    public void End_with_question_is_a_per_reply_choice_in_the_steering_block()
    {
        Assert.Contains("End this message with a question to Tom.", Steering(Context() with { EndWithQuestion = true }), StringComparison.Ordinal);
        Assert.Contains("Do not end this message with a question", Steering(Context() with { EndWithQuestion = false }), StringComparison.Ordinal);
        var neither = Steering(Context());
        Assert.DoesNotContain("End this message", neither, StringComparison.Ordinal);
        Assert.DoesNotContain("Do not end this message", neither, StringComparison.Ordinal);
    }

    [Fact]
    public void Split_reply_asks_for_two_to_four_parts()
    {
        Assert.Contains("Send this as 2 to 4 short messages in a row", Steering(Context() with { SplitReply = true }), StringComparison.Ordinal);
        Assert.Contains("Send a single message (one entry in \"parts\").", Steering(Context()), StringComparison.Ordinal);
    }

    [Fact]
    public void Smart_share_lists_the_shareable_pictures_except_those_already_in_the_history()
    {
        var parameters = new ReplyParameters
        {
            ShareablePictures =
            [
                new("pic-beach", "https://cdn.example.com/anna/beach.jpg", "Anna on the beach at sunset"),
                new("pic-cafe", "https://cdn.example.com/anna/cafe.jpg", null),
                new("pic-old", "https://cdn.example.com/anna/old.jpg", "Anna hiking"),
                new("pic-http", "http://cdn.example.com/anna/insecure.jpg", "insecure"),
            ],
        };
        IReadOnlyList<DumGum.Customers.HistoryMessage> history =
        [
            FromPersona("remember this one?", 60, pictures: ["https://cdn.example.com/anna/old.jpg"]),
            FromUser("nice!", 50),
        ];
        var steering = Steering(Context(parameters, history) with { SmartShareEnabled = true });

        Assert.Contains("- id \"pic-beach\": Anna on the beach at sunset", steering, StringComparison.Ordinal);
        Assert.Contains("- id \"pic-cafe\": (no description)", steering, StringComparison.Ordinal);
        Assert.DoesNotContain("pic-old", steering, StringComparison.Ordinal);
        Assert.DoesNotContain("pic-http", steering, StringComparison.Ordinal);
        Assert.DoesNotContain("https://", steering, StringComparison.Ordinal);
        // Switched off for the project: nothing offered.
        var off = Steering(Context(parameters, history));
        Assert.DoesNotContain("pic-beach", off, StringComparison.Ordinal);
        Assert.Contains("Photo sharing is not available now", off, StringComparison.Ordinal);
    }

    [Fact]
    public void Smart_share_with_every_picture_already_shared_offers_none()
    {
        var parameters = new ReplyParameters { ShareablePictures = [new("p1", "https://cdn.example.com/a.jpg", "a")] };
        var steering = Steering(Context(parameters, [FromPersona("look", 5, pictures: ["https://cdn.example.com/a.jpg"])]) with { SmartShareEnabled = true });
        Assert.Contains("You have no new photo to share", steering, StringComparison.Ordinal);
        Assert.DoesNotContain("id \"p1\"", steering, StringComparison.Ordinal);
    }

    [Fact]
    public void Private_pictures_are_never_offered_as_shareable()
    {
        var steering = Steering(Context() with { SmartShareEnabled = true });
        Assert.DoesNotContain("private-secret", steering, StringComparison.Ordinal);
        Assert.Contains("Photo sharing is not available now", steering, StringComparison.Ordinal);
    }

    [Fact]
    public void Reply_mode_answers_the_latest_messages_together()
    {
        Assert.Contains("Your task: write Anna's reply to Tom's latest message.", Steering(Context()), StringComparison.Ordinal);
        var burst = Context(history: [FromPersona("so?", 30), FromUser("sorry", 20), FromUser("was driving", 19), FromUser("hi :)", 18)]);
        Assert.Contains("Tom sent 3 messages since your last one: answer them together", Steering(burst), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("NO_PHOTO", "Tom has no profile photo")]
    [InlineData("MISSING_DETAIL", "his profile leaves out something interesting")]
    [InlineData("MUCH_YOUNGER", "much younger than you")]
    [InlineData("MUCH_OLDER", "much older than you")]
    [InlineData("NEARBY", "within 10 km")]
    [InlineData("GENERIC", "a warm, universal opener")]
    [InlineData("USER_ONLINE", "online right now")]
    [InlineData("USER_OFFLINE", "Tom is offline")]
    [InlineData("JUST_JOINED", "has just joined the app")]
    [InlineData(null, "choose the best one")]
    [InlineData("MOON_PHASE", "moon phase.")]
    public void Icebreaker_mode_opens_with_the_angle(string? angle, string expected)
    {
        var steering = Steering(Context(history: []) with { Mode = ReplyMode.Icebreaker, IcebreakerAngle = angle });
        Assert.Contains("this is the start of the conversation. Write Anna's first message to Tom", steering, StringComparison.Ordinal);
        Assert.Contains("Angle: " , steering, StringComparison.Ordinal);
        Assert.Contains(expected, steering, StringComparison.Ordinal);
    }

    [Fact]
    public void Nudge_mode_follows_up_on_the_same_topic()
    {
        var steering = Steering(Context(history: [FromUser("what do you do?", 200), FromPersona("I bake! you?", 180)]) with { Mode = ReplyMode.Nudge });
        Assert.Contains("Tom has not answered for a while. Write a short, light follow-up", steering, StringComparison.Ordinal);
        Assert.Contains("without changing the subject", steering, StringComparison.Ordinal);
    }

    [Fact]
    public void Revive_mode_restarts_a_quiet_chat()
    {
        var steering = Steering(Context(history: [FromUser("night!", 60 * 24 * 3)]) with { Mode = ReplyMode.Revive });
        Assert.Contains("the chat has gone quiet (the last message was 3 days ago)", steering, StringComparison.Ordinal);
        Assert.Contains("pick up the last exchange, or bring a fresh angle", steering, StringComparison.Ordinal);
    }
}
