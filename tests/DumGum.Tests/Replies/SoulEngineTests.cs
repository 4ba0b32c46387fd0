using System.Text.Json.Nodes;
using DumGum.Customers;
using DumGum.Replies;
using DumGum.Storage;
using DumGum.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;

namespace DumGum.Tests.Replies;

public sealed class SoulEngineTests
{
    static CustomerProfile Persona(string version) => CustomerProfile.Parse(new JsonObject
    {
        ["id"] = "p1", ["firstName"] = "Marta", ["version"] = version, ["description"] = "Weekend hiker, amateur baker.",
    }, "p1", out _)!;

    [Fact]
    public async Task A_card_is_written_once_per_persona_version_and_survives_a_restart()
    {
        var path = Path.Combine(Path.GetTempPath(), $"soul-{Guid.NewGuid():N}.db");
        try
        {
            var database = Database.Sqlite(path);
            var model = FakeChatClient.Answering("""{"personality": "bold and teasing", "writingStyle": "short bursts", "emojiHabit": "lots of 🔥", "messageRhythm": "two or three quick messages", "sexualAppetite": "direct"}""");
            using (var writes = new WriteQueue(database, NullLogger<WriteQueue>.Instance))
            {
                var soul = new SoulEngine(model, database, writes, TimeProvider.System, NullLogger<SoulEngine>.Instance);
                var card = await soul.CardAsync("proj", Persona("v1"), offline: false, TestContext.Current.CancellationToken);
                Assert.Contains("Personality: bold and teasing", card, StringComparison.Ordinal);
                Assert.Contains("Message rhythm: two or three quick messages", card, StringComparison.Ordinal);
                Assert.Equal(card, await soul.CardAsync("proj", Persona("v1"), offline: false, TestContext.Current.CancellationToken));
                Assert.Equal(1, model.CallCount);
                await soul.CardAsync("proj", Persona("v2"), offline: false, TestContext.Current.CancellationToken);
                Assert.Equal(2, model.CallCount);
            }
            using (var writes = new WriteQueue(database, NullLogger<WriteQueue>.Instance))
            {
                var restarted = new SoulEngine(model, database, writes, TimeProvider.System, NullLogger<SoulEngine>.Instance);
                var card = await restarted.CardAsync("proj", Persona("v1"), offline: false, TestContext.Current.CancellationToken);
                Assert.Contains("bold and teasing", card, StringComparison.Ordinal);
                Assert.Equal(2, model.CallCount);
            }
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            foreach (var f in Directory.GetFiles(Path.GetTempPath(), Path.GetFileName(path) + "*")) File.Delete(f);
        }
    }

    [Fact]
    public async Task Offline_cards_come_from_the_profile_without_a_model()
    {
        var path = Path.Combine(Path.GetTempPath(), $"soul-{Guid.NewGuid():N}.db");
        try
        {
            var database = Database.Sqlite(path);
            var model = FakeChatClient.Answering("{}");
            using var writes = new WriteQueue(database, NullLogger<WriteQueue>.Instance);
            var soul = new SoulEngine(model, database, writes, TimeProvider.System, NullLogger<SoulEngine>.Instance);
            var card = await soul.CardAsync("proj", Persona("v1"), offline: true, TestContext.Current.CancellationToken);
            Assert.Equal(0, model.CallCount);
            foreach (var trait in new[] { "Personality:", "Writing style:", "Emoji habit:", "Message rhythm:", "Sexual appetite:" })
                Assert.Contains(trait, card, StringComparison.Ordinal);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            foreach (var f in Directory.GetFiles(Path.GetTempPath(), Path.GetFileName(path) + "*")) File.Delete(f);
        }
    }
}
