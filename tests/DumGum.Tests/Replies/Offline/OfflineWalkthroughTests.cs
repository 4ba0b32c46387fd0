using DumGum.Customers;
using DumGum.Replies;
using DumGum.Replies.Offline;
using DumGum.Sample;

namespace DumGum.Tests.Replies.Offline;

/// <summary>
/// The README's curl walk-through on the sample customer's own profiles and history (Alex and Marta): the replies
/// answer what was asked (issue 11, "Done when").
/// </summary>
public sealed class OfflineWalkthroughTests
{
    static CustomerProfile Sample(string id)
    {
        var (_, raw) = SampleProfiles.All().Single(p => p.Info.Id == id);
        return OfflineRig.Parse(raw);
    }

    // 19:30 in Valencia: the walk-through is usually run in the evening, and "tonight" has an answer then.
    static readonly DateTimeOffset Now = new(2025, 6, 10, 17, 30, 0, TimeSpan.Zero);

    static readonly List<HistoryMessage> Seeded =
    [
        new("s1", Sender.User, Now.AddHours(-20), "Hi Marta! Saw you like hiking, any trail you'd recommend near Valencia?", [], false, [], null),
        new("s2", Sender.Persona, Now.AddHours(-19.9), "Hola Alex! The Montgó in Dénia, hands down. The view at the top is worth every step 😊", [], false, [], null),
    ];

    static OfflineReply Reply(List<HistoryMessage> history) =>
        OfflineRig.Reply(new ReplyContext(Sample("u-alex"), Sample("p-marta"), history, "EN", Now));

    [Fact]
    public void The_first_enqueue_picks_the_chat_up_after_a_long_silence()
    {
        var reply = Reply(Seeded);
        Assert.Equal("revive", reply.ReplyKey);
        // Ten minutes after her last message it is a nudge instead.
        var recent = OfflineRig.Reply(new ReplyContext(Sample("u-alex"), Sample("p-marta"), Seeded, "EN", Seeded[^1].Date.AddMinutes(10)));
        Assert.Equal("nudge", recent.ReplyKey);
    }

    [Fact]
    public void Any_plans_for_tonight_is_answered_with_her_plans_not_a_deflection_or_a_quote()
    {
        var first = Reply(Seeded);
        var history = new List<HistoryMessage>(Seeded)
        {
            new("s3", Sender.Persona, Now, first.Text, [], false, [], null),
            new("s4", Sender.User, Now.AddMinutes(1), "Any plans for tonight?", [], false, [], null),
        };
        var reply = Reply(history);
        Assert.Equal(Intents.WhatDoing, reply.Intent);
        Assert.StartsWith("what_doing", reply.ReplyKey, StringComparison.Ordinal);
        Assert.True(OfflineRig.LongestCopiedRun("Any plans for tonight?", reply.Text) < 4, reply.Text);
        Assert.DoesNotContain("answer first", reply.Text, StringComparison.OrdinalIgnoreCase);
        var evening = OfflineData.For("EN")!.RepliesFor("what_doing.evening").Select(t => t.Signature);
        Assert.Contains(evening, s => Template.Normalize(reply.Text).Contains(s, StringComparison.Ordinal));
    }
}
