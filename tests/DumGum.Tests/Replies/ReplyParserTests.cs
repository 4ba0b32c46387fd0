using DumGum.Replies;
using DumGum.Replies.Output;

namespace DumGum.Tests.Replies;

public sealed class ReplyParserTests
{
    static readonly string[] Marta = ["Marta"];

    static ParsedReply Ok(string text)
    {
        Assert.True(ReplyParser.TryParse(text, Marta, out var reply, out var problem), $"expected a reply, got: {problem}");
        return reply;
    }

    static string Malformed(string? text)
    {
        Assert.False(ReplyParser.TryParse(text, Marta, out var reply, out var problem), $"expected malformed, got: {reply}");
        return problem;
    }

    [Fact]
    public void The_documented_format_is_read_completely()
    {
        var reply = Ok("""
            {"parts": ["  hey you  ", "how was work?"], "pictureId": "pic-2", "poke": false,
             "signals": {"userUnderage": false, "aiSuspicion": true, "hostile": false, "hijack": false, "maliciousContent": false,
                         "illegalContent": false, "drugUse": false, "selfHarm": false, "meetingRequest": true}}
            """);
        Assert.Equal(["hey you", "how was work?"], reply.Parts);
        Assert.Equal("pic-2", reply.PictureId);
        Assert.False(reply.Poke);
        Assert.True(reply.WasStructured);
        Assert.True(reply.Signals["aiSuspicion"]);
        Assert.True(reply.Signals["meetingRequest"]);
        Assert.False(reply.Signals["hostile"]);
        Assert.Equal(ReplyFormat.SignalNames.Length, reply.Signals.Count);
    }

    [Theory]
    [InlineData("```json\n{\"parts\": [\"fenced hello\"]}\n```")]
    [InlineData("```\n{\"parts\": [\"fenced hello\"]}\n```")]
    [InlineData("Sure! Here is my reply:\n{\"parts\": [\"fenced hello\"], \"poke\": false}\nHope that works.")]
    [InlineData("{\"text\": \"fenced hello\"}")]
    [InlineData("{\"reply\": \"fenced hello\"}")]
    [InlineData("{\"message\": \"fenced hello\"}")]
    [InlineData("{\"parts\": \"fenced hello\"}")]
    [InlineData("{\"Parts\": [\"fenced hello\",],}")]
    [InlineData("{\"parts\": [{\"text\": \"fenced hello\"}]}")]
    [InlineData("<think>The user greets me. I should answer warmly.</think>\n{\"parts\": [\"fenced hello\"]}")]
    [InlineData("He said {hi} earlier. {\"parts\": [\"fenced hello\"]}")]
    [InlineData("[\"fenced hello\"]")]
    public void Structured_answers_are_found_fenced_in_prose_or_under_other_keys(string output)
    {
        var reply = Ok(output);
        Assert.Equal(["fenced hello"], reply.Parts);
        Assert.True(reply.WasStructured);
    }

    [Theory]
    [InlineData("Marta: hi there", "hi there")]
    [InlineData("marta:hi there", "hi there")]
    [InlineData("**Marta**: hi there", "hi there")]
    [InlineData("Assistant: hi there", "hi there")]
    [InlineData("\"hi there\"", "hi there")]
    [InlineData("“hi there”", "hi there")]
    [InlineData("Note: hi there", "Note: hi there")]
    [InlineData("Tom: hi there", "Tom: hi there")]
    public void Parts_lose_a_leading_persona_label_and_wrapping_quotes_only(string part, string expected)
    {
        var structured = Ok(ModelReplyJson(part));
        Assert.Equal([expected], structured.Parts);
        var plain = Ok(part);
        Assert.Equal([expected], plain.Parts);
    }

    static string ModelReplyJson(string part) =>
        new System.Text.Json.Nodes.JsonObject { ["parts"] = new System.Text.Json.Nodes.JsonArray(part) }.ToJsonString();

    [Fact]
    public void Plain_text_is_one_unstructured_part_with_no_signals()
    {
        var reply = Ok("  Haha no way, really? Tell me more :)  ");
        Assert.Equal(["Haha no way, really? Tell me more :)"], reply.Parts);
        Assert.False(reply.WasStructured);
        Assert.Null(reply.PictureId);
        Assert.All(reply.Signals.Values, Assert.False);
    }

    [Fact]
    public void Braces_in_prose_stay_plain_text()
    {
        var reply = Ok("I'm {almost} there, give me 5 min [promise]");
        Assert.Equal(["I'm {almost} there, give me 5 min [promise]"], reply.Parts);
        Assert.False(reply.WasStructured);
    }

    [Fact]
    public void A_fenced_plain_text_answer_loses_the_fence()
    {
        Assert.Equal(["just text"], Ok("```\njust text\n```").Parts);
    }

    [Fact]
    public void A_poke_or_a_picture_alone_is_an_answer()
    {
        var poke = Ok("""{"parts": [], "pictureId": null, "poke": true}""");
        Assert.Empty(poke.Parts);
        Assert.True(poke.Poke);
        var picture = Ok("""{"parts": [], "pictureId": 7}""");
        Assert.Equal("7", picture.PictureId);
    }

    [Fact]
    public void Null_like_picture_ids_are_no_picture()
    {
        Assert.Null(Ok("""{"parts": ["hi"], "pictureId": "null"}""").PictureId);
        Assert.Null(Ok("""{"parts": ["hi"], "pictureId": ""}""").PictureId);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   \n ")]
    [InlineData("<think>hmm, what should I say")]
    [InlineData("{\"parts\": [\"Hey, how are")]
    [InlineData("{\"parts\": [], \"pictureId\": null, \"poke\": false}")]
    [InlineData("{\"parts\": [\"   \"]}")]
    [InlineData("{\"foo\": 1}")]
    [InlineData("```json\n{\"parts\": [\"cut off\n```")]
    [InlineData("Here you go: \"parts\": [\"hello\"]")]
    [InlineData("{\"parts\": [\"{\\\"parts\\\": [\\\"nested\\\"]}\"]}")]
    [InlineData("Marta:")]
    public void Empty_cut_off_or_foreign_output_is_malformed(string? output)
    {
        Assert.False(string.IsNullOrEmpty(Malformed(output)));
        Assert.Throws<MalformedReplyException>(() => ReplyParser.Parse(output, Marta));
    }

    [Fact]
    public void Parse_returns_the_reply()
    {
        Assert.Equal(["ok then"], ReplyParser.Parse("{\"parts\":[\"ok then\"]}").Parts);
    }
}
