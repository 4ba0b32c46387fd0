using System.Text.Json.Nodes;
using DumGum.Customers;
using DumGum.Replies;
using DumGum.Replies.Checks;

namespace DumGum.Tests.Replies;

/// <summary>One Lingua detector for the whole test run, as in the server (models load lazily and are shared).</summary>
public static class SharedDetector
{
    public static readonly LanguageDetector Instance = new();
    public static readonly ReplyChecks Checks = new(Instance);
}

public sealed class ReplyChecksTests
{
    static readonly DateTimeOffset Now = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);

    static HistoryMessage Her(string text, int minute) => new("p" + minute, Sender.Persona, Now.AddMinutes(minute - 60), text, [], false, [], null);
    static HistoryMessage Him(string text, int minute) => new("u" + minute, Sender.User, Now.AddMinutes(minute - 60), text, [], false, [], null);

    static ReplyContext Context(string language = "EN", IReadOnlyList<HistoryMessage>? history = null, ReplyParameters? parameters = null) =>
        new(new CustomerProfile { Id = "u", FirstName = "Tom", Raw = new JsonObject() },
            new CustomerProfile { Id = "p", FirstName = "Marta", Raw = new JsonObject() },
            history ?? [], language, Now) { Parameters = parameters ?? new ReplyParameters() };

    static ParsedReply Reply(params string[] parts) =>
        new(parts, null, false, ReplyFormat.SignalNames.ToDictionary(n => n, _ => false), true);

    [Theory]
    [InlineData("As an AI, I don't have evenings, but tell me about yours!")]
    [InlineData("I'm an AI language model, so I can't meet you.")]
    [InlineData("Haha. How can I assist you today?")]
    [InlineData("I am here to help with anything you need.")]
    [InlineData("I’m just an AI, sorry")]
    [InlineData("Je suis une IA, je ne peux pas sortir ce soir.")]
    [InlineData("Als KI habe ich keine Gefühle.")]
    [InlineData("Lo siento, soy una IA.")]
    [InlineData("Purtroppo sono un'IA e non posso uscire.")]
    [InlineData("Ik ben een AI, dus dat kan niet.")]
    [InlineData("Sou uma IA, não posso sair.")]
    [InlineData("ごめんね、私はAIだから会えないの")]
    [InlineData("אני בינה מלאכותית ולכן לא אוכל להיפגש")]
    [InlineData("Аз съм изкуствен интелект.")]
    [InlineData("hey <|im_end|>")]
    [InlineData("ok</think> sure")]
    public void Assistant_speak_and_leaks_are_caught_in_many_languages(string text)
    {
        var failure = ReplyChecks.AssistantSpeak(text, "Marta");
        Assert.NotNull(failure);
        Assert.Equal(CheckReasons.AssistantSpeak, failure.Reason);
        Assert.Contains("Marta", failure.Instruction, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("I'm not a bot lol, just a girl who types fast")]
    [InlineData("Do you think AI will take our jobs? My sister works with computers")]
    [InlineData("I'm sorry, but I can't make it tonight, my mom is visiting")]
    [InlineData("Estou a dizer que como ia ao cinema, não te liguei")]
    [InlineData("Ce ai făcut azi? Ai mâncat ceva bun?")]
    [InlineData("I was trained as a nurse, so blood doesn't scare me")]
    [InlineData("Paid a lot for that trip, said the guide")]
    public void Ordinary_chat_is_not_assistant_speak(string text)
    {
        Assert.Null(ReplyChecks.AssistantSpeak(text, "Marta"));
    }

    [Fact]
    public void An_exact_repeat_of_one_of_her_last_five_replies_is_repetition()
    {
        var history = new[] { Him("hi", 1), Her("Good morning sunshine, did you sleep well?", 2), Him("yes", 3) };
        var failure = ReplyChecks.Repetition(["good morning SUNSHINE!! did you sleep well"], history);
        Assert.NotNull(failure);
        Assert.Equal(CheckReasons.Repetition, failure.Reason);
        Assert.Contains("Good morning sunshine", failure.Instruction, StringComparison.Ordinal);
    }

    [Fact]
    public void A_near_repeat_counts_and_a_new_reply_does_not()
    {
        var history = new[] { Her("I just got home from work and I am so tired, what a long day it was", 1) };
        Assert.NotNull(ReplyChecks.Repetition(["Just got home from work and I am so tired, such a long day it was"], history));
        Assert.NotNull(ReplyChecks.Repetition(["haha", "I just got home from work and I am so tired, what a long day it was. You?"], history));
        Assert.Null(ReplyChecks.Repetition(["That sounds amazing, which beach did you go to on Sunday?"], history));
    }

    [Fact]
    public void Short_repeats_user_messages_and_older_replies_are_fine()
    {
        var history = new List<HistoryMessage> { Her("Tell me about your favourite holiday ever please", 0) };
        for (var i = 1; i <= 5; i++) history.Add(Her($"reply number {i} is about something else entirely", i));
        history.Add(Him("Where do you want to travel next summer with me?", 9));
        history.Add(Her("haha ok", 10));
        Assert.Null(ReplyChecks.Repetition(["haha ok"], history));
        Assert.Null(ReplyChecks.Repetition(["Where do you want to travel next summer with me?"], history));
        Assert.Null(ReplyChecks.Repetition(["Tell me about your favourite holiday ever please"], history));
        Assert.NotNull(ReplyChecks.Repetition(["reply number 5 is about something else entirely"], history));
    }

    [Fact]
    public void Similarity_works_for_scripts_without_spaces()
    {
        Assert.True(ReplyChecks.Similarity("今日はとても楽しかったです、ありがとう", "今日はとても楽しかったです、ありがとう！") >= ReplyChecks.RepetitionThreshold);
        Assert.True(ReplyChecks.Similarity("今日はとても楽しかったです", "明日は映画を見に行きませんか") < ReplyChecks.RepetitionThreshold);
    }

    [Theory]
    [InlineData("SHORT", 80, true)]
    [InlineData("SHORT", 81, false)]
    [InlineData("MEDIUM", 39, false)]
    [InlineData("MEDIUM", 40, true)]
    [InlineData("MEDIUM", 300, true)]
    [InlineData("MEDIUM", 301, false)]
    [InlineData("LONG", 159, false)]
    [InlineData("LONG", 160, true)]
    [InlineData("LONG", 2000, true)]
    public void Length_targets_count_characters_over_all_parts(string target, int length, bool ok)
    {
        var half = length / 2;
        var failure = ReplyChecks.Length([new string('a', half), new string('b', length - half)], target);
        Assert.Equal(ok, failure is null);
        if (failure is not null)
        {
            Assert.Equal(CheckReasons.Length, failure.Reason);
            Assert.Contains(length > 80 && target == "SHORT" || length > 300 ? "too long" : "too short", failure.Instruction, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Length_counts_emoji_as_one_character_and_ignores_unknown_targets()
    {
        Assert.Null(ReplyChecks.Length([string.Concat(Enumerable.Repeat("😊", 80))], "SHORT"));
        Assert.Null(ReplyChecks.Length([new string('a', 1000)], null));
        Assert.Null(ReplyChecks.Length([new string('a', 1000)], "HUGE"));
    }

    [Theory]
    [InlineData("EN", "Ich freue mich wirklich sehr auf das Wochenende mit dir und deinen Freunden!")]
    [InlineData("EN", "Je suis vraiment contente de te parler ce soir, tu me manques beaucoup.")]
    [InlineData("DE_CH", "I'm really looking forward to the weekend with you and your friends!")]
    [InlineData("FR_BE", "Estoy muy contenta de hablar contigo esta noche, te echo mucho de menos.")]
    [InlineData("ES", "今天我们一起去公园散步吧，天气非常好，我很想见到你。")]
    [InlineData("IT", "Я очень рада поговорить с тобой сегодня вечером, я скучаю.")]
    public void A_reply_confidently_in_another_language_fails(string language, string text)
    {
        var failure = SharedDetector.Checks.Language(text, language);
        Assert.NotNull(failure);
        Assert.Equal(CheckReasons.WrongLanguage, failure.Reason);
    }

    [Theory]
    [InlineData("EN", "I'm really looking forward to the weekend with you and your friends!")]
    [InlineData("EN_GB", "Fancy a cuppa later? I'm knackered after today, honestly.")]
    [InlineData("DE_AT", "Ich freue mich wirklich sehr auf das Wochenende mit dir!")]
    [InlineData("FR_BE", "Je suis vraiment contente de te parler ce soir, tu me manques.")]
    [InlineData("ES_LATAM", "Estoy muy contenta de hablar contigo esta noche, te extraño mucho.")]
    [InlineData("PT_BR", "Estou muito feliz de falar com você hoje à noite, sinto sua falta.")]
    [InlineData("IT", "Sono davvero felice di parlare con te stasera, mi manchi tanto.")]
    [InlineData("NL_BE", "Ik ben echt blij dat ik vanavond met je kan praten, ik mis je.")]
    [InlineData("JA", "今日はとても楽しかったです。また明日お話ししましょうね。おやすみなさい。")]
    [InlineData("NB_NO", "Jeg gleder meg veldig til helgen sammen med deg og vennene dine!")]
    [InlineData("DA_DK", "Jeg glæder mig rigtig meget til weekenden sammen med dig og dine venner!")]
    [InlineData("NN_NO", "Eg gler meg veldig til helga saman med deg og venene dine!")]
    [InlineData("EN", "lol omg Tomas you're sooo funny haha, stop it")]
    [InlineData("EN", "Haha yes!! I love pizza so much, you?")]
    [InlineData("DE", "Na klar, ich komme gern mit, Schatz!")]
    [InlineData("FR", "Oui bien sûr, on se voit demain soir?")]
    [InlineData("IT", "Dai, vediamoci domani sera allora!")]
    [InlineData("ES", "Vale, nos vemos mañana por la noche")]
    [InlineData("NL", "Ja hoor, tot morgen dan, lieverd")]
    [InlineData("PT_PT", "Claro, vemo-nos amanhã à noite, querido")]
    [InlineData("SV_SE", "Ja absolut, vi ses imorgon kväll älskling")]
    [InlineData("PL_PL", "Jasne, widzimy się jutro wieczorem kochanie")]
    [InlineData("RO", "Sigur, ne vedem mâine seară, dragul meu")]
    [InlineData("FI_FI", "Totta kai, nähdään huomenna illalla kulta")]
    [InlineData("LT_LT", "Žinoma, pasimatysime rytoj vakare, mielasis")]
    [InlineData("BG", "Разбира се, ще се видим утре вечер, скъпи")]
    [InlineData("HE", "בטח, נתראה מחר בערב, יקירי, אני מחכה")]
    [InlineData("EN", "ok 😊 see ya")]
    [InlineData("EN", "Ciao bella! 😘")]
    [InlineData("XX", "Ich freue mich wirklich sehr auf das Wochenende mit dir und deinen Freunden!")]
    public void Replies_in_the_language_its_kin_too_short_or_unknown_targets_pass(string language, string text)
    {
        Assert.Null(SharedDetector.Checks.Language(text, language));
    }

    [Fact]
    public void Check_returns_every_failure_and_the_length_only_with_fixedResponseLength()
    {
        var history = new[] { Her("As an AI I cannot go out tonight with you, sorry!", 1) };
        var failures = SharedDetector.Checks.Check(Reply("As an AI I cannot go out tonight with you, sorry!"),
            Context(history: history, parameters: new ReplyParameters { FixedResponseLength = true, MessageLength = "LONG" }));
        Assert.Equal([CheckReasons.AssistantSpeak, CheckReasons.Repetition, CheckReasons.Length], failures.Select(f => f.Reason));

        var lenient = SharedDetector.Checks.Check(Reply("Sure, see you at eight then!"),
            Context(parameters: new ReplyParameters { FixedResponseLength = false, MessageLength = "LONG" }));
        Assert.Empty(lenient);
    }

    [Fact]
    public void An_empty_reply_fails_alone_and_a_poke_is_not_empty()
    {
        var failures = SharedDetector.Checks.Check(Reply(), Context());
        Assert.Equal(CheckReasons.Empty, Assert.Single(failures).Reason);
        Assert.Empty(SharedDetector.Checks.Check(Reply() with { Poke = true }, Context()));
    }
}

public sealed class LanguageDetectorTests
{
    [Theory]
    [InlineData("I'm really looking forward to the weekend with you and your friends!", new[] { "DE", "EN_GB" }, true)]
    [InlineData("Jeg glæder mig rigtig meget til weekenden sammen med dig!", new[] { "NB_NO" }, true)]
    [InlineData("Ich freue mich wirklich sehr auf das Wochenende mit dir und deinen Freunden!", new[] { "EN", "FR" }, false)]
    [InlineData("haha ok", new[] { "EN" }, null)]
    [InlineData("Ich freue mich wirklich sehr auf das Wochenende mit dir und deinen Freunden!", new[] { "XX" }, null)]
    public void Matches_tells_whether_a_users_message_is_in_an_expected_language(string text, string[] languages, bool? expected)
    {
        Assert.Equal(expected, SharedDetector.Instance.Matches(text, languages));
    }

    [Theory]
    [InlineData("EN", Lingua.Language.English)]
    [InlineData("en_gb", Lingua.Language.English)]
    [InlineData("DE_CH", Lingua.Language.German)]
    [InlineData("PT_BR", Lingua.Language.Portuguese)]
    [InlineData("NN_NO", Lingua.Language.Nynorsk)]
    public void Expected_maps_DumGum_languages_to_their_base_language(string language, Lingua.Language expected)
    {
        Assert.Equal(expected, LanguageDetector.Expected(language));
        Assert.Null(LanguageDetector.Expected("XX"));
        Assert.Null(LanguageDetector.Expected(null));
    }
}
