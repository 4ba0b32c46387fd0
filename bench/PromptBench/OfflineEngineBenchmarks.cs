using BenchmarkDotNet.Attributes;
using DumGum.Customers;
using DumGum.Replies;
using Microsoft.Extensions.AI;

namespace PromptBench;

/// <summary>
/// The offline reply engine's cost per reply (issue 11; goal ≤ 0.2 ms), through its <see cref="IChatClient"/> like the
/// pipeline calls it: reading the newest user message (Lucene.Net tokenizer and Snowball stemmer), the persona facts,
/// choosing and filling the phrasings against her recent messages, and the output.
/// <list type="bullet">
/// <item><c>ShortChat</c>: a fresh conversation, 10 messages.</item>
/// <item><c>LongChat</c>: the prompt benchmark's scenario, 200 messages (100 of hers compared for repeats), full profiles.</item>
/// </list>
/// Each call answers another user message (twelve intents in turn), so no two consecutive replies are the same work.
/// </summary>
[MemoryDiagnoser]
public class OfflineEngineBenchmarks : IDisposable
{
    static readonly string[] UserLines =
    [
        "Hey! How was your day?", "What do you do for a living?", "Any plans for tonight?", "Where do you live?",
        "Do you have any pets?", "You have a lovely smile", "Can we meet for a coffee this week?", "I had a terrible day at work",
        "I got the job!!", "Good night, sweet dreams", "What kind of music do you like?", "I'm good, and you?",
    ];

    readonly OfflineChatClient client = new();
    ReplyContext shortChat = null!;
    ReplyContext longChat = null!;
    List<HistoryMessage> shortHistory = null!;
    List<HistoryMessage> longHistory = null!;
    int turn;

    [GlobalSetup]
    public void Setup()
    {
        longChat = Scenario.Context();
        longHistory = [.. longChat.History];
        if (longHistory[^1].Sender != Sender.User)
            longHistory.Add(longHistory[^2] with { Sender = Sender.User, Date = Scenario.Now });
        shortHistory = [.. longHistory.TakeLast(10)];
        shortChat = longChat with { History = shortHistory };
        ShortChat();
        LongChat();
    }

    public void Dispose()
    {
        client.Dispose();
        GC.SuppressFinalize(this);
    }

    [Benchmark(Baseline = true)]
    public string ShortChat() => Reply(shortChat, shortHistory);

    [Benchmark]
    public string LongChat() => Reply(longChat, longHistory);

    string Reply(ReplyContext context, List<HistoryMessage> history)
    {
        turn++;
        history[^1] = history[^1] with { Id = "b" + turn.ToString(System.Globalization.CultureInfo.InvariantCulture), Text = UserLines[turn % UserLines.Length] };
        var options = new ChatOptions { AdditionalProperties = new() { [ReplyContext.OptionsKey] = context with { History = history } } };
        return client.GetResponseAsync([], options).GetAwaiter().GetResult().Text;
    }
}
