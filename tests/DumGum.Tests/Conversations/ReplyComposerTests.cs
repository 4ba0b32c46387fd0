using System.Text.Json.Nodes;
using DumGum.Conversations;
using DumGum.Customers;
using DumGum.Replies;

namespace DumGum.Tests.Conversations;

public sealed class ReplyComposerTests
{
    static readonly DateTimeOffset Now = DateTimeOffset.Parse("2026-03-14T08:26:03Z", System.Globalization.CultureInfo.InvariantCulture);
    static readonly ConversationKey Key = new("proj_x", "u1", "p1");

    static CustomerProfile Profile(string id) => CustomerProfile.Parse(new JsonObject { ["id"] = id, ["firstName"] = "A" }, id, out _)!;

    static ReplyContext Context(string typing = "INSTANT", IReadOnlyList<HistoryMessage>? history = null) =>
        new(Profile("u1"), Profile("p1"), history ?? [], "EN", Now) { Parameters = new ReplyParameters { ReplyTypingDelay = typing } };

    static GeneratedReply Reply(string[] parts, decimal cost = 0.0123m, string? picture = null, bool poke = false) =>
        new(parts, picture, poke, cost, "m", new Dictionary<string, bool>(), new PromptItemisation("dating-smart-1", "m", [], 10, 5, 1, []));

    [Fact]
    public void A_single_part_is_sequence_zero_without_a_parent_and_carries_the_cost()
    {
        var answers = ReplyComposer.Answers(Reply(["Hi!"]), Context(), Key, [], false, Now.AddSeconds(-7), Now);
        var (a, pause) = Assert.Single(answers);
        Assert.Equal(0, a.SequenceNumber);
        Assert.Null(a.ParentAnswerId);
        Assert.Equal(0.0123m, a.Cost);
        Assert.Equal(7, a.ResponseTime);
        Assert.Equal(TimeSpan.Zero, pause);
    }

    [Fact]
    public void Split_parts_are_numbered_from_one_and_only_the_first_is_billed()
    {
        var answers = ReplyComposer.Answers(Reply(["one", "two", "three"]), Context(), Key, [], false, Now, Now);
        Assert.Equal([1, 2, 3], answers.Select(x => x.Answer.SequenceNumber));
        Assert.Null(answers[0].Answer.ParentAnswerId);
        Assert.All(answers.Skip(1), x => Assert.Equal(answers[0].Answer.Id, x.Answer.ParentAnswerId));
        Assert.Equal([0.0123m, 0m, 0m], answers.Select(x => x.Answer.Cost));
        Assert.Equal(["one", "two", "three"], answers.Select(x => x.Answer.Text));
    }

    [Fact]
    public void Test_mode_costs_nothing()
    {
        var answers = ReplyComposer.Answers(Reply(["Hi"]), Context(), Key, [], true, Now, Now);
        Assert.Equal(0m, answers[0].Answer.Cost);
    }

    [Theory]
    [InlineData("INSTANT", 40, 0)]
    [InlineData("FAST", 40, 1500)]
    [InlineData("NORMAL", 40, 3900)]
    [InlineData("NORMAL", 1000, 20000)]
    public void Typing_pauses_follow_the_length_and_are_capped(string typing, int characters, int expectedMs) =>
        Assert.Equal(TimeSpan.FromMilliseconds(expectedMs), ReplyComposer.TypingPause(typing, characters));

    [Fact]
    public void A_poke_is_one_action_poke_answer_without_text()
    {
        var (a, _) = Assert.Single(ReplyComposer.Answers(Reply(["ignored"], poke: true), Context(), Key, [], false, Now, Now));
        Assert.Equal("ACTION_POKE", a.Type);
        Assert.Null(a.Text);
    }

    [Fact]
    public void A_picture_rides_on_the_first_part_but_never_one_already_in_the_history()
    {
        var fresh = ReplyComposer.Answers(Reply(["look", "at this"], picture: "https://cdn/x.jpg"), Context(), Key, [], false, Now, Now);
        Assert.Equal("https://cdn/x.jpg", fresh[0].Answer.PictureUrl);
        Assert.Null(fresh[1].Answer.PictureUrl);

        var history = new List<HistoryMessage>
        {
            new("m1", Sender.Persona, Now.AddHours(-1), null, ["https://cdn/x.jpg"], false, [], null),
        };
        var again = ReplyComposer.Answers(Reply(["look"], picture: "https://cdn/x.jpg"), Context(history: history), Key, [], false, Now, Now);
        Assert.Null(again[0].Answer.PictureUrl);
    }
}

public sealed class ReplySettingsTests
{
    [Fact]
    public void Request_values_win_field_by_field_at_every_depth_and_lists_replace_whole()
    {
        var project = System.Text.Json.Nodes.JsonNode.Parse("""
            {"bufferSeconds": 2, "emojis": "RARE",
             "guardrails": {"unknownLanguage": true, "aiSuspicion": true, "aiSuspicionOptionSet": {"answer": false, "banDurations": [60, 120]}},
             "vision": {"sharedPicturesAnalysis": true}}
            """)!.AsObject();
        var request = System.Text.Json.Nodes.JsonNode.Parse("""
            {"bufferSeconds": 0,
             "guardrails": {"aiSuspicion": false, "aiSuspicionOptionSet": {"banDurations": [5]}}}
            """)!.AsObject();

        var merged = ReplySettings.Merge(request, project);

        Assert.Equal(0, (int)merged["bufferSeconds"]!);
        Assert.Equal("RARE", (string?)merged["emojis"]);
        Assert.True((bool)merged["guardrails"]!["unknownLanguage"]!);
        Assert.False((bool)merged["guardrails"]!["aiSuspicion"]!);
        Assert.False((bool)merged["guardrails"]!["aiSuspicionOptionSet"]!["answer"]!);
        Assert.Equal("[5]", merged["guardrails"]!["aiSuspicionOptionSet"]!["banDurations"]!.ToJsonString());
        Assert.True((bool)merged["vision"]!["sharedPicturesAnalysis"]!);
        Assert.Equal(2, (int)project["bufferSeconds"]!);   // the project's defaults are not modified
    }
}
