using System.Text.Json.Nodes;
using DumGum.Customers;
using DumGum.Replies;
using DumGum.Storage;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging.Abstractions;

namespace DumGum.Tests.Replies;

public sealed class SoulEngineTests
{
    sealed class CountingModel(string json) : IChatClient
    {
        public int Calls;
        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref Calls);
            return Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, json)));
        }
        public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();
        public object? GetService(Type serviceType, object? serviceKey = null) => null;
        public void Dispose() { }
    }

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
            var model = new CountingModel("""{"personality": "bold and teasing", "writingStyle": "short bursts", "emojiHabit": "lots of 🔥", "messageRhythm": "two or three quick messages", "sexualAppetite": "direct"}""");
            using (var writes = new WriteQueue(database, NullLogger<WriteQueue>.Instance))
            {
                var soul = new SoulEngine(model, database, writes, TimeProvider.System, NullLogger<SoulEngine>.Instance);
                var card = await soul.CardAsync("proj", Persona("v1"), offline: false, TestContext.Current.CancellationToken);
                Assert.Contains("Personality: bold and teasing", card, StringComparison.Ordinal);
                Assert.Contains("Message rhythm: two or three quick messages", card, StringComparison.Ordinal);
                Assert.Equal(card, await soul.CardAsync("proj", Persona("v1"), offline: false, TestContext.Current.CancellationToken));
                Assert.Equal(1, model.Calls);
                await soul.CardAsync("proj", Persona("v2"), offline: false, TestContext.Current.CancellationToken);
                Assert.Equal(2, model.Calls);
            }
            using (var writes = new WriteQueue(database, NullLogger<WriteQueue>.Instance))
            {
                var restarted = new SoulEngine(model, database, writes, TimeProvider.System, NullLogger<SoulEngine>.Instance);
                var card = await restarted.CardAsync("proj", Persona("v1"), offline: false, TestContext.Current.CancellationToken);
                Assert.Contains("bold and teasing", card, StringComparison.Ordinal);
                Assert.Equal(2, model.Calls);
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
            var model = new CountingModel("{}");
            using var writes = new WriteQueue(database, NullLogger<WriteQueue>.Instance);
            var soul = new SoulEngine(model, database, writes, TimeProvider.System, NullLogger<SoulEngine>.Instance);
            var card = await soul.CardAsync("proj", Persona("v1"), offline: true, TestContext.Current.CancellationToken);
            Assert.Equal(0, model.Calls);
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
