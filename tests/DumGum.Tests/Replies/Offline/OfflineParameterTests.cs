using System.Globalization;
using DumGum.Customers;
using DumGum.Replies;
using DumGum.Replies.Checks;
using DumGum.Replies.Offline;

namespace DumGum.Tests.Replies.Offline;

/// <summary>
/// The shape parameters the offline engine obeys besides <c>messageLength</c>, <c>emojis</c> and <c>questionFrequency</c>
/// (docs/offline-engine.md, "What each reply parameter does offline"), each measured over the fixtures of all languages.
/// </summary>
public sealed class OfflineParameterTests
{
    static readonly LanguageDetector Detector = new();

    /// <summary>The replies to every fixture message of every language, with <paramref name="parameters"/>.</summary>
    static List<(string Language, FixtureItem Item, OfflineReply Reply)> Replies(ReplyParameters parameters,
        Func<ReplyContext, ReplyContext>? change = null, CustomerProfile? persona = null)
    {
        var list = new List<(string, FixtureItem, OfflineReply)>();
        foreach (var language in OfflineRig.Languages)
        {
            var items = OfflineRig.Fixture(language);
            for (var n = 0; n < items.Count; n++)
            {
                var history = new[] { OfflineRig.User(items[n].Text, "f" + n, OfflineRig.Now.AddMinutes(-1), items[n]) };
                var context = OfflineRig.Context(history, language, parameters, persona);
                list.Add((language, items[n], OfflineRig.Reply(change is null ? context : change(context))));
            }
        }
        return list;
    }

    static readonly Lock FileGate = new();

    /// <summary>A measured figure, in <c>offline-engine-parameters.txt</c> next to the test binaries (docs/offline-engine.md quotes them).</summary>
    static void Report(string line)
    {
        TestContext.Current.TestOutputHelper?.WriteLine(line);
        lock (FileGate) File.AppendAllText(Path.Combine(AppContext.BaseDirectory, "offline-engine-parameters.txt"), line + "\n");
    }

    static double WordsPerSentence(IEnumerable<OfflineReply> replies)
    {
        var sentences = replies.SelectMany(r => OfflineRig.Sentences(r.Text)).ToList();
        return (double)sentences.Sum(s => s.Split(' ').Length) / sentences.Count;
    }

    [Fact]
    public void Sentence_length_short_and_long_change_the_words_per_sentence()
    {
        double Mean(string? value) => WordsPerSentence(Replies(new ReplyParameters { SentenceLength = value, Emojis = "NONE" }).Select(r => r.Reply));
        var (shorter, usual, longer) = (Mean("SHORT"), Mean(null), Mean("LONG"));
        Report(string.Create(CultureInfo.InvariantCulture,
            $"words per sentence: SHORT {shorter:F2}, unset {usual:F2}, LONG {longer:F2}"));
        Assert.True(shorter <= usual * 0.85, $"SHORT {shorter:F2} words per sentence is not clearly below {usual:F2}");
        Assert.True(longer >= usual * 1.15, $"LONG {longer:F2} words per sentence is not clearly above {usual:F2}");
        Assert.Equal(usual, Mean("MEDIUM"), 3);
    }

    [Theory]
    [InlineData("LOW", 0.02)]
    [InlineData("MEDIUM", 0.05)]
    [InlineData("HIGH", 0.10)]
    public void Fluency_degradation_adds_typos_in_the_stated_share_and_keeps_the_words(string level, double rate)
    {
        var clean = Replies(new ReplyParameters { Emojis = "NONE" });
        var typed = Replies(new ReplyParameters { Emojis = "NONE", FluencyDegradation = level });
        int eligible = 0, typos = 0, starts = 0, lowerStarts = 0, fullStops = 0, languageOk = 0;
        for (var i = 0; i < clean.Count; i++)
        {
            var (a, b) = (clean[i].Reply.Text, typed[i].Reply.Text);
            var wordsA = Letters(a);
            var wordsB = Letters(b);
            Assert.Equal(wordsA.Count, wordsB.Count);
            for (var w = 0; w < wordsA.Count; w++)
            {
                if (!Fluency.Eligible(wordsA[w]))
                {
                    Assert.Equal(wordsA[w], wordsB[w], ignoreCase: true);
                    continue;
                }
                eligible++;
                if (string.Equals(wordsA[w], wordsB[w], StringComparison.OrdinalIgnoreCase)) continue;
                typos++;
                // A typo is two neighbouring letters swapped: the same letters, the first and last in place.
                Assert.Equal(wordsA[w].Order(), wordsB[w].ToLowerInvariant().Order());
            }
            starts++;
            if (char.IsLower(b.First(char.IsLetter))) lowerStarts++;
            fullStops += b.Count(ch => ch == '.');
            Assert.Equal(a.EndsWith('?'), b.EndsWith('?'));
            if (!Detector.IsConfidentlyOther(b, clean[i].Language, out _)) languageOk++;
        }
        var measured = (double)typos / eligible;
        Report(string.Create(CultureInfo.InvariantCulture,
            $"{level}: typos {typos}/{eligible} = {measured:P1}, lowercase starts {lowerStarts}/{starts}, full stops {fullStops}, language {languageOk}/{starts}"));
        Assert.InRange(measured, rate * 0.6, rate * 1.5);
        Assert.True(languageOk >= starts * 0.95, $"{level}: only {languageOk} of {starts} degraded replies read as their language");
        if (level == "LOW") Assert.InRange((double)lowerStarts / starts, 0.15, 0.5);
        else
        {
            Assert.Equal(starts, lowerStarts);
            Assert.Equal(0, fullStops);
        }
    }

    static List<string> Letters(string text)
    {
        var words = new List<string>();
        var i = 0;
        while (i < text.Length)
        {
            if (!char.IsLetter(text[i])) { i++; continue; }
            var end = i;
            while (end < text.Length && char.IsLetter(text[end])) end++;
            words.Add(text[i..end]);
            i = end;
        }
        return words;
    }

    [Fact]
    public void No_fluency_degradation_leaves_the_text_as_it_was()
    {
        var clean = Replies(new ReplyParameters());
        var none = Replies(new ReplyParameters { FluencyDegradation = "NONE" });
        Assert.Equal(clean.Select(r => r.Reply.Text), none.Select(r => r.Reply.Text));
    }

    [Theory]
    [InlineData("EN")]
    [InlineData("ES")]
    [InlineData("DE")]
    public void Typos_in_her_earlier_messages_do_not_let_a_phrasing_come_back(string language)
    {
        // Each turn is written twice from the same history: degraded (what she sends) and clean (which phrasings it
        // chose). The clean sentences never repeat, so the typos in her history did not hide a phrasing from the check.
        var script = OfflineRig.Fixture(language);
        var history = new List<HistoryMessage>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var start = OfflineRig.Now.AddHours(-4);
        for (var turn = 0; turn < 30; turn++)
        {
            var item = script[turn % script.Count];
            var at = start.AddMinutes(turn * 7);
            history.Add(OfflineRig.User(item.Text, "u" + turn, at, item));
            var context = OfflineRig.Context(history.ToList(), language, new ReplyParameters { FluencyDegradation = "HIGH" }, now: at.AddMinutes(1));
            var typed = OfflineRig.Reply(context);
            var clean = OfflineRig.Reply(context with { Parameters = new ReplyParameters() });
            foreach (var sentence in OfflineRig.Sentences(clean.Text))
                Assert.True(seen.Add(sentence), $"turn {turn + 1}: \"{sentence}\" came back ({typed.Text})");
            history.Add(OfflineRig.Persona(typed.Text, "p" + turn, at.AddMinutes(1)));
        }
    }

    [Theory]
    [InlineData("SHORT")]
    [InlineData("MEDIUM")]
    [InlineData("LONG")]
    public void Fixed_response_length_keeps_every_reply_in_the_checked_range(string length)
    {
        var (min, max) = ReplyChecks.LengthRange(length)!.Value;
        foreach (var fluency in new string?[] { null, "HIGH" })
        {
            var replies = Replies(new ReplyParameters { MessageLength = length, FixedResponseLength = true, Emojis = "FREQUENT", FluencyDegradation = fluency });
            var misses = replies.Where(r => ReplyChecks.Length(r.Reply.Parts, length) is not null)
                .Select(r => $"{r.Language} \"{r.Item.Text}\" → {r.Reply.Text.Length}: {r.Reply.Text}").ToList();
            Assert.True(misses.Count == 0, $"{misses.Count} replies outside {min}–{max} ({fluency ?? "clean"}):\n{string.Join("\n", misses)}");
        }
        // Without fixedResponseLength the length is the engine's habit, which does not always fit (a control).
        var free = Replies(new ReplyParameters { MessageLength = length, Emojis = "FREQUENT" });
        if (length != "MEDIUM") Assert.Contains(free, r => ReplyChecks.Length(r.Reply.Parts, length) is not null);
    }

    [Fact]
    public void A_named_personality_sets_the_emoji_and_question_habits_the_request_leaves_open()
    {
        (double Emojis, double Questions) Habits(string? personality, ReplyParameters? parameters = null)
        {
            var replies = Replies(parameters ?? new ReplyParameters { PersonaPersonality = personality }).Select(r => r.Reply).ToList();
            return ((double)replies.Count(r => r.Text.Any(char.IsSurrogate)) / replies.Count,
                (double)replies.Count(r => r.Text.TrimEnd().EndsWith('?')) / replies.Count);
        }
        var shy = Habits("SHY");
        var flirty = Habits("flirty");
        var supportive = Habits("SUPPORTIVE");
        var plain = Habits(null);
        Report(string.Create(CultureInfo.InvariantCulture,
            $"emojis/questions: SHY {shy}, FLIRTY {flirty}, SUPPORTIVE {supportive}, none {plain}"));
        Assert.True(shy.Emojis < plain.Emojis && flirty.Emojis > plain.Emojis * 1.5, "emoji habit");
        Assert.True(shy.Questions < plain.Questions * 0.7 && supportive.Questions > plain.Questions * 1.2, "question habit");
        // Explicit parameters win over the personality.
        var forced = Habits(null, new ReplyParameters { PersonaPersonality = "FLIRTY", Emojis = "NONE" });
        Assert.Equal(0, forced.Emojis);
        // The profile's own personality counts when the request names none.
        var profileShy = Replies(new ReplyParameters(), persona: OfflineRig.Marta(raw => raw["personality"] = "SHY")).Select(r => r.Reply).ToList();
        Assert.Equal(shy.Questions, (double)profileShy.Count(r => r.Text.TrimEnd().EndsWith('?')) / profileShy.Count, 3);
    }
}
