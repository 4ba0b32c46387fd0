using System.Text.Json;
using System.Text.Json.Nodes;
using DumGum.Conversations;
using DumGum.Customers;
using DumGum.Http.Validation;
using DumGum.Suggestions;
using DumGum.Webhooks;

namespace DumGum.Tests.Synchronous;

public sealed class SuggestionParserTests
{
    [Theory]
    [InlineData("{\"suggestions\": [\"a\", \"b\", \"c\"]}")]
    [InlineData("{\"Suggestions\": [\"a\", \"b\", \"c\"],}")]
    [InlineData("```\n{\"suggestions\": [\"a\", \"b\", \"c\"]}\n```")]
    [InlineData("```json\n{\"ideas\": [{\"content\": \"a\"}, {\"message\": \"b\"}, {\"text\": \"c\"}]}")]
    [InlineData("{\"suggestions\": [\"  a \", \"b\", 3, null, \"c\"]}")]
    [InlineData("1. a\n2. b\n3. c")]
    [InlineData("Suggestion 1: a\nSuggestion 2: b\nSuggestion 3: c")]
    [InlineData("• “a”\n• «b»\n• 'c'")]
    [InlineData("{\"suggestions\": [\n  \"a\",\n  \"b\",\n  \"c\",\n")]
    public void Reads_three_suggestions_out_of_many_answer_shapes(string answer) =>
        Assert.Equal(["a", "b", "c"], SuggestionParser.Parse(answer));

    [Fact]
    public void Repeats_blanks_and_overlong_suggestions_are_dropped_and_whitespace_collapsed()
    {
        var parsed = SuggestionParser.Parse(JsonSerializer.Serialize(new
        {
            suggestions = new[] { "Hi  there\n you!", "hi there you", "   ", new string('x', 501), "Hi there you!", "Next one" },
        }));
        Assert.Equal(["Hi there you!", "Next one"], parsed);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("{}")]
    [InlineData("{\"suggestions\": []}")]
    public void Nothing_usable_is_an_empty_list(string? answer) => Assert.Empty(SuggestionParser.Parse(answer));

    [Fact]
    public void A_quote_inside_a_suggestion_is_kept()
    {
        Assert.Equal(["\"Cats\" or \"dogs\"?"], SuggestionParser.Parse("{\"suggestions\": [\"\\\"Cats\\\" or \\\"dogs\\\"?\"]}"));
        Assert.Equal(["10:30 works for me"], SuggestionParser.Parse("10:30 works for me"));
    }
}

public sealed class SuggestionPhrasesTests
{
    static CustomerProfile Profile(string id, string name) => new() { Id = id, FirstName = name, Raw = new JsonObject() };

    static SuggestionRequest Request(string language, params SuggestionMessage[] messages) =>
        new(Profile("u", "Tom"), Profile("p", "Anna"), language, messages, false);

    static SuggestionMessage M(Sender role, string? content) => new(role, content, null);

    public static TheoryData<string> Tables => new(SuggestionPhrases.All.Select(p => p.Language));

    [Theory]
    [MemberData(nameof(Tables))]
    public void Every_table_has_three_distinct_phrases_per_situation_with_the_right_placeholders(string language)
    {
        var t = SuggestionPhrases.For(language)!;
        foreach (var set in new[] { t.Icebreaker, t.React, t.Answer, t.Nudge })
        {
            Assert.Equal(3, set.Count);
            Assert.Equal(3, set.Distinct().Count());
        }
        Assert.All(t.Icebreaker, p => Assert.Contains("{persona}", p, StringComparison.Ordinal));
        Assert.Contains("{echo}", t.React[0], StringComparison.Ordinal);
        Assert.All(t.React.Skip(1).Concat(t.Answer).Concat(t.Nudge).Append(t.ReactWithoutEcho).Concat(t.Icebreaker),
            p => Assert.DoesNotContain("{echo}", p, StringComparison.Ordinal));
        Assert.DoesNotContain(t.ReactWithoutEcho, t.React.Skip(1));
        if (language == "DE") Assert.All(SuggestionPhrases.All.Where(x => x.Language == "DE").SelectMany(x => x.Icebreaker.Concat(x.React)
            .Concat(x.Answer).Concat(x.Nudge).Append(x.ReactWithoutEcho)), p => Assert.DoesNotContain("ß", p, StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Tables))]
    public void Every_situation_gives_three_distinct_filled_suggestions(string language)
    {
        SuggestionMessage[][] situations =
        [
            [],
            [M(Sender.User, "Hi"), M(Sender.Persona, "I just got back from Lisbon")],
            [M(Sender.Persona, "")],
            [M(Sender.Persona, "Do you like jazz?")],
            [M(Sender.Persona, "Hi"), M(Sender.User, "Hey")],
        ];
        foreach (var messages in situations)
        {
            var texts = SuggestionPhrases.Compose(Request(language, messages));
            Assert.Equal(3, texts.Count);
            Assert.Equal(3, texts.Distinct().Count());
            Assert.All(texts, s => Assert.DoesNotContain("{", s, StringComparison.Ordinal));
        }
    }

    [Fact]
    public void A_name_containing_a_placeholder_stays_literal()
    {
        var request = new SuggestionRequest(Profile("u", "Tom"), Profile("p", "{echo}"), "EN", [], false);
        Assert.All(SuggestionPhrases.Compose(request), s => Assert.Contains("{echo}", s, StringComparison.Ordinal));
    }
}

public sealed class InlineProfileTests
{
    static JsonObject? Check(string json, out JsonRule.Errors errors)
    {
        errors = new JsonRule.Errors();
        return (JsonObject?)ProfileRule.Instance.Check(JsonDocument.Parse(json).RootElement, "userProfile", errors);
    }

    [Fact]
    public void Unknown_fields_are_kept_and_known_names_get_their_canonical_spelling()
    {
        var profile = Check("""{"ID": "u1", "FirstName": "Ann", "birthDate": "1990-01-02", "zodiac": "LEO", "features": {"x": 1}}""", out var errors)!;
        Assert.Empty(errors);
        Assert.Equal("u1", (string?)profile["id"]);
        Assert.Equal("Ann", (string?)profile["firstName"]);
        Assert.Equal("1990-01-02", (string?)profile["birthdate"]);
        Assert.Equal("LEO", (string?)profile["zodiac"]);
        var parsed = CustomerProfile.Parse(profile, "u1", out _)!;
        Assert.Equal(new DateOnly(1990, 1, 2), parsed.Birthdate);
    }

    [Fact]
    public void An_exact_spelling_wins_over_a_case_variant()
    {
        var profile = Check("""{"birthDate": "1980-01-01", "id": "u1", "nickname": "a", "birthdate": "1990-01-02"}""", out _)!;
        Assert.Equal("1990-01-02", (string?)profile["birthdate"]);
    }

    [Fact]
    public void Every_broken_rule_is_reported_at_its_own_path()
    {
        Assert.Null(Check("""{"id": "", "firstName": null, "nickname": 4}""", out var errors));
        Assert.Equal(["userProfile.id", "userProfile.nickname"], errors.Keys.Order(StringComparer.Ordinal));
        Assert.Null(Check("""{"id": "u1"}""", out errors));
        Assert.Equal(["userProfile.firstName"], errors.Keys);
    }
}

public sealed class AnswerJsonTests
{
    [Fact]
    public void An_answer_is_exactly_the_data_answer_of_answer_created()
    {
        var answer = new Answer("answer_abc", "u", "p", "TEXT", new JsonObject { ["k"] = "v" }, 0.0251m, 3, 2,
            new DateTimeOffset(2025, 4, 2, 17, 5, 0, 123, TimeSpan.FromHours(2)), "hi", "https://img/x.jpg", "AI_SUSPICION",
            new DateTimeOffset(2025, 4, 3, 0, 0, 0, TimeSpan.Zero), "answer_parent");
        var expected = JsonNode.Parse(Events.Created("proj_1", answer))!["data"]!["answer"];
        var actual = AnswerJson.From(answer);
        Assert.True(JsonNode.DeepEquals(expected, actual), actual.ToJsonString());
        Assert.Null(actual.Parent);
        Assert.Equal("2025-04-02T15:05:00.123Z", (string?)actual["createdAt"]);
        Assert.Equal("0.0251", (string?)actual["cost"]);
    }
}
