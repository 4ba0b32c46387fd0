using System.Text.Json.Nodes;
using DumGum.Customers;
using DumGum.Replies;
using DumGum.Replies.Offline;

namespace DumGum.Tests.Replies.Offline;

/// <summary>
/// Grounding on the user (issue 11, part 2): his first name, his profile's job and city, and what he said about himself
/// earlier in the chat, in every language (docs/offline-engine.md, "What it does with a reply").
/// </summary>
public sealed class OfflineUserFactsTests
{
    /// <summary>Per language: he states his job, later asks whether she remembers, and talks about work; the job word.</summary>
    public static TheoryData<string, string, string, string, string> Statements() => new()
    {
        { "EN", "I work as a nurse in a big hospital", "Do you remember what I do?", "Work was exhausting today", "nurse" },
        { "FR", "Je travaille comme infirmière à l'hôpital", "Tu te souviens de mon métier ?", "Le travail était épuisant aujourd'hui", "infirmière" },
        { "DE", "Ich arbeite als Krankenschwester im Spital", "Weisst du noch, was ich beruflich mache?", "Die Arbeit war heute anstrengend", "Krankenschwester" },
        { "ES", "Trabajo como enfermera en un hospital", "¿Te acuerdas de mi trabajo?", "El trabajo hoy fue agotador", "enfermera" },
        { "IT", "Lavoro come infermiera in ospedale", "Ti ricordi che lavoro faccio?", "Oggi il lavoro è stato sfiancante", "infermiera" },
        { "NL", "Ik werk als verpleegkundige in het ziekenhuis", "Weet je nog wat voor werk ik doe?", "Het werk was vandaag zwaar", "verpleegkundige" },
        { "PT", "Trabalho como enfermeira num hospital", "Lembras-te do meu trabalho?", "O trabalho hoje foi esgotante", "enfermeira" },
    };

    static readonly DateTimeOffset Start = OfflineRig.Now.AddHours(-2);

    static HistoryMessage U(string text, int minute) => OfflineRig.User(text, "u" + minute, Start.AddMinutes(minute));

    static HistoryMessage P(string text, int minute) => OfflineRig.Persona(text, "p" + minute, Start.AddMinutes(minute));

    [Theory]
    [MemberData(nameof(Statements))]
    public void A_job_he_stated_earlier_is_remembered_when_asked_and_used_when_he_talks_about_work(
        string language, string statement, string question, string work, string job)
    {
        var history = new List<HistoryMessage> { U(statement, 0), P("…", 1) };
        var told = OfflineRig.Reply(OfflineRig.Context([U(statement, 0)], language));
        Assert.Contains(job, told.Text, StringComparison.OrdinalIgnoreCase);

        var asked = OfflineRig.Reply(OfflineRig.Context([.. history, U(question, 2)], language));
        Assert.Equal(Intents.Recall, asked.Intent);
        Assert.Equal("recall.job", asked.ReplyKey);
        Assert.Contains(job, asked.Text, StringComparison.OrdinalIgnoreCase);

        var sad = OfflineRig.Reply(OfflineRig.Context([.. history, U(work, 2)], language));
        Assert.Equal(Intents.Sad, sad.Intent);
        Assert.Contains(job, sad.Text, StringComparison.OrdinalIgnoreCase);

        // Control: without the statement she does not know, says so and asks.
        var unknown = OfflineRig.Reply(OfflineRig.Context([U("…", 0), P("…", 1), U(question, 2)], language));
        Assert.Equal("recall.unknown", unknown.ReplyKey);
        Assert.DoesNotContain(job, unknown.Text, StringComparison.OrdinalIgnoreCase);
        Assert.EndsWith("?", unknown.Text.TrimEnd(), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Statements))]
    public void A_job_in_long_term_memory_is_remembered_after_the_chat_window(
        string language, string statement, string question, string work, string job)
    {
        _ = work;
        // The statement is no longer in the history the customer sends; only the memory read from it is.
        var memory = new DumGum.Memory.MemoryItem
        {
            UniqueIdentifier = "user_works_as_x", Target = DumGum.Memory.MemoryTargets.User, Category = DumGum.Memory.MemoryCategories.Occupation,
            Description = "Works as a nurse", SourceText = statement, Timestamp = Start, Tags = ["work"], Slot = "user_occupation",
        };
        var context = OfflineRig.Context([U("…", 0), P("…", 1), U(question, 2)], language);
        var asked = OfflineRig.Reply(context with { Memories = [memory] });
        Assert.Equal("recall.job", asked.ReplyKey);
        Assert.Contains(job, asked.Text, StringComparison.OrdinalIgnoreCase);
        // Control: the same chat without the memory does not know.
        Assert.Equal("recall.unknown", OfflineRig.Reply(context).ReplyKey);
    }

    [Fact]
    public void An_answer_to_her_question_and_a_stated_city_are_facts_too()
    {
        // "And you, what do you do?" then "A firefighter, haha": the answer is his job.
        var history = new List<HistoryMessage> { U("Hi!", 0), P("Hey Alex! And you, what do you do yourself?", 1), U("A firefighter, haha", 2) };
        var reply = OfflineRig.Reply(OfflineRig.Context(history, "EN"));
        Assert.Equal("told.job", reply.ReplyKey);
        Assert.Contains("a firefighter", reply.Text, StringComparison.OrdinalIgnoreCase);

        history.AddRange([P(reply.Text, 3), U("I live in Madrid now, moved last year", 4), P("Nice!", 5), U("Do you remember where I live?", 6)]);
        var city = OfflineRig.Reply(OfflineRig.Context(history, "EN"));
        Assert.Equal("recall.city", city.ReplyKey);
        Assert.Contains("Madrid", city.Text, StringComparison.Ordinal);
        // The later statement wins over his profile's London.
        Assert.DoesNotContain("London", city.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void His_profile_job_and_name_are_known_without_saying_them()
    {
        var user = OfflineRig.Parse(new JsonObject
        {
            ["id"] = "u-sam", ["firstName"] = "Sam", ["gender"] = "MAN", ["features"] = new JsonObject { ["job"] = "ARCHITECT" },
        });
        var context = OfflineRig.Context([U("What's my job, do you know?", 0)], "EN") with { User = user };
        var reply = OfflineRig.Reply(context);
        Assert.Equal("recall.job", reply.ReplyKey);
        Assert.Contains("architect", reply.Text, StringComparison.OrdinalIgnoreCase);

        var name = OfflineRig.Reply(OfflineRig.Context([U("Do you remember my name?", 0)], "EN") with { User = user });
        Assert.Equal("recall.name", name.ReplyKey);
        Assert.Contains("Sam", name.Text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("I'm a bit tired today")]
    [InlineData("I'm a huge fan of pizza")]
    [InlineData("I'm from work, just got home")]
    public void Ordinary_sentences_are_not_taken_for_a_job_or_a_city(string text)
    {
        var history = new List<HistoryMessage> { U(text, 0), P("…", 1), U("Do you remember what I do?", 2) };
        Assert.Equal("recall.unknown", OfflineRig.Reply(OfflineRig.Context(history, "EN")).ReplyKey);
        var facts = UserFacts.Read(OfflineRig.Context(history, "EN") with { User = OfflineRig.Parse(new JsonObject { ["id"] = "u", ["firstName"] = "Kim" }) },
            OfflineData.For("EN")!, 1);
        Assert.Null(facts.Job);
        Assert.Null(facts.City);
    }
}
