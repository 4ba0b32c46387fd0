using BenchmarkDotNet.Attributes;
using DumGum.Customers;
using DumGum.Replies;
using DumGum.Replies.Prompt;

namespace PromptBench;

/// <summary>
/// Prompt assembly for one reply with a 200-message history of mixed kinds and full profiles.
/// Goal: ≤ 1 ms CPU and ≤ 200 KB allocated per reply.
/// <list type="bullet">
/// <item><c>ColdFirstReply</c>: nothing remembered (token-count memory off): every block and message is tokenized.</item>
/// <item><c>NextTurn</c>: the steady state of a live conversation: one new message and a new clock minute per
///   reply, everything else (persona, rules, older messages) already counted by an earlier reply.</item>
/// <item><c>NextTurnTrimmedTo4k</c>: the same on a 4k-token model, where the oldest messages are dropped.</item>
/// <item><c>NextTurnWithChecks</c>: a next turn plus what follows the model call: parsing its JSON answer and every
///   post-generation check (language, assistant-speak, repetition against her last replies, length).</item>
/// </list>
/// </summary>
[MemoryDiagnoser]
public class PromptBenchmarks
{
    readonly PromptBuilder cold = new(new TokenCounter(cacheCapacity: 0));
    readonly PromptBuilder warm = new(new TokenCounter());
    readonly DumGum.Replies.Checks.ReplyChecks checks = new(new DumGum.Replies.Checks.LanguageDetector());
    const string ModelAnswer = """
        {"parts": ["Haha, the bakery was packed again, so I took my croissant to the river and watched the rowers for an hour. What about you, did you finally get some rest?"],
         "pictureId": null, "poke": false, "signals": {"userUnderage": false, "aiSuspicion": false, "hostile": false}}
        """;
    ReplyContext context = null!;
    List<HistoryMessage> history = null!;
    int turn;

    [GlobalSetup]
    public void Setup()
    {
        context = Scenario.Context();
        history = [.. context.History];
        cold.Build(context, Scenario.LargeModel); // loads the vocabulary
        warm.Build(context, Scenario.LargeModel);
        warm.Build(context, Scenario.SmallModel);
        NextTurnWithChecks();   // loads the language models
    }

    [Benchmark(Baseline = true)]
    public Prompt ColdFirstReply() => cold.Build(context, Scenario.LargeModel);

    [Benchmark]
    public Prompt NextTurn() => warm.Build(Next(), Scenario.LargeModel);

    [Benchmark]
    public Prompt NextTurnTrimmedTo4k() => warm.Build(Next(), Scenario.SmallModel);

    [Benchmark]
    public Prompt NextTurnWithChecks()
    {
        var next = Next();
        var prompt = warm.Build(next, Scenario.LargeModel);
        if (!DumGum.Replies.Output.ReplyParser.TryParse(ModelAnswer, ["Marta"], out var reply, out var problem))
            throw new InvalidOperationException(problem);
        checks.Check(reply, next);
        return prompt;
    }

    /// <summary>The same conversation one reply later: a new newest message, one minute on.</summary>
    ReplyContext Next()
    {
        turn++;
        var last = history[^1];
        history[^1] = last with { Text = "turn " + turn.ToString(System.Globalization.CultureInfo.InvariantCulture) + ": how was your day?" };
        return context with { History = history, Now = Scenario.Now.AddMinutes(turn % 600) };
    }
}
