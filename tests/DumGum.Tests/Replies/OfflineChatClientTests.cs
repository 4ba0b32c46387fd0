using System.Text.Json.Nodes;
using DumGum.Customers;
using DumGum.Replies;
using DumGum.Replies.Offline;
using DumGum.Tests.Replies.Offline;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;

namespace DumGum.Tests.Replies;

public sealed class OfflineChatClientTests
{
    // 09:00 in Tokyo, 19:00 the day before in New York, 01:00 in Paris (winter time).
    static readonly DateTimeOffset Instant = new(2025, 1, 15, 0, 0, 0, TimeSpan.Zero);
    static readonly string[] NativeNonEnglish = ["FR", "DE", "ES", "IT", "NL", "PT"];

    static CancellationToken Ct => TestContext.Current.CancellationToken;

    static CustomerProfile Profile(string id, string firstName, string? timeZone = null) =>
        new() { Id = id, FirstName = firstName, TimeZone = timeZone, Raw = new JsonObject() };

    static HistoryMessage UserMessage(string? text = null, string id = "m1", string[]? pictures = null, bool poke = false,
        Gift[]? gifts = null, string? sticker = null, int minute = 0) =>
        new(id, Sender.User, Instant.AddMinutes(-60 + minute), text, pictures ?? [], poke, gifts ?? [], sticker);

    static HistoryMessage PersonaMessage(string text, int minute = 0) =>
        new("p" + minute, Sender.Persona, Instant.AddMinutes(-60 + minute), text, [], false, [], null);

    static ReplyContext Context(IReadOnlyList<HistoryMessage> history, string language = "EN",
        string timeZone = "Asia/Tokyo", DateTimeOffset? now = null) =>
        new(Profile("user-1", "Tom"), Profile("persona-7", "Anna", timeZone), history, language, now ?? Instant);

    static ReplyContext Context(HistoryMessage last, string language = "EN", string timeZone = "Asia/Tokyo") =>
        Context([last], language, timeZone);

    static ChatOptions Options(ReplyContext context) =>
        new() { AdditionalProperties = new() { [ReplyContext.OptionsKey] = context } };

    static async Task<string> Reply(ReplyContext context, OfflineChatClient? client = null)
    {
        using var owned = client is null ? new OfflineChatClient() : null;
        var response = await (client ?? owned!).GetResponseAsync([], Options(context), Ct);
        return response.Text;
    }

    static OfflineReply Write(ReplyContext context) => OfflineRig.Reply(context);

    [Fact]
    public async Task Same_context_gives_the_same_text_across_instances()
    {
        var context = Context(UserMessage("I just got back from a long hike in the mountains"));
        Assert.Equal(await Reply(context), await Reply(context));
    }

    [Fact]
    public async Task Different_last_messages_give_varied_texts()
    {
        string[] texts = ["I love cooking", "Work was long today", "My cat knocked over a plant", "Heading to the beach",
            "Just finished a book", "Pizza tonight", "I started learning guitar", "Rainy day here"];
        var replies = new HashSet<string>();
        for (var i = 0; i < texts.Length; i++)
            replies.Add(await Reply(Context(UserMessage(texts[i], id: "m" + i))));
        Assert.True(replies.Count >= 6, $"only {replies.Count} distinct replies for {texts.Length} messages");
    }

    [Fact]
    public async Task Response_is_one_assistant_message_with_model_id_usage_and_stop()
    {
        using var client = new OfflineChatClient();
        var response = await client.GetResponseAsync([], Options(Context(UserMessage("hello there, how is it going"))), Ct);

        var message = Assert.Single(response.Messages);
        Assert.Equal(ChatRole.Assistant, message.Role);
        Assert.False(string.IsNullOrWhiteSpace(message.Text));
        Assert.Equal("dumgum-offline-1", response.ModelId);
        Assert.Equal(ChatFinishReason.Stop, response.FinishReason);
        Assert.NotNull(response.Usage);
        Assert.Equal(6, response.Usage.InputTokenCount);
        Assert.Equal(message.Text.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length, response.Usage.OutputTokenCount);
        Assert.Equal(response.Usage.InputTokenCount + response.Usage.OutputTokenCount, response.Usage.TotalTokenCount);
    }

    [Fact]
    public async Task Streaming_yields_the_same_text_as_one_update()
    {
        using var client = new OfflineChatClient();
        var options = Options(Context(UserMessage("what do you do for fun?")));
        var expected = (await client.GetResponseAsync([], options, Ct)).Text;

        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in client.GetStreamingResponseAsync([], options, Ct)) updates.Add(update);

        var update1 = Assert.Single(updates);
        Assert.Equal(expected, update1.Text);
        Assert.Equal(ChatFinishReason.Stop, update1.FinishReason);
        var rebuilt = updates.ToChatResponse();
        Assert.Equal(expected, rebuilt.Text);
        Assert.NotNull(rebuilt.Usage);
    }

    [Fact]
    public void GetService_returns_itself_and_metadata_only()
    {
        using var client = new OfflineChatClient();
        Assert.Same(client, client.GetService(typeof(OfflineChatClient)));
        Assert.Same(client, client.GetService(typeof(IChatClient)));
        var metadata = Assert.IsType<ChatClientMetadata>(client.GetService(typeof(ChatClientMetadata)));
        Assert.Equal("dumgum-offline", metadata.ProviderName);
        Assert.Null(metadata.ProviderUri);
        Assert.Equal("dumgum-offline-1", metadata.DefaultModelId);
        Assert.Null(client.GetService(typeof(string)));
        Assert.Null(client.GetService(typeof(OfflineChatClient), "some-key"));
    }

    [Fact]
    public async Task Missing_context_throws()
    {
        using var client = new OfflineChatClient();
        var noOptions = await Assert.ThrowsAsync<InvalidOperationException>(() => client.GetResponseAsync([], null, Ct));
        Assert.Contains(ReplyContext.OptionsKey, noOptions.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<InvalidOperationException>(() => client.GetResponseAsync([], new ChatOptions(), Ct));
        var wrongType = new ChatOptions { AdditionalProperties = new() { [ReplyContext.OptionsKey] = "not a context" } };
        await Assert.ThrowsAsync<InvalidOperationException>(() => client.GetResponseAsync([], wrongType, Ct));
        await Assert.ThrowsAsync<InvalidOperationException>(async () =>
        {
            await foreach (var _ in client.GetStreamingResponseAsync([], null, Ct)) { }
        });
    }

    [Fact]
    public async Task Canceled_token_throws()
    {
        using var client = new OfflineChatClient();
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => client.GetResponseAsync([], Options(Context(UserMessage("hi"))), cts.Token));
    }

    [Fact]
    public async Task Icebreaker_greets_the_user_and_introduces_the_persona()
    {
        var reply = Write(Context([]));
        Assert.Equal("icebreaker", reply.ReplyKey);
        Assert.Contains("Anna", reply.Text, StringComparison.Ordinal);
        Assert.Contains("Tom", reply.Text, StringComparison.Ordinal);
        Assert.EndsWith("?", reply.Text, StringComparison.Ordinal);
        Assert.Equal(reply.Text, await Reply(Context([])));
    }

    [Fact]
    public void Only_persona_messages_still_get_an_icebreaker()
    {
        var reply = Write(Context([PersonaMessage("Hi! Anyone there?")]));
        Assert.Equal("icebreaker", reply.ReplyKey);
        Assert.Contains("Anna", reply.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("Anyone there", reply.Text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("EN")]
    [InlineData("FR")]
    [InlineData("DE")]
    [InlineData("ES")]
    [InlineData("IT")]
    [InlineData("NL")]
    [InlineData("PT")]
    public async Task Every_language_names_the_persona_in_icebreakers_and_the_gift_in_thanks(string language)
    {
        Assert.Contains("Anna", await Reply(Context([], language)), StringComparison.Ordinal);
        var gift = await Reply(Context(UserMessage(gifts: [new Gift("Golden Rose", "GOLD")]), language));
        Assert.Contains("Golden Rose", gift, StringComparison.Ordinal);
    }

    [Fact]
    public void Gift_reply_names_the_gift_and_wins_over_a_picture()
    {
        var reply = Write(Context(UserMessage("for you", pictures: ["https://x/p.jpg"], gifts: [new Gift(null, "GOLD"), new Gift("Teddy Bear", "SILVER")])));
        Assert.Equal(Intents.Gift, reply.Intent);
        Assert.Contains("Teddy Bear", reply.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Unnamed_gift_still_gets_thanks()
    {
        var reply = Write(Context(UserMessage(gifts: [new Gift(" ", "GOLD")])));
        Assert.Contains("gift", reply.Text, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Picture_sticker_and_poke_get_their_own_reactions()
    {
        var picture = Write(Context(UserMessage("me at the lake", pictures: ["https://x/p.jpg"], sticker: "wave", poke: true)));
        Assert.Equal(Intents.Picture, picture.Intent);
        Assert.Matches("(?i)photo|picture", picture.Text);
        var sticker = Write(Context(UserMessage("lol?", sticker: "laughing-cat", poke: true)));
        Assert.Equal(Intents.Sticker, sticker.Intent);
        Assert.Contains("sticker", sticker.Text, StringComparison.OrdinalIgnoreCase);
        var poke = Write(Context(UserMessage("are you there?", poke: true)));
        Assert.Equal(Intents.Poke, poke.Intent);
        Assert.Contains("pok", poke.Text, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Answers_the_newest_user_messages_not_older_ones()
    {
        var history = new[]
        {
            UserMessage(gifts: [new Gift("Diamond", "GOLD")], id: "old", minute: 0),
            PersonaMessage("Thank you so much!", minute: 2),
            UserMessage("so what do you do for a living?", id: "new", minute: 5),
        };
        var reply = Write(Context(history));
        Assert.Equal(Intents.AskJob, reply.Intent);
        Assert.DoesNotContain("Diamond", reply.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Several_trailing_messages_are_read_together_and_the_second_intent_acknowledged()
    {
        var history = new[] { UserMessage("Hey Anna!", id: "a", minute: 0), UserMessage("where do you live?", id: "b", minute: 1) };
        var persona = OfflineRig.Marta();
        var context = new ReplyContext(Profile("user-1", "Tom"), persona, history, "EN", Instant);
        var reply = Write(context);
        Assert.Equal(Intents.AskCity, reply.Intent);
        Assert.Equal(Intents.Greeting, reply.Second);
        Assert.Contains("Valencia", reply.Text, StringComparison.Ordinal);
        Assert.Contains("Tom", reply.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void And_you_answers_what_the_persona_last_asked()
    {
        var history = new[]
        {
            PersonaMessage("Hi Tom! What do you do for work?", minute: 0),
            UserMessage("I'm a nurse, and you?", id: "u", minute: 3),
        };
        var context = new ReplyContext(Profile("user-1", "Tom"), OfflineRig.Marta(), history, "EN", Instant);
        var reply = Write(context);
        Assert.Equal(Intents.AndYou, reply.Read);
        Assert.Equal(Intents.AskJob, reply.Intent);
        Assert.Contains("pastry chef", reply.Text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("I'm not sad anymore, I passed!", Intents.GoodNews)]
    [InlineData("I'm not feeling good today", Intents.Sad)]
    [InlineData("I don't want to meet anyone", Intents.Unknown)]
    [InlineData("Good morning! Do you have any pets?", Intents.AskPets)]
    public void Negations_and_several_intents_are_read(string text, string expected) =>
        Assert.Equal(expected, Write(Context(UserMessage(text))).Read);

    [Theory]
    [InlineData("DEFAULT_MODE")]
    [InlineData("DEFERRED_MEETING")]
    [InlineData("CHAT_ONLY")]
    public void A_meeting_request_follows_the_meeting_policy(string policy)
    {
        foreach (var language in OfflineRig.Languages)
        {
            var request = OfflineRig.Fixture(language).First(i => i.Intent == Intents.Meet).Text;
            var context = OfflineRig.Context([OfflineRig.User(request, "m", OfflineRig.Now.AddMinutes(-1))], language,
                new ReplyParameters { MeetingPolicy = policy });
            var reply = Write(context);
            Assert.Equal("meet." + policy, reply.ReplyKey);
        }
    }

    [Fact]
    public async Task A_photo_request_shares_a_picture_through_smart_share_when_it_is_on()
    {
        var history = new[] { UserMessage("Can you send me a photo of you?") };
        ShareablePicture[] pictures = [new("pic-1", "https://example.com/a.jpg", "beach"), new("pic-2", "https://example.com/b.jpg", null)];
        var on = Context(history) with { SmartShareEnabled = true, Parameters = new ReplyParameters { ShareablePictures = pictures } };
        var shared = Write(on);
        Assert.Equal("photo_share", shared.ReplyKey);
        Assert.Contains(shared.PictureId, pictures.Select(p => p.Id));
        var output = await Reply(on);
        Assert.Contains("\"pictureId\":\"" + shared.PictureId + "\"", output, StringComparison.Ordinal);

        var off = Write(Context(history) with { Parameters = new ReplyParameters { ShareablePictures = pictures } });
        Assert.Equal("photo_decline", off.ReplyKey);
        Assert.Null(off.PictureId);
    }

    [Fact]
    public void Question_frequency_decides_whether_the_reply_ends_with_a_question()
    {
        for (var i = 0; i < 12; i++)
        {
            var history = new[] { UserMessage("I had pasta for lunch, it was great " + i, id: "q" + i) };
            Assert.EndsWith("?", Write(Context(history) with { EndWithQuestion = true }).Text, StringComparison.Ordinal);
            Assert.DoesNotContain("?", Write(Context(history) with { EndWithQuestion = false }).Text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Length_emojis_and_splits_follow_the_parameters()
    {
        var history = new[] { UserMessage("Hi! How was your day?") };
        var shortReply = Write(Context(history) with { EndWithQuestion = false, Parameters = new ReplyParameters { MessageLength = "SHORT", Emojis = "NONE" } });
        var longReply = Write(Context(history) with { EndWithQuestion = true, Parameters = new ReplyParameters { MessageLength = "LONG", Emojis = "NONE" } });
        Assert.True(OfflineRig.Sentences(shortReply.Text).Count() < OfflineRig.Sentences(longReply.Text).Count(),
            $"short: {shortReply.Text} / long: {longReply.Text}");
        Assert.DoesNotContain(shortReply.Text + longReply.Text, char.IsSurrogate);

        var frequent = Enumerable.Range(0, 20).Count(i => Write(Context([UserMessage("You are lovely " + i, id: "e" + i)])
            with { Parameters = new ReplyParameters { Emojis = "FREQUENT" } }).Text.Any(char.IsSurrogate));
        Assert.True(frequent >= 12, $"{frequent} of 20 FREQUENT replies had an emoji");

        var split = Write(Context(history) with { SplitReply = true, EndWithQuestion = true, Parameters = new ReplyParameters { MessageLength = "LONG" } });
        Assert.Equal(2, split.Parts.Count);
        Assert.Single(Write(Context(history) with { SplitReply = true, EndWithQuestion = true }).Parts);
    }

    [Fact]
    public void No_phrasing_of_the_last_persona_messages_is_used_again()
    {
        var history = new List<HistoryMessage>();
        var seen = new HashSet<string>();
        for (var i = 0; i < 10; i++)
        {
            history.Add(UserMessage("How are you?", id: "u" + i, minute: i * 2));
            var reply = Write(Context(history.ToList()));
            foreach (var sentence in OfflineRig.Sentences(reply.Text)) Assert.True(seen.Add(sentence), $"\"{sentence}\" was repeated");
            history.Add(PersonaMessage(reply.Text, minute: i * 2 + 1));
        }
    }

    [Fact]
    public void The_user_is_never_quoted()
    {
        const string text = "I spent the whole weekend painting my kitchen yellow and what do you do for a living";
        var reply = Write(Context(UserMessage(text)));
        Assert.True(OfflineRig.LongestCopiedRun(text, reply.Text) < 5, reply.Text);
    }

    [Fact]
    public void Persona_time_zone_decides_the_time_of_day()
    {
        var tokyo = TimeZoneInfo.FindSystemTimeZoneById("Asia/Tokyo");
        var newYork = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");
        Assert.Equal(0, DialogueEngine.DayPartIndex(Instant, tokyo));
        Assert.Equal(2, DialogueEngine.DayPartIndex(Instant, newYork));
        Assert.Equal(3, DialogueEngine.DayPartIndex(Instant, TimeZoneInfo.Utc));

        var morning = OfflineData.For("EN")!.RepliesFor("what_doing.morning").Select(t => t.Signature).ToList();
        var evening = OfflineData.For("EN")!.RepliesFor("what_doing.evening").Select(t => t.Signature).ToList();
        var inTokyo = Template.Normalize(Write(Context(UserMessage("what are you doing?"), timeZone: "Asia/Tokyo")).Text);
        var inNewYork = Template.Normalize(Write(Context(UserMessage("what are you doing?"), timeZone: "America/New_York")).Text);
        Assert.Contains(morning, s => inTokyo.Contains(s, StringComparison.Ordinal));
        Assert.Contains(evening, s => inNewYork.Contains(s, StringComparison.Ordinal));
        // An unknown zone is UTC: 00:00 is night.
        Assert.Equal(Write(Context(UserMessage("hello"), timeZone: "UTC")).Text, Write(Context(UserMessage("hello"), timeZone: "Nowhere/Special")).Text);
    }

    public static TheoryData<string> NativeLanguages() => new(NativeNonEnglish);

    [Theory]
    [MemberData(nameof(NativeLanguages))]
    public async Task Native_languages_write_their_own_text(string language)
    {
        Assert.True(OfflineChatClient.HasNativePhrases(language));
        HistoryMessage[][] histories =
        [
            [],
            [UserMessage("I spent the day at the museum")],
            [UserMessage("what music do you like?")],
            [UserMessage(pictures: ["https://x/p.jpg"])],
            [UserMessage(sticker: "hug")],
            [UserMessage(poke: true)],
        ];
        foreach (var history in histories)
            Assert.NotEqual(await Reply(Context(history)), await Reply(Context(history, language)));
    }

    [Theory]
    [InlineData("EN_GB", "EN")]
    [InlineData("EN_AU", "EN")]
    [InlineData("EN_UK", "EN")]
    [InlineData("FR_BE", "FR")]
    [InlineData("DE_CH", "DE")]
    [InlineData("DE_AT", "DE")]
    [InlineData("ES_LATAM", "ES")]
    [InlineData("NL_BE", "NL")]
    [InlineData("PT_PT", "PT")]
    [InlineData("PT_BR", "PT")]
    [InlineData("fr-be", "FR")]
    public async Task Regional_variants_use_their_base_language(string variant, string baseLanguage)
    {
        Assert.True(OfflineChatClient.HasNativePhrases(variant));
        var history = new[] { UserMessage("Back from the gym, exhausted") };
        Assert.Equal(await Reply(Context(history, baseLanguage)), await Reply(Context(history, variant)));
    }

    [Theory]
    [InlineData("JA")]
    [InlineData("RO")]
    [InlineData("BG")]
    [InlineData("HE")]
    [InlineData("SV_SE")]
    [InlineData("DA_DK")]
    [InlineData("FI_FI")]
    [InlineData("PL_PL")]
    [InlineData("LT_LT")]
    [InlineData("NB_NO")]
    [InlineData("NN_NO")]
    [InlineData("")]
    public async Task Other_languages_fall_back_to_english_and_log_it_once(string language)
    {
        Assert.False(OfflineChatClient.HasNativePhrases(language));
        var logger = new ListLogger();
        using var client = new OfflineChatClient(logger);
        var history = new[] { UserMessage("Back from the gym, exhausted") };

        var english = await Reply(Context(history));
        Assert.Equal(english, await Reply(Context(history, language), client));
        Assert.Equal(english, await Reply(Context(history, language), client));

        var entry = Assert.Single(logger.Entries);
        Assert.Equal(LogLevel.Information, entry.Level);
        Assert.Equal($"offline engine has no phrases for {language}; replying in English", entry.Message);
    }

    [Fact]
    public async Task Native_languages_are_not_logged()
    {
        var logger = new ListLogger();
        using var client = new OfflineChatClient(logger);
        foreach (var language in NativeNonEnglish.Append("EN").Append("PT_BR"))
            await Reply(Context([], language), client);
        Assert.Empty(logger.Entries);
    }

    [Theory]
    [InlineData("Hello there?!", "Hello there")]
    [InlineData("  lots   of\n spaces  ", "lots of spaces")]
    [InlineData("I went to the market this morning and bought some fresh bread", "I went to the market this morning and…")]
    [InlineData("Thisisoneverylongwordwithoutanyspacesatallreally and more", null)]
    [InlineData("   ", null)]
    [InlineData("?!", null)]
    [InlineData(null, null)]
    public void Fragment_is_short_and_cut_at_a_word_boundary(string? text, string? expected)
    {
        var fragment = OfflineChatClient.Fragment(text);
        Assert.Equal(expected, fragment);
        if (fragment is not null) Assert.True(fragment.Length <= 40);
    }

    [Fact]
    public async Task Placeholders_in_user_supplied_text_stay_literal()
    {
        var context = new ReplyContext(Profile("u", "{me}"), Profile("p", "Anna", "Asia/Tokyo"), [], "EN", Instant);
        var reply = await Reply(context);
        Assert.Contains("{me}", reply, StringComparison.Ordinal);
        Assert.Contains("Anna", reply, StringComparison.Ordinal);
    }

    static readonly HashSet<string> KnownPlaceholders =
    [
        "user", "me", "gift", "job", "ajob", "city", "age", "pet", "petName", "child", "childName", "children", "hobby", "hobby2",
        "food", "travel", "music", "daypart", "userCity", "userJob", "userAjob",
    ];

    [Fact]
    public void Every_language_file_covers_every_intent_with_known_placeholders_and_no_question_outside_questions()
    {
        var english = OfflineData.For("EN")!;
        foreach (var language in OfflineRig.Languages)
        {
            var pack = OfflineData.For(language)!;
            foreach (var key in english.Replies.Keys) Assert.True(pack.Replies.ContainsKey(key), $"{language}: replies.{key} is missing");
            foreach (var key in english.Acks.Keys) Assert.True(pack.Acks.ContainsKey(key), $"{language}: acks.{key} is missing");
            foreach (var key in english.Questions.Keys) Assert.True(pack.Questions.ContainsKey(key), $"{language}: questions.{key} is missing");
            foreach (var intent in Intents.Priority.Concat([Intents.Gift, Intents.Picture, Intents.Sticker, Intents.Poke, Intents.Unknown]))
                if (intent is not (Intents.Meet or Intents.PhotoRequest or Intents.AndYou))
                    Assert.True(pack.Replies.ContainsKey(intent) || pack.Replies.Keys.Any(k => k.StartsWith(intent + ".", StringComparison.Ordinal)),
                        $"{language}: no reply for {intent}");
            foreach (var policy in new[] { "DEFAULT_MODE", "DEFERRED_MEETING", "CHAT_ONLY" })
                Assert.True(pack.RepliesFor("meet." + policy).Length >= 3, $"{language}: meet.{policy}");
            foreach (var (key, templates) in pack.Replies.Concat(pack.Acks))
                foreach (var t in templates)
                {
                    Assert.DoesNotContain("?", t.Text, StringComparison.Ordinal);
                    Assert.All(t.Placeholders, p => Assert.True(KnownPlaceholders.Contains(p) || p.StartsWith("p:", StringComparison.Ordinal)
                        || p.StartsWith("u:", StringComparison.Ordinal), $"{language} {key}: unknown placeholder {{{p}}}"));
                }
            foreach (var (key, templates) in pack.Questions)
                Assert.All(templates, t => Assert.EndsWith("?", t.Text, StringComparison.Ordinal));
            Assert.All(pack.RepliesFor("icebreaker"), t => Assert.Contains("{me}", t.Text, StringComparison.Ordinal));
        }
    }

    sealed class ListLogger : ILogger<OfflineChatClient>
    {
        public List<(LogLevel Level, string Message)> Entries { get; } = [];

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception,
            Func<TState, Exception?, string> formatter) => Entries.Add((logLevel, formatter(state, exception)));
    }
}
