using System.Text.Json.Nodes;
using DumGum.Customers;
using DumGum.Replies;
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

    /// <summary>Every text the engine may write for the body of a reply, with the placeholders filled as it would.</summary>
    static IEnumerable<string> Bodies(IReadOnlyList<string> templates, string? gift = null, string? echo = null) =>
        templates.Select(t => t.Replace("{gift}", gift, StringComparison.Ordinal)
            .Replace("{echo}", echo, StringComparison.Ordinal)
            .Replace("{me}", "Anna", StringComparison.Ordinal)
            .Replace("{user}", "Tom", StringComparison.Ordinal));

    /// <summary>Asserts the reply is one of the bodies followed by one of the time remarks for the given part of day.</summary>
    static void AssertComposed(string reply, IEnumerable<string> bodies, DayPart part, OfflinePhrases? phrases = null)
    {
        var remarks = (phrases ?? OfflinePhrases.English).TimeRemark[part];
        var candidates = bodies.SelectMany(b => remarks.Select(r => b + " " + r)).ToList();
        Assert.Contains(reply, candidates);
    }

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
        Assert.True(replies.Count >= 4, $"only {replies.Count} distinct replies for {texts.Length} messages");
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
        var reply = await Reply(Context([]));
        Assert.Contains("Anna", reply, StringComparison.Ordinal);
        Assert.Contains("Tom", reply, StringComparison.Ordinal);
        var en = OfflinePhrases.English;
        var candidates = Bodies(en.Greeting.Morning).SelectMany(g => Bodies(en.Icebreaker).Select(b => g + " " + b));
        Assert.Contains(reply, candidates);
    }

    [Fact]
    public async Task Only_persona_messages_still_get_an_icebreaker()
    {
        var reply = await Reply(Context([PersonaMessage("Hi! Anyone there?")]));
        Assert.Contains("Anna", reply, StringComparison.Ordinal);
        Assert.DoesNotContain("Anyone there", reply, StringComparison.Ordinal);
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
    public async Task Gift_reply_names_the_gift()
    {
        var reply = await Reply(Context(UserMessage("for you", pictures: ["https://x/p.jpg"], gifts: [new Gift(null, "GOLD"), new Gift("Teddy Bear", "SILVER")])));
        Assert.Contains("Teddy Bear", reply, StringComparison.Ordinal);
        AssertComposed(reply, Bodies(OfflinePhrases.English.Gift, gift: "Teddy Bear"), DayPart.Morning);
    }

    [Fact]
    public async Task Unnamed_gift_still_gets_thanks()
    {
        var reply = await Reply(Context(UserMessage(gifts: [new Gift(" ", "GOLD")])));
        Assert.Contains("gift", reply, StringComparison.OrdinalIgnoreCase);
        AssertComposed(reply, Bodies(OfflinePhrases.English.GiftUnnamed), DayPart.Morning);
    }

    [Fact]
    public async Task Picture_reply_mentions_the_photo()
    {
        var reply = await Reply(Context(UserMessage("me at the lake", pictures: ["https://x/p.jpg"], sticker: "wave", poke: true)));
        Assert.Matches("(?i)photo|picture", reply);
        AssertComposed(reply, Bodies(OfflinePhrases.English.Picture), DayPart.Morning);
    }

    [Fact]
    public async Task Sticker_reply_mentions_the_sticker()
    {
        var reply = await Reply(Context(UserMessage("lol?", sticker: "laughing-cat", poke: true)));
        Assert.Contains("sticker", reply, StringComparison.OrdinalIgnoreCase);
        AssertComposed(reply, Bodies(OfflinePhrases.English.Sticker), DayPart.Morning);
    }

    [Fact]
    public async Task Poke_reply_mentions_the_poke()
    {
        var reply = await Reply(Context(UserMessage("are you there?", poke: true)));
        Assert.Contains("pok", reply, StringComparison.OrdinalIgnoreCase);
        AssertComposed(reply, Bodies(OfflinePhrases.English.Poke), DayPart.Morning);
    }

    [Theory]
    [InlineData("What's your favourite place to travel?", "q1")]
    [InlineData("Do you like dogs? I have two of them and they are wonderful", "q2")]
    [InlineData("so... what are you up to tonight?", "q3")]
    public async Task Question_reply_reacts_to_a_question(string text, string id)
    {
        var reply = await Reply(Context(UserMessage(text, id: id)));
        var en = OfflinePhrases.English;
        var echo = OfflineChatClient.Fragment(text);
        AssertComposed(reply, Bodies(en.Question).Concat(Bodies(en.QuestionEcho, echo: echo)), DayPart.Morning);
    }

    [Fact]
    public async Task Text_reply_reacts_to_plain_text()
    {
        const string text = "I spent the whole weekend painting my kitchen yellow";
        var reply = await Reply(Context(UserMessage(text)));
        var en = OfflinePhrases.English;
        AssertComposed(reply, Bodies(en.Text).Concat(Bodies(en.TextEcho, echo: OfflineChatClient.Fragment(text))), DayPart.Morning);
    }

    [Fact]
    public async Task Text_replies_sometimes_echo_the_users_words()
    {
        string[] texts = ["I love cooking", "Work was long today", "My cat knocked over a plant", "Heading to the beach",
            "Just finished a book", "Pizza tonight", "I started learning guitar", "Rainy day here", "Went running", "Bored"];
        var echoed = 0;
        for (var i = 0; i < texts.Length; i++)
            if ((await Reply(Context(UserMessage(texts[i], id: "e" + i)))).Contains($"\"{texts[i]}\"", StringComparison.Ordinal))
                echoed++;
        Assert.InRange(echoed, 1, texts.Length - 1);
    }

    [Fact]
    public async Task Reacts_to_the_newest_user_message_not_to_older_ones_or_to_the_persona()
    {
        var history = new[]
        {
            UserMessage(gifts: [new Gift("Diamond", "GOLD")], id: "old", minute: 0),
            UserMessage("just saying hi again", id: "new", minute: 5),
            PersonaMessage("Hey, a sticker for you", minute: 10),
        };
        var reply = await Reply(Context(history));
        Assert.DoesNotContain("Diamond", reply, StringComparison.Ordinal);
        var en = OfflinePhrases.English;
        AssertComposed(reply, Bodies(en.Text).Concat(Bodies(en.TextEcho, echo: "just saying hi again")), DayPart.Morning);
    }

    [Theory]
    [InlineData(true, true, true, true, "why?", nameof(ReplyKind.Gift))]
    [InlineData(false, true, true, true, "why?", nameof(ReplyKind.Picture))]
    [InlineData(false, false, true, true, "why?", nameof(ReplyKind.Sticker))]
    [InlineData(false, false, false, true, "why?", nameof(ReplyKind.Poke))]
    [InlineData(false, false, false, false, "really? ok", nameof(ReplyKind.Question))]
    [InlineData(false, false, false, false, "ok then", nameof(ReplyKind.Text))]
    [InlineData(false, false, false, false, null, nameof(ReplyKind.Text))]
    public void Classify_follows_the_precedence(bool gift, bool picture, bool sticker, bool poke, string? text, string expected)
    {
        var message = UserMessage(text, pictures: picture ? ["https://x/p.jpg"] : null, poke: poke,
            gifts: gift ? [new Gift("Rose", null)] : null, sticker: sticker ? "heart" : null);
        Assert.Equal(Enum.Parse<ReplyKind>(expected), OfflineChatClient.Classify(message));
    }

    [Theory]
    [InlineData(0, nameof(DayPart.Night))]
    [InlineData(4, nameof(DayPart.Night))]
    [InlineData(5, nameof(DayPart.Morning))]
    [InlineData(11, nameof(DayPart.Morning))]
    [InlineData(12, nameof(DayPart.Afternoon))]
    [InlineData(17, nameof(DayPart.Afternoon))]
    [InlineData(18, nameof(DayPart.Evening))]
    [InlineData(22, nameof(DayPart.Evening))]
    [InlineData(23, nameof(DayPart.Night))]
    public void TimeOfDay_buckets_the_local_hour(int hour, string expected) =>
        Assert.Equal(Enum.Parse<DayPart>(expected), OfflineChatClient.TimeOfDay(new DateTimeOffset(2025, 6, 1, hour, 59, 0, TimeSpan.Zero), TimeZoneInfo.Utc));

    [Fact]
    public async Task Persona_time_zone_decides_the_time_of_day()
    {
        var tokyo = TimeZoneInfo.FindSystemTimeZoneById("Asia/Tokyo");
        var newYork = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");
        Assert.Equal(DayPart.Morning, OfflineChatClient.TimeOfDay(Instant, tokyo));
        Assert.Equal(DayPart.Evening, OfflineChatClient.TimeOfDay(Instant, newYork));

        var message = UserMessage("Tell me about your day");
        var inTokyo = await Reply(Context(message, timeZone: "Asia/Tokyo"));
        var inNewYork = await Reply(Context(message, timeZone: "America/New_York"));
        Assert.NotEqual(inTokyo, inNewYork);
        Assert.Contains(OfflinePhrases.English.TimeRemark.Morning, r => inTokyo.EndsWith(r, StringComparison.Ordinal));
        Assert.Contains(OfflinePhrases.English.TimeRemark.Evening, r => inNewYork.EndsWith(r, StringComparison.Ordinal));

        var greetNewYork = await Reply(Context([], timeZone: "America/New_York"));
        Assert.Contains(Bodies(OfflinePhrases.English.Greeting.Evening), g => greetNewYork.StartsWith(g, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Unknown_time_zone_falls_back_to_utc()
    {
        var reply = await Reply(Context(UserMessage("hello"), timeZone: "Nowhere/Special"));
        Assert.Contains(OfflinePhrases.English.TimeRemark.Night, r => reply.EndsWith(r, StringComparison.Ordinal));
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

    [Fact]
    public void Every_table_has_enough_variants_and_the_right_placeholders()
    {
        Assert.Equal(7, OfflinePhrases.All.Count);
        foreach (var p in OfflinePhrases.All)
        {
            IReadOnlyList<string>[] kinds = [p.Icebreaker, p.Text, p.TextEcho, p.Question, p.QuestionEcho, p.Picture,
                p.Gift, p.GiftUnnamed, p.Sticker, p.Poke];
            foreach (var variants in kinds)
            {
                Assert.True(variants.Count >= 3, $"{p.Language}: fewer than 3 variants");
                Assert.Equal(variants.Count, variants.Distinct().Count());
            }
            foreach (var part in Enum.GetValues<DayPart>())
            {
                Assert.True(p.TimeRemark[part].Count >= 3, $"{p.Language} {part}: fewer than 3 time remarks");
                Assert.True(p.Greeting[part].Count >= 2, $"{p.Language} {part}: fewer than 2 greetings");
                Assert.All(p.Greeting[part], g => Assert.Contains("{user}", g, StringComparison.Ordinal));
            }
            Assert.All(p.Icebreaker, t => Assert.Contains("{me}", t, StringComparison.Ordinal));
            Assert.All(p.Gift, t => Assert.Contains("{gift}", t, StringComparison.Ordinal));
            Assert.All(p.TextEcho.Concat(p.QuestionEcho), t => Assert.Contains("{echo}", t, StringComparison.Ordinal));
            IReadOnlyList<string>[] plain = [p.Text, p.Question, p.Picture, p.GiftUnnamed, p.Sticker, p.Poke,
                p.TimeRemark.Morning, p.TimeRemark.Afternoon, p.TimeRemark.Evening, p.TimeRemark.Night];
            Assert.All(plain.SelectMany(v => v), t => Assert.DoesNotContain("{", t, StringComparison.Ordinal));
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
