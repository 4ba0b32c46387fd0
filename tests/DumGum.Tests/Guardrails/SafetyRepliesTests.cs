using System.Text.Json.Nodes;
using DumGum.Projects;
using DumGum.Conversations;
using DumGum.Customers;
using DumGum.Guardrails;
using DumGum.Replies;

namespace DumGum.Tests.Guardrails;

/// <summary>The safety replies (docs/behaviour.md, "Safety replies"): exits per stop reason, self-harm care, disclosures.</summary>
public sealed class SafetyRepliesTests
{
    static readonly DateTimeOffset Start = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    static CustomerProfile Profile(string id, string name, string? country = null)
    {
        var raw = new JsonObject { ["id"] = id, ["firstName"] = name };
        if (country is not null) raw["countryCode"] = country;
        return CustomerProfile.Parse(raw, id, out _)!;
    }

    static HistoryMessage User(string text, int minute, string? id = null) =>
        new(id ?? "u" + minute, Sender.User, Start.AddMinutes(minute), text, [], false, [], null);

    static HistoryMessage Persona(string text, int minute) => new("p" + minute, Sender.Persona, Start.AddMinutes(minute), text, [], false, [], null);

    static ReplyContext Context(string language, IReadOnlyList<HistoryMessage> history, string? country = null, string user = "Sam") =>
        new(Profile("u1", user, country), Profile("p1", "Marta"), history, language, Start.AddMinutes(30));

    static GeneratedReply Reply(params string[] parts) =>
        new(parts, "https://cdn.example/pic.jpg", false, 0m, "m", new Dictionary<string, bool>(),
            new PromptItemisation("dating-smart-1", "m", [], 10, 5, 1, []));

    static GuardrailDecision Stop(string reason) => new() { StopReason = reason, Guardrail = "x", KeepAnswer = true };

    static GuardrailStop KeepText(string reason) => new(reason, null, true);

    // The user said something about the topic; the exit must not take it up.
    const string Topic = "I love skateboarding with my friends after school, I'm 15";

    public static TheoryData<string, string> LanguagesAndReasons()
    {
        var data = new TheoryData<string, string>();
        foreach (var language in SafetyMessages.Languages)
            foreach (var reason in StopReasons.Priority)
                data.Add(language, reason);
        return data;
    }

    [Theory]
    [MemberData(nameof(LanguagesAndReasons))]
    public void Every_exit_in_every_offline_language_is_short_asks_nothing_says_goodbye_and_fits_its_reason(string language, string reason)
    {
        var messages = SafetyMessages.For(language)!;
        var context = Context(language, [User(Topic, 0)]);
        Assert.True(messages.Exit[reason].Count >= 3, "several variants");
        foreach (var template in messages.Exit[reason])
        {
            var text = SafetyMessages.Fill(template, "Sam");
            // Our own messages pass the check a model's exit must pass: no question, no echo, a goodbye, short, 18 for underage.
            Assert.Null(SafetyReplies.ExitProblem([text], false, reason, context, messages));
            Assert.DoesNotContain("?", text, StringComparison.Ordinal);
            Assert.DoesNotContain("15", text, StringComparison.Ordinal);
            Assert.DoesNotContain("{", text, StringComparison.Ordinal);
            if (reason == StopReasons.UserUnderage) Assert.Contains("18", text, StringComparison.Ordinal);
        }
        // Exits of different reasons differ: each reason has its own.
        foreach (var other in StopReasons.Priority.Where(r => r != reason))
            Assert.Empty(messages.Exit[reason].Intersect(messages.Exit[other]));
    }

    [Theory]
    [MemberData(nameof(LanguagesAndReasons))]
    public void Offline_a_stop_with_answer_true_always_sends_the_exit_of_its_reason(string language, string reason)
    {
        var context = Context(language, [User(Topic, 0)]);
        var written = Reply("'I'm 15' — okay, now I'm curious. Tell me more!");
        var outcome = SafetyReplies.Apply(Stop(reason), KeepText(reason), written, context, GuardrailSettings.Default, offline: true);
        var text = Assert.Single(outcome.Reply.Parts);
        Assert.Contains(text, SafetyMessages.For(language)!.Exit[reason].Select(t => SafetyMessages.Fill(t, "Sam")));
        Assert.Null(outcome.Reply.PictureUrl);
        Assert.Equal(reason, outcome.Stop!.Reason);
        Assert.Equal(SafetyReplies.Exit, outcome.Note!.Replacement);
        Assert.Same(outcome.Note, outcome.Reply.Itemisation.Safety);
    }

    [Fact]
    public void The_variant_is_the_same_for_a_turn_and_changes_from_turn_to_turn()
    {
        var reason = StopReasons.UserHostile;
        string Exit(IReadOnlyList<HistoryMessage> history) =>
            SafetyReplies.Apply(Stop(reason), KeepText(reason), Reply("x"), Context("EN", history), GuardrailSettings.Default, true).Reply.Parts[0];
        List<HistoryMessage> turn = [User("you idiot", 0, "m1")];
        Assert.Equal(Exit(turn), Exit([.. turn]));
        var seen = new HashSet<string>();
        for (var i = 0; i < 30; i++) seen.Add(Exit([User("you idiot", i, "m" + i)]));
        Assert.True(seen.Count >= 2, "several variants are used");
    }

    [Theory]
    [InlineData("'I'm 15 years old' — okay, now I'm curious. Tell me more!", "repeats the user's words")]
    [InlineData("Skateboarding sounds fun! Bye for now.", "does not say the chat is for adults (18+)")]
    [InlineData("Oh nice, which school do you go to?", "asks a question")]
    [InlineData("Wow, that's cool! Tell me about your weekend.", "is not a goodbye")]
    [InlineData("Sorry, I have to stop here. Take care!", "does not say the chat is for adults (18+)")]
    public void A_models_reply_that_does_not_fit_an_underage_stop_is_replaced(string modelReply, string because)
    {
        var context = Context("EN", [User("I'm 15 years old and I love skateboarding", 0)]);
        var reason = StopReasons.UserUnderage;
        Assert.Equal(because, SafetyReplies.ExitProblem([modelReply], false, reason, context, SafetyMessages.English));
        var outcome = SafetyReplies.Apply(Stop(reason), KeepText(reason), Reply(modelReply), context, GuardrailSettings.Default, offline: false);
        Assert.Equal(SafetyReplies.Exit, outcome.Note!.Replacement);
        Assert.Contains("18", outcome.Reply.Parts[0], StringComparison.Ordinal);
        Assert.DoesNotContain("?", outcome.Reply.Parts[0], StringComparison.Ordinal);
    }

    [Fact]
    public void A_models_reply_that_fits_the_stop_is_kept()
    {
        var context = Context("EN", [User("you are useless and stupid", 0)]);
        const string exit = "I won't be talked to this way. Goodbye.";
        var outcome = SafetyReplies.Apply(Stop(StopReasons.UserHostile), KeepText(StopReasons.UserHostile), Reply(exit), context,
            GuardrailSettings.Default, offline: false);
        Assert.Equal([exit], outcome.Reply.Parts);
        Assert.Null(outcome.Note!.Replacement);
        Assert.Null(outcome.Reply.PictureUrl);
        // A too long goodbye is not an exit.
        var rambling = string.Concat(Enumerable.Repeat("I really liked talking with you. ", 12)) + "Goodbye.";
        Assert.Equal("too long for an exit", SafetyReplies.ExitProblem([rambling], false, StopReasons.UserHostile, context, SafetyMessages.English));
    }

    [Fact]
    public void A_stop_with_answer_false_keeps_no_text()
    {
        var context = Context("EN", [User("hello", 0)]);
        var outcome = SafetyReplies.Apply(Stop(StopReasons.UserMessageRepetition) with { KeepAnswer = false },
            new GuardrailStop(StopReasons.UserMessageRepetition, null, false), Reply("hi"), context, GuardrailSettings.Default, true);
        Assert.False(outcome.Stop!.KeepText);
        Assert.Null(outcome.Note!.Replacement);
    }

    // ---- self-harm ----

    static GuardrailDecision SelfHarm => new() { SelfHarm = true };

    [Theory]
    [InlineData("GB", "EN", "Samaritans (116 123)")]
    [InlineData("us", "EN", "988 Suicide & Crisis Lifeline (988)")]
    [InlineData("FR", "FR", "(3114)")]
    [InlineData("DE", "DE", "TelefonSeelsorge (0800 111 0 111)")]
    [InlineData("ES", "ES", "Línea 024")]
    [InlineData("IT", "IT", "Telefono Amico Italia (02 2327 2327)")]
    [InlineData("NL", "NL", "113 Zelfmoordpreventie")]
    [InlineData("PT", "PT_PT", "SOS Voz Amiga (213 544 545)")]
    [InlineData("BR", "PT_BR", "CVV")]
    [InlineData("BE", "NL_BE", "Zelfmoordlijn (1813)")]
    [InlineData("BE", "FR_BE", "Centre de Prévention du Suicide (0800 32 123)")]
    [InlineData("CH", "FR", "La Main Tendue (143)")]
    [InlineData("JP", "EN", "https://findahelpline.com")]
    [InlineData(null, "DE", "https://findahelpline.com")]
    [InlineData("XYZ", "EN", "https://findahelpline.com")]
    public void The_care_reply_gives_the_helpline_of_the_users_country_or_the_international_fallback(string? country, string language, string expected)
    {
        var context = Context(language, [User("...", 0)], country);
        var outcome = SafetyReplies.Apply(SelfHarm, null, Reply("haha same, let's party tonight!"), context, GuardrailSettings.Default, offline: false);
        var text = Assert.Single(outcome.Reply.Parts);
        Assert.Contains(expected, text, StringComparison.Ordinal);
        Assert.DoesNotContain("party", text, StringComparison.Ordinal);
        Assert.Null(outcome.Reply.PictureUrl);
        Assert.Null(outcome.Stop);
        Assert.True(outcome.Note!.SelfHarm);
        Assert.Equal(SafetyReplies.SelfHarmCare, outcome.Note.Replacement);
        Assert.Equal(Helplines.For(country, language), outcome.Note.Helpline);
        Assert.Contains(text, SafetyMessages.ForOrEnglish(language).SelfHarm
            .Select(t => SafetyMessages.Fill(t, "Sam", Helplines.For(country, language).Text)));
    }

    [Fact]
    public void The_helpline_table_covers_the_offline_languages_countries_and_the_fallback()
    {
        Assert.Superset(new HashSet<string> { "US", "GB", "FR", "DE", "ES", "IT", "NL", "PT", "BR", "BE", "AT", "CH" },
            Helplines.Countries.ToHashSet());
        Assert.Null(Helplines.Fallback.Country);
        Assert.Contains("findahelpline.com", Helplines.Fallback.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Self_harm_wins_over_a_stop_and_a_stop_with_answer_false_still_carries_the_care_reply()
    {
        var context = Context("EN", [User("I'm 15 and I want to die", 0)], "GB");
        var decision = new GuardrailDecision { StopReason = StopReasons.UserUnderage, SelfHarm = true, KeepAnswer = false };
        var outcome = SafetyReplies.Apply(decision, new(StopReasons.UserUnderage, null, false), Reply("x"), context, GuardrailSettings.Default, true);
        Assert.Contains("Samaritans", outcome.Reply.Parts[0], StringComparison.Ordinal);
        Assert.Equal(StopReasons.UserUnderage, outcome.Stop!.Reason);
        Assert.True(outcome.Stop.KeepText);
    }

    [Fact]
    public void Self_harm_with_answer_false_sends_no_text()
    {
        var context = Context("EN", [User("I want to die", 0)]);
        var settings = GuardrailSettings.From(new JsonObject { ["selfHarmOptionSet"] = new JsonObject { ["answer"] = false } }, false, false);
        Assert.False(settings.SelfHarmAnswer);
        var outcome = SafetyReplies.Apply(SelfHarm, null, Reply("x"), context, settings, true);
        Assert.Empty(outcome.Reply.Parts);
        Assert.Equal(SafetyReplies.NoText, outcome.Note!.Replacement);
        Assert.True(outcome.Note.SelfHarm);
    }

    [Fact]
    public void Every_care_reply_names_the_helpline_asks_nothing_and_ends_no_conversation()
    {
        foreach (var language in SafetyMessages.Languages)
            foreach (var template in SafetyMessages.For(language)!.SelfHarm)
            {
                Assert.Contains("{helpline}", template, StringComparison.Ordinal);
                Assert.DoesNotContain("?", template, StringComparison.Ordinal);
            }
    }

    // ---- AI disclosure ----

    [Fact]
    public void Every_disclosure_reads_as_a_disclosure_and_denials_do_not()
    {
        foreach (var language in SafetyMessages.Languages)
        {
            var m = SafetyMessages.For(language)!;
            foreach (var t in m.AiDisclosure.Concat(m.AiDisclosureFirst))
                Assert.True(m.DisclosesAi(SafetyMessages.Fill(t, "Sam")), $"{language}: {t}");
        }
        var en = SafetyMessages.English;
        Assert.False(en.DisclosesAi("Haha no, I'm not a bot, I'm just bad at texting"));
        Assert.False(en.DisclosesAi("Of course I'm real, silly"));
        Assert.True(en.DisclosesAi("Honestly? I'm an AI persona, not a real person."));
        Assert.False(SafetyMessages.For("DE")!.DisclosesAi("Nein, ich bin doch kein Bot!"));
        Assert.False(SafetyMessages.For("FR")!.DisclosesAi("Non, je ne suis pas un robot"));
    }

    static GuardrailSettings Honest => GuardrailSettings.Default with { AiDisclosure = AiDisclosurePolicy.WhenAskedSincerely };

    [Fact]
    public void A_sincere_question_gets_the_models_honest_answer_or_ours()
    {
        var context = Context("EN", [User("wait, are you a bot?", 0)]);
        var decision = new GuardrailDecision { DiscloseAi = true };
        var denial = SafetyReplies.Apply(decision, null, Reply("lol no, I'm as real as it gets"), context, Honest, offline: false);
        Assert.Equal(SafetyReplies.AiDisclosureReply, denial.Note!.Replacement);
        Assert.True(SafetyMessages.English.DisclosesAi(denial.Reply.Parts[0]));
        var honest = SafetyReplies.Apply(decision, null, Reply("Fair question: I'm an AI persona. Still happy to chat!"), context, Honest, offline: false);
        Assert.Null(honest.Note!.Replacement);
        Assert.Equal("Fair question: I'm an AI persona. Still happy to chat!", honest.Reply.Parts[0]);
        Assert.False(honest.Note.DisclosureLineAdded);
    }

    [Fact]
    public void The_first_message_starts_with_a_disclosure_line()
    {
        var context = Context("DE", []);
        var outcome = SafetyReplies.Apply(new GuardrailDecision { DiscloseFirstMessage = true }, null, Reply("Hey Sam!", "Wie geht's?"), context,
            GuardrailSettings.Default with { AiDisclosure = AiDisclosurePolicy.AlwaysOnFirstMessage }, offline: false);
        Assert.Equal(2, outcome.Reply.Parts.Count);
        Assert.EndsWith(" Hey Sam!", outcome.Reply.Parts[0], StringComparison.Ordinal);
        Assert.True(SafetyMessages.For("DE")!.DisclosesAi(outcome.Reply.Parts[0]));
        Assert.True(outcome.Note!.DisclosureLineAdded);
        Assert.Equal(SafetyReplies.FirstMessage, outcome.Note.AiDisclosure);
    }

    [Fact]
    public void Languages_without_messages_use_english_and_skip_the_goodbye_cue()
    {
        var context = Context("PL_PL", [User("jesteś głupi", 0)]);
        Assert.Null(SafetyReplies.ExitProblem(["Nie będę tak rozmawiać. Żegnaj."], false, StopReasons.UserHostile, context, null));
        var outcome = SafetyReplies.Apply(Stop(StopReasons.UserHostile), KeepText(StopReasons.UserHostile), Reply("x"), context, GuardrailSettings.Default, true);
        Assert.Equal("EN", outcome.Note!.MessagesLanguage);
    }
}
