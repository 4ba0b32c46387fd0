using DumGum.Conversations;
using DumGum.Customers;
using DumGum.Memory;
using DumGum.Memory.Extraction;
using DumGum.Replies;

namespace DumGum.Tests.Memory;

/// <summary>What a run reads facts from (docs/memory.md, "When memory is written").</summary>
public sealed class MemoryExtractionTests
{
    static readonly DateTimeOffset Now = new(2026, 3, 14, 8, 30, 0, TimeSpan.Zero);

    static HistoryMessage Says(Sender sender, string text) => new("m", sender, Now, text, [], false, [], null);

    static CustomerProfile Profile(string id, string name) =>
        CustomerProfile.Parse(new System.Text.Json.Nodes.JsonObject { ["id"] = id, ["firstName"] = name, ["gender"] = "WOMAN" }, id, out _)!;

    [Fact]
    public void Only_the_users_messages_since_the_personas_last_one_and_the_reply_are_read_in_a_regional_language()
    {
        var history = new[]
        {
            Says(Sender.User, "Hey, my name is Zoe and I live in Paris."),   // answered before: not read again
            Says(Sender.Persona, "Hi Zoe!"),
            Says(Sender.User, "Actually I moved to Rome."),
            Says(Sender.User, "Anyway, my name is Anna."),
        };
        var context = new ReplyContext(Profile("u", "Anna"), Profile("p", "Marta"), history, "EN_GB", Now);
        var found = MemoryExtraction.Extract(new OfflineMemoryExtractor(), context, ["Nice! I live in Lisbon myself."]);
        Assert.Equal(["user_lives_in_rome", "user_name", "persona_lives_in_lisbon"], found.Select(f => f.UniqueIdentifier));
        Assert.Equal([MemoryTargets.User, MemoryTargets.User, MemoryTargets.Persona], found.Select(f => f.Target));
    }
}
