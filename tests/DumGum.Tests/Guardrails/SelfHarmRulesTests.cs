using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using DumGum.Guardrails;

namespace DumGum.Tests.Guardrails;

/// <summary>
/// The self-harm rules against the labelled fixture (Fixtures/self-harm.json): in each of the offline engine's seven
/// languages, every positive fires and no negative does (negations, idioms such as "I'm dying to see you", other people,
/// accidents).
/// </summary>
public sealed class SelfHarmRulesTests
{
    static JsonObject Fixture([CallerFilePath] string source = "") =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(Path.GetDirectoryName(source)!, "Fixtures", "self-harm.json")))!.AsObject();

    public static TheoryData<string> Languages() => new(SafetyMessages.Languages);

    [Theory]
    [MemberData(nameof(Languages))]
    public void Every_positive_of_the_fixture_fires_and_no_negative_does(string language)
    {
        var set = Fixture()[language]!.AsObject();
        var positives = set["positive"]!.AsArray().Select(x => (string)x!).ToList();
        var negatives = set["negative"]!.AsArray().Select(x => (string)x!).ToList();
        Assert.True(positives.Count >= 10, $"{language}: at least 10 positives");
        Assert.True(negatives.Count >= 10, $"{language}: at least 10 negatives");
        var missed = positives.Where(t => !SelfHarmRules.Matches(t)).ToList();
        var wrong = negatives.Where(SelfHarmRules.Matches).ToList();
        Assert.True(missed.Count == 0, $"{language}: not detected: {string.Join(" | ", missed)}");
        Assert.True(wrong.Count == 0, $"{language}: detected wrongly: {string.Join(" | ", wrong)}");
    }

    [Fact]
    public void The_fixture_covers_every_offline_language()
    {
        var fixture = Fixture();
        Assert.All(SafetyMessages.Languages, l => Assert.True(fixture.ContainsKey(l), l));
    }

    [Theory]
    [InlineData("I'm dying to see you")]
    [InlineData("I don't want to die")]
    [InlineData("no I would never kill myself")]
    [InlineData("")]
    [InlineData(null)]
    public void Negations_and_idioms_do_not_fire(string? text) => Assert.False(SelfHarmRules.Matches(text));

    [Fact]
    public void A_negation_does_not_reach_into_the_next_clause()
    {
        Assert.True(SelfHarmRules.Matches("I'm not fine, I want to die"));
        Assert.True(SelfHarmRules.Matches("I'm not sad but I want to kill myself"));
        Assert.True(SelfHarmRules.Matches("Ça va pas. J'ai envie de mourir"));
        Assert.True(SelfHarmRules.Matches("je ne suis pas triste mais je veux mourir"));
        Assert.True(SelfHarmRules.Matches("não quero mais viver"));
    }
}
