using DumGum.Customers;
using DumGum.Replies;
using DumGum.Replies.Prompt;
using static DumGum.Tests.Replies.Prompt.PromptFixtures;

namespace DumGum.Tests.Replies.Prompt;

public sealed class HistoryRenderingTests
{
    static List<PromptBlock> Turns(IReadOnlyList<HistoryMessage> history, ReplyParameters? parameters = null) =>
        Build(Context(parameters, history)).Blocks.Where(b => b.Name == "history").ToList();

    static string Turn(HistoryMessage message) => Assert.Single(Turns([message])).Text;

    [Fact]
    public void History_keeps_its_order_oldest_first()
    {
        var turns = Turns([FromUser("one", 30), FromPersona("two", 20), FromUser("three", 10), FromPersona("four", 5)]);
        Assert.Equal(["one", "two", "three", "four"], turns.Select(t => t.Text));
        Assert.Equal(["user", "assistant", "user", "assistant"], turns.Select(t => t.Role));
    }

    [Fact]
    public void A_poke_is_described_in_words()
    {
        Assert.Equal("[pokes you]", Turn(FromUser(null, 5, poke: true)));
        Assert.Equal("[pokes Tom]", Turn(FromPersona(null, 5, poke: true)));
    }

    [Fact]
    public void A_sticker_is_described_by_its_text()
    {
        Assert.Equal("[sends a sticker: a waving cat]", Turn(FromUser(null, 5, sticker: "a waving cat")));
    }

    [Fact]
    public void A_gift_is_described_with_its_name_and_tier()
    {
        Assert.Equal("[sends a gift: Red Rose (tier LOW)]", Turn(FromUser(null, 5, gifts: [new Gift("Red Rose", "LOW")])));
        Assert.Equal("[sends a gift: Teddy] [sends a gift (tier HIGH)]", Turn(FromUser(null, 5, gifts: [new Gift("Teddy", null), new Gift(null, "HIGH")])));
    }

    [Fact]
    public void Shared_pictures_are_described_without_their_urls()
    {
        Assert.Equal("[shares a picture]", Turn(FromUser(null, 5, pictures: ["https://u.example/1.jpg"])));
        Assert.Equal("[shares 3 pictures]", Turn(FromUser(null, 5, pictures: ["https://u.example/1.jpg", "https://u.example/2.jpg", "https://u.example/3.jpg"])));
    }

    [Fact]
    public void A_picture_she_shared_from_her_shareable_set_is_described_by_its_caption()
    {
        var parameters = new ReplyParameters { ShareablePictures = [new("p1", "https://cdn.example.com/beach.jpg", "me at the beach")] };
        var turn = Assert.Single(Turns([FromPersona("throwback", 5, pictures: ["https://cdn.example.com/beach.jpg"])], parameters));
        Assert.Equal("throwback [shares a picture: me at the beach]", turn.Text);
    }

    [Fact]
    public void A_message_combining_everything_is_one_turn()
    {
        var message = FromUser("  for you!  ", 5, pictures: ["https://u.example/1.jpg"], poke: true,
            gifts: [new Gift("Red Rose", "LOW")], sticker: "a heart");
        Assert.Equal("for you! [shares a picture] [sends a sticker: a heart] [sends a gift: Red Rose (tier LOW)] [pokes you]", Turn(message));
    }

    [Fact]
    public void Text_is_trimmed_and_an_empty_message_still_reads_as_something()
    {
        Assert.Equal("hello", Turn(FromUser("  hello \n", 5)));
        Assert.Equal("[sends an empty message]", Turn(FromUser("   ", 5)));
    }

    [Fact]
    public void The_renderer_is_usable_on_its_own()
    {
        Assert.Equal("hey [pokes you]", HistoryRenderer.Render(FromUser("hey", 1, poke: true), "Tom"));
        Assert.Equal(Microsoft.Extensions.AI.ChatRole.Assistant, HistoryRenderer.RoleOf(FromPersona("x", 1)));
    }
}
