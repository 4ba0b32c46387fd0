using BenchmarkDotNet.Attributes;
using DumGum.Customers;
using DumGum.Memory;
using DumGum.Replies;
using DumGum.Replies.Prompt;

namespace PromptBench;

/// <summary>
/// What long-term memory adds to prompt assembly (issue 10; goal ≤ 0.3 ms added with 500 memories): the next turn of
/// the prompt benchmark's conversation with no memories, and with 500 (a third about the persona, tags and
/// descriptions varied, a few matching the newest message), the memories block chosen by relevance and recency within
/// its budget.
/// </summary>
[MemoryDiagnoser]
public class MemoryPromptBenchmarks
{
    static readonly string[] Topics = ["guitar", "climbing", "baking", "river", "exam", "sister", "cat", "coffee", "football", "paris"];

    readonly PromptBuilder builder = new(new TokenCounter());
    ReplyContext context = null!;
    ReplyContext withMemories = null!;
    List<HistoryMessage> history = null!;
    int turn;

    [GlobalSetup]
    public void Setup()
    {
        context = Scenario.Context();
        history = [.. context.History];
        var memories = Enumerable.Range(0, 500).Select(i =>
        {
            var topic = Topics[i % Topics.Length];
            return new MemoryItem($"fact_{i}_{topic}", i % 3 == 0 ? MemoryTargets.Persona : MemoryTargets.User, MemoryCategories.Other,
                $"Mentioned {topic} in story number {i}, about a weekend with friends", null, null, "source",
                Scenario.Now.AddMinutes(-i), [topic, "story"], null);
        }).ToList();
        withMemories = context with { Memories = memories };
        builder.Build(Next(context), Scenario.LargeModel);
        builder.Build(Next(withMemories), Scenario.LargeModel);
    }

    [Benchmark(Baseline = true)]
    public Prompt NextTurnNoMemories() => builder.Build(Next(context), Scenario.LargeModel);

    [Benchmark]
    public Prompt NextTurn500Memories() => builder.Build(Next(withMemories), Scenario.LargeModel);

    /// <summary>The same conversation one reply later: a new newest message (about a changing topic), one minute on.</summary>
    ReplyContext Next(ReplyContext c)
    {
        turn++;
        history[^1] = history[^1] with { Text = $"turn {turn}: how was the {Topics[turn % Topics.Length]} today?" };
        return c with { History = history, Now = Scenario.Now.AddMinutes(turn % 600) };
    }
}
