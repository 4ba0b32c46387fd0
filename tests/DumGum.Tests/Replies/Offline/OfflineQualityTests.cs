using System.Globalization;
using System.Text;
using DumGum.Customers;
using DumGum.Replies;
using DumGum.Replies.Checks;
using DumGum.Replies.Offline;

namespace DumGum.Tests.Replies.Offline;

/// <summary>
/// The offline engine's quality bar (issue 11), measured on the labelled fixture of each language: the tuning set
/// (Fixtures/{code}.json, at least 40 messages) and the held-out set (Fixtures/{code}.heldout.json, at least 10, never
/// used to tune the phrase lists), each reported and the bar applied to both together; and on a scripted 50-turn
/// conversation. The figures are written to
/// <c>offline-engine-figures.md</c> next to the test binaries; docs/offline-engine.md quotes them.
/// </summary>
public sealed class OfflineQualityTests
{
    public const double IntentBar = 0.90;
    public const double ReplyBar = 0.95;
    public const double TrigramBar = 0.90;
    public const int Turns = 50;

    static readonly LanguageDetector Detector = new();
    static readonly string[] Policies = ["DEFAULT_MODE", "DEFERRED_MEETING", "CHAT_ONLY"];

    public static TheoryData<string> Languages() => new(OfflineRig.Languages);

    [Fact]
    public void Every_language_with_a_data_file_has_a_fixture_and_the_bar_covers_all_seven()
    {
        Assert.Equal(OfflineRig.Languages.Order(), OfflineChatClient.Languages.Order());
        var total = 0;
        foreach (var language in OfflineChatClient.Languages)
        {
            var items = OfflineRig.Fixture(language);
            var heldOut = OfflineRig.HeldOut(language);
            Assert.True(items.Count >= 40, $"{language}: {items.Count} fixture messages, at least 40 are needed");
            Assert.True(heldOut.Count >= 10, $"{language}: {heldOut.Count} held-out messages, at least 10 are needed");
            Assert.All(items.Concat(heldOut), i => Assert.True(Intents.All.Contains(i.Intent), $"{language}: unknown intent {i.Intent}"));
            // Held out means new: no held-out message is in the tuning fixture.
            Assert.Empty(heldOut.Select(i => i.Text).Intersect(items.Select(i => i.Text)));
            total += items.Count;
        }
        Assert.True(total >= 280, $"{total} fixture messages in all, at least 280 are needed");
    }

    [Theory]
    [MemberData(nameof(Languages))]
    public void Fixture_meets_the_quality_bar(string language)
    {
        var tuning = Measure(OfflineRig.Fixture(language), language);
        var heldOut = Measure(OfflineRig.HeldOut(language), language);
        var m = Measure([.. OfflineRig.Fixture(language), .. OfflineRig.HeldOut(language)], language);
        WriteFigures(language, tuning, heldOut, m);
        var failures = string.Join("\n", m.Failures);
        Assert.True(m.Intent >= IntentBar, $"{language} intent accuracy {m.Intent:P1} < {IntentBar:P0}\n{failures}");
        Assert.True(m.Language >= ReplyBar, $"{language} reply language {m.Language:P1} < {ReplyBar:P0}\n{failures}");
        Assert.True(m.NoCopy >= ReplyBar, $"{language} no-copy {m.NoCopy:P1} < {ReplyBar:P0}\n{failures}");
        Assert.True(m.Facts >= ReplyBar, $"{language} facts {m.Facts:P1} < {ReplyBar:P0}\n{failures}");
        Assert.True(m.Meeting >= ReplyBar, $"{language} meeting policy {m.Meeting:P1} < {ReplyBar:P0}\n{failures}");
    }

    [Theory]
    [MemberData(nameof(Languages))]
    public void A_fifty_turn_conversation_repeats_no_sentence_and_keeps_trigrams_distinct(string language)
    {
        var (sentences, distinctSentences, ratio, transcript) = Conversation(language);
        WriteConversation(language, sentences, distinctSentences, ratio, transcript);
        Assert.True(sentences == distinctSentences, $"{language}: {sentences - distinctSentences} repeated sentences\n{transcript}");
        Assert.True(ratio >= TrigramBar, $"{language}: distinct-trigram ratio {ratio:F3} < {TrigramBar}\n{transcript}");
    }

    internal sealed record Figures(int Count, double Intent, double Second, int SecondCount, double Language, double NoCopy,
        double Facts, int FactCount, double Meeting, int MeetingCount, List<string> Failures);

    internal static Figures Measure(IReadOnlyList<FixtureItem> items, string language)
    {
        var failures = new List<string>();
        int intentOk = 0, secondOk = 0, secondCount = 0, languageOk = 0, copyOk = 0, factOk = 0, factCount = 0, meetOk = 0, meetCount = 0;
        for (var n = 0; n < items.Count; n++)
        {
            var item = items[n];
            var history = new[] { OfflineRig.User(item.Text, "f" + n, OfflineRig.Now.AddMinutes(-1), item) };
            var reply = OfflineRig.Reply(OfflineRig.Context(history, language));
            var text = reply.Text;

            if (reply.Read == item.Intent) intentOk++;
            else failures.Add($"intent: \"{item.Text}\" read {reply.Read}, labelled {item.Intent}");
            if (item.Second is not null)
            {
                secondCount++;
                if (reply.Second == item.Second) secondOk++;
                else failures.Add($"second: \"{item.Text}\" second {reply.Second ?? "none"}, labelled {item.Second}");
            }
            if (!Detector.IsConfidentlyOther(text, language, out var detected)) languageOk++;
            else failures.Add($"language: \"{text}\" read as {detected}");
            if (OfflineRig.LongestCopiedRun(item.Text, text) < 5) copyOk++;
            else failures.Add($"copy: \"{text}\" copies \"{item.Text}\"");

            if (Intents.Facts.ContainsKey(item.Intent))
            {
                factCount++;
                var facts = ExpectedFacts(item.Intent, language);
                if (facts.Any(f => text.Contains(f, StringComparison.OrdinalIgnoreCase))) factOk++;
                else failures.Add($"fact: \"{item.Text}\" → \"{text}\" names none of {string.Join(", ", facts)}");
            }
            if (item.Intent == Intents.Meet)
                foreach (var policy in Policies)
                {
                    meetCount++;
                    var context = OfflineRig.Context(history, language, new ReplyParameters { MeetingPolicy = policy });
                    var meeting = OfflineRig.Reply(context);
                    if (meeting.ReplyKey == "meet." + policy) meetOk++;
                    else failures.Add($"meeting {policy}: \"{item.Text}\" answered with {meeting.ReplyKey}: \"{meeting.Text}\"");
                }
        }
        double Rate(int ok, int count) => count == 0 ? 1 : (double)ok / count;
        return new Figures(items.Count, Rate(intentOk, items.Count), Rate(secondOk, secondCount), secondCount, Rate(languageOk, items.Count),
            Rate(copyOk, items.Count), Rate(factOk, factCount), factCount, Rate(meetOk, meetCount), meetCount, failures);
    }

    /// <summary>What a reply to a question about <paramref name="intent"/> must name: the profile's value, in the reply's words.</summary>
    internal static List<string> ExpectedFacts(string intent, string language)
    {
        var pack = OfflineData.For(language)!;
        var hobbies = PersonaFacts.Of(OfflineRig.Marta(), null).Hobbies;
        IEnumerable<string> Topic(string? topic) => hobbies
            .Where(h => topic is null || OfflineData.Catalogue.Hobbies[h].Topic == topic)
            .Select(h => pack.Hobbies[h].Name);
        return intent switch
        {
            Intents.AskJob => ["pastry chef", "Pastry chef"],
            Intents.AskCity => ["Valencia"],
            Intents.AskAge => ["30"],
            Intents.AskPets => ["Pimienta"],
            Intents.AskFamily => ["Alba"],
            Intents.AskMusic => [pack.Word("music.POP")!],
            Intents.AskFood => [.. Topic("food")],
            Intents.AskTravel => [.. Topic("travel")],
            _ => [.. Topic(null)],
        };
    }

    internal static (int Sentences, int Distinct, double TrigramRatio, string Transcript) Conversation(string language)
    {
        var script = OfflineRig.Fixture(language);
        var history = new List<HistoryMessage>();
        var start = OfflineRig.Now.AddHours(-6);
        var all = new List<string>();
        var trigrams = new List<string>();
        var transcript = new StringBuilder();
        for (var turn = 0; turn < Turns; turn++)
        {
            var item = script[turn % script.Count];
            var at = start.AddMinutes(turn * 7);
            history.Add(OfflineRig.User(item.Text, "u" + turn, at, item));
            var reply = OfflineRig.Reply(OfflineRig.Context(history.ToList(), language, now: at.AddMinutes(1)));
            history.Add(OfflineRig.Persona(reply.Text, "p" + turn, at.AddMinutes(1)));
            transcript.Append(CultureInfo.InvariantCulture, $"{turn + 1,2}. {item.Text} → {reply.Text}\n");
            all.AddRange(OfflineRig.Sentences(reply.Text));
            var words = OfflineRig.Words(reply.Text);
            for (var i = 0; i + 2 < words.Length; i++) trigrams.Add(words[i] + " " + words[i + 1] + " " + words[i + 2]);
        }
        var ratio = trigrams.Count == 0 ? 1 : (double)trigrams.Distinct(StringComparer.Ordinal).Count() / trigrams.Count;
        return (all.Count, all.Distinct(StringComparer.Ordinal).Count(), ratio, transcript.ToString());
    }

    static readonly Lock FileGate = new();

    static void WriteFigures(string language, Figures tuning, Figures heldOut, Figures m)
    {
        var line = string.Create(CultureInfo.InvariantCulture,
            $"| {language} | {tuning.Count} | {tuning.Intent:P1} | {heldOut.Count} | {heldOut.Intent:P1} | {m.Intent:P1} | {m.Second:P0} ({m.SecondCount}) | {m.Language:P1} | {m.NoCopy:P1} | {m.Facts:P1} ({m.FactCount}) | {m.Meeting:P1} ({m.MeetingCount}) |");
        Append("offline-engine-figures.md", line);
        TestContext.Current.TestOutputHelper?.WriteLine(line);
        foreach (var f in m.Failures) TestContext.Current.TestOutputHelper?.WriteLine(f);
        File.WriteAllLines(Path.Combine(AppContext.BaseDirectory, $"offline-misses-{language.ToLowerInvariant()}.txt"),
            [.. tuning.Failures.Select(f => "tuning " + f), .. heldOut.Failures.Select(f => "held-out " + f)]);
    }

    static void WriteConversation(string language, int sentences, int distinct, double ratio, string transcript)
    {
        var line = string.Create(CultureInfo.InvariantCulture, $"| {language} | {Turns} | {sentences} | {sentences - distinct} | {ratio:F3} |");
        Append("offline-engine-conversation.md", line);
        File.WriteAllText(Path.Combine(AppContext.BaseDirectory, $"offline-conversation-{language.ToLowerInvariant()}.txt"), transcript);
        TestContext.Current.TestOutputHelper?.WriteLine(line);
    }

    static void Append(string file, string line)
    {
        lock (FileGate) File.AppendAllText(Path.Combine(AppContext.BaseDirectory, file), line + "\n");
    }
}
