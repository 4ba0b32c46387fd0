using DumGum.Replies;
using static DumGum.Tests.Replies.Prompt.PromptFixtures;

namespace DumGum.Tests.Replies.Prompt;

public sealed class MomentTests
{
    static string Moment(string? personaZone, IReadOnlyList<DumGum.Customers.HistoryMessage>? history = null,
        Action<System.Text.Json.Nodes.JsonObject>? editUser = null) =>
        Block(Build(Context(history: history, persona: Persona(timeZone: personaZone), user: User(editUser))), "moment");

    [Fact]
    public void A_persona_in_Tokyo_gets_her_Tokyo_local_time_not_the_servers()
    {
        var moment = Moment("Asia/Tokyo");

        Assert.Contains("It is Thursday 26 November 2026, 9:05 pm (evening) where you live (Asia/Tokyo).", moment, StringComparison.Ordinal);
        // The server runs on UTC here: its 12:05 must not be presented as her time.
        Assert.DoesNotContain("12:05 pm (afternoon) where you live", moment, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_a_time_zone_she_lives_in_UTC()
    {
        Assert.Contains("It is Thursday 26 November 2026, 12:05 pm (afternoon) where you live (UTC).", Moment(null), StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_time_zone_falls_back_to_UTC()
    {
        Assert.Contains("12:05 pm (afternoon) where you live (UTC).", Moment("Mars/Olympus_Mons"), StringComparison.Ordinal);
    }

    [Fact]
    public void Her_local_date_can_differ_from_the_UTC_date()
    {
        // 12:05 UTC on Thursday is 1:05 am on Friday in Auckland (summer time, UTC+13).
        Assert.Contains("It is Friday 27 November 2026, 1:05 am (night) where you live (Pacific/Auckland).",
            Moment("Pacific/Auckland"), StringComparison.Ordinal);
        Assert.Contains("It is Thursday 26 November 2026, 7:05 am (morning) where you live (America/New_York).",
            Moment("America/New_York"), StringComparison.Ordinal);
    }

    [Fact]
    public void The_users_own_local_time_is_mentioned_when_he_has_a_time_zone()
    {
        Assert.Contains("For Tom it is 12:05 pm (afternoon, Europe/London).", Moment("Asia/Tokyo"), StringComparison.Ordinal);
        Assert.DoesNotContain("For Tom", Moment("Asia/Tokyo", editUser: u => u.Remove("timeZone")), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0, "just now")]
    [InlineData(5, "5 minutes ago")]
    [InlineData(60, "1 hour ago")]
    [InlineData(180, "3 hours ago")]
    [InlineData(60 * 24 * 3, "3 days ago")]
    [InlineData(60 * 24 * 21, "3 weeks ago")]
    public void Time_since_the_last_message_is_stated(int minutesAgo, string expected)
    {
        var moment = Moment("Asia/Tokyo", [FromPersona("hi", minutesAgo + 10), FromUser("hey", minutesAgo)]);

        Assert.Contains($"The last message in this chat was sent {expected}, by Tom.", moment, StringComparison.Ordinal);
    }

    [Fact]
    public void The_last_message_may_be_her_own()
    {
        Assert.Contains("was sent 2 minutes ago, by you.", Moment("Asia/Tokyo", [FromUser("hey", 10), FromPersona("hi", 2)]), StringComparison.Ordinal);
    }

    [Fact]
    public void Her_birthday_is_noticed_on_her_local_date()
    {
        var prompt = Build(Context(persona: Persona(p => p["birthdate"] = "1997-11-26")));

        Assert.Contains("Today is your birthday.", Block(prompt, "moment"), StringComparison.Ordinal);
        Assert.DoesNotContain("birthday", Block(Build(Context()), "moment"), StringComparison.Ordinal);
    }

    [Fact]
    public void Part_of_day_boundaries()
    {
        Assert.Equal("night", DumGum.Replies.Prompt.PromptBuilder.PartOfDay(4));
        Assert.Equal("morning", DumGum.Replies.Prompt.PromptBuilder.PartOfDay(5));
        Assert.Equal("afternoon", DumGum.Replies.Prompt.PromptBuilder.PartOfDay(12));
        Assert.Equal("evening", DumGum.Replies.Prompt.PromptBuilder.PartOfDay(17));
        Assert.Equal("night", DumGum.Replies.Prompt.PromptBuilder.PartOfDay(22));
    }

    [Fact]
    public void The_moment_is_the_only_place_the_clock_appears()
    {
        var prompt = Build(Context());
        foreach (var block in prompt.Blocks.Where(b => b.Name != "moment"))
            Assert.DoesNotContain("9:05", block.Text, StringComparison.Ordinal);
        Assert.Equal(ReplyMode.Reply, Context().Mode);
    }
}
