using DumGum.Customers;

namespace DumGum.Tests.Replies;

/// <summary>Smart Share's one "already shared" rule (docs/behaviour.md, "Replies"): any sender, URLs trimmed, compared exactly.</summary>
public sealed class SharedPicturesTests
{
    static readonly DateTimeOffset Now = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    static HistoryMessage Message(Sender sender, params string[] pictures) => new("m", sender, Now, null, pictures, false, [], null);

    [Theory]
    [InlineData(Sender.Persona, "https://cdn.example/beach.jpg")]
    [InlineData(Sender.User, "https://cdn.example/beach.jpg")]          // the user sent it: sharing it back is not new
    [InlineData(Sender.Persona, "  https://cdn.example/beach.jpg ")]    // spaces around a URL do not make it another picture
    public void A_picture_in_any_message_is_already_shared(Sender sender, string inHistory) =>
        Assert.True(SharedPictures.AlreadyShared("https://cdn.example/beach.jpg", [Message(sender, inHistory)]));

    [Theory]
    [InlineData("https://cdn.example/Beach.jpg")]
    [InlineData("https://cdn.example/beach.jpg?v=2")]
    public void Another_url_is_not(string inHistory) =>
        Assert.False(SharedPictures.AlreadyShared("https://cdn.example/beach.jpg", [Message(Sender.Persona, inHistory)]));
}
