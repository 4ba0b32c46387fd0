using System.Text.Json.Nodes;
using DumGum.Customers;
using DumGum.Replies;

namespace DumGum.Tests.Replies;

public sealed class EngageTests
{
    static readonly DateTimeOffset Now = DateTimeOffset.Parse("2026-06-01T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture);

    static HistoryMessage At(DateTimeOffset date) => new("m", Sender.User, date, "hi", [], false, [], null);

    [Fact]
    public void Auto_is_an_icebreaker_without_history() =>
        Assert.Equal(ReplyMode.Icebreaker, Engage.Resolve("AUTO", [], Now));

    [Theory]
    [InlineData(0, "Nudge")]
    [InlineData(5 * 60 + 59, "Nudge")]
    [InlineData(6 * 60, "Revive")]
    [InlineData(3 * 24 * 60, "Revive")]
    public void Auto_nudges_under_six_hours_and_revives_from_six(int minutesAgo, string expected) =>
        Assert.Equal(Enum.Parse<ReplyMode>(expected), Engage.Resolve("AUTO", [At(Now.AddMinutes(-minutesAgo))], Now));

    [Fact]
    public void Auto_measures_from_the_latest_message_of_either_side()
    {
        var history = new List<HistoryMessage>
        {
            At(Now.AddHours(-30)),
            new("m2", Sender.Persona, Now.AddHours(-1), "still there?", [], false, [], null),
        };
        Assert.Equal(ReplyMode.Nudge, Engage.Resolve("AUTO", history, Now));
    }

    [Theory]
    [InlineData("ICEBREAKER", "Icebreaker")]
    [InlineData("NUDGE", "Nudge")]
    [InlineData("REVIVE", "Revive")]
    [InlineData(null, "Reply")]
    public void Forced_modes_win(string? engage, string expected) =>
        Assert.Equal(Enum.Parse<ReplyMode>(expected), Engage.Resolve(engage, [At(Now)], Now));

    static CustomerProfile Profile(string id, string? birthdate, bool photo = true, bool rich = true)
    {
        var raw = new JsonObject { ["id"] = id, ["firstName"] = "A" };
        if (birthdate is not null) raw["birthdate"] = birthdate;
        if (photo) raw["mainPictureUrl"] = "https://cdn.example.com/a.jpg";
        if (rich)
        {
            raw["description"] = "Loves hiking";
            raw["city"] = "Valencia";
            raw["countryCode"] = "ES";
        }
        return CustomerProfile.Parse(raw, id, out _)!;
    }

    [Fact]
    public void Icebreaker_angles_come_from_the_data_in_order()
    {
        var persona = Profile("p", "1995-01-01");
        Assert.Equal("NO_PHOTO", Engage.IcebreakerAngle(null, Profile("u", "1995-01-01", photo: false), persona, null, Now));
        Assert.Equal("MISSING_DETAIL", Engage.IcebreakerAngle("AUTO", Profile("u", null, rich: false), persona, null, Now));
        Assert.Equal("MUCH_YOUNGER", Engage.IcebreakerAngle(null, Profile("u", "2002-01-01"), persona, null, Now));
        Assert.Equal("MUCH_OLDER", Engage.IcebreakerAngle(null, Profile("u", "1988-01-01"), persona, null, Now));
        Assert.Equal("GENERIC", Engage.IcebreakerAngle(null, Profile("u", "1996-01-01"), persona, 25, Now));
        Assert.Equal("NEARBY", Engage.IcebreakerAngle(null, Profile("u", "1996-01-01"), persona, 10, Now));
        Assert.Equal("USER_ONLINE", Engage.IcebreakerAngle("USER_ONLINE", Profile("u", "1996-01-01"), persona, 10, Now));
    }
}
