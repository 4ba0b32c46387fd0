using System.Net.Http.Headers;
using DumGum.Replies.Vision;

namespace DumGum.Tests.Vision;

/// <summary>The pure rules of Vision Link: how long a picture's analysis is kept, and what a vision answer must hold.</summary>
public sealed class VisionRulesTests
{
    static readonly VisionOptions Options = new();
    static readonly DateTimeOffset Now = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);

    static CachePolicy Read(string? cacheControl, DateTimeOffset? expires = null) =>
        VisionCache.Read(cacheControl is null ? null : CacheControlHeaderValue.Parse(cacheControl), expires, Now, Options);

    [Fact]
    public void Cache_control_decides_how_long_an_analysis_is_kept()
    {
        Assert.Equal(new CachePolicy(TimeSpan.FromHours(1), "max-age=3600"), Read("public, max-age=3600"));
        Assert.Equal(new CachePolicy(TimeSpan.FromMinutes(2), "s-maxage=120"), Read("max-age=3600, s-maxage=120"));
        Assert.Equal(new CachePolicy(TimeSpan.Zero, "no-store"), Read("no-store, max-age=3600"));
        Assert.Equal(new CachePolicy(TimeSpan.Zero, "no-cache"), Read("no-cache"));
        Assert.False(Read("max-age=0").Store);
        Assert.Equal(new CachePolicy(TimeSpan.FromDays(7), "default"), Read(null));
        Assert.Equal(new CachePolicy(TimeSpan.FromDays(7), "default"), Read("public"));
        Assert.Equal(new CachePolicy(TimeSpan.FromDays(2), "expires"), Read(null, Now.AddDays(2)));
        Assert.Equal(new CachePolicy(TimeSpan.Zero, "expires"), Read(null, Now.AddDays(-1)));
        // A year is capped: the cache stays bounded.
        Assert.Equal(new CachePolicy(TimeSpan.FromDays(30), "max-age=31536000"), Read("max-age=31536000"));
    }

    [Theory]
    [InlineData("""{"description": "A cat on a sofa.", "moderation": "OK"}""", "A cat on a sofa.", null)]
    [InlineData("""Sure! {"description": "Blood on a knife.", "moderation": "violent_content"}""", "Blood on a knife.", "VIOLENT_CONTENT")]
    [InlineData("""{"description": "A beach."}""", "A beach.", null)]
    public void A_vision_answer_gives_a_description_and_a_verdict(string text, string description, string? rejection)
    {
        var (analysis, problem) = PictureAnalyser.Parse(text);
        Assert.Null(problem);
        Assert.Equal(new PictureAnalysis(description, rejection), analysis);
    }

    [Theory]
    [InlineData("I cannot see images.")]
    [InlineData("""{"moderation": "OK"}""")]
    [InlineData("""{"description": "  ", "moderation": "OK"}""")]
    [InlineData("""{"description": "A dog.", "moderation": "MAYBE"}""")]
    [InlineData("{\"description\": \"A dog.\", \"moderation\": \"OK\"")]
    public void An_unusable_vision_answer_is_a_failure_not_an_acceptance(string text)
    {
        var (analysis, problem) = PictureAnalyser.Parse(text);
        Assert.Null(analysis);
        Assert.NotNull(problem);
    }
}

/// <summary>A named vision model must be a configured model that can see; the start fails otherwise.</summary>
public sealed class VisionOptionsTests
{
    static Microsoft.Extensions.Options.ValidateOptionsResult Validate(string? model)
    {
        var generation = new DumGum.Replies.Models.GenerationOptions();
        generation.Models["seer"] = new DumGum.Replies.Models.ChatModelOptions { Vision = true };
        DumGum.Replies.Models.GenerationOptions.ApplyDefaults(generation);
        return new VisionOptionsValidator(Microsoft.Extensions.Options.Options.Create(generation)).Validate(null, new VisionOptions { Model = model });
    }

    [Fact]
    public void Vision_model_must_exist_and_see()
    {
        Assert.True(Validate(null).Succeeded);
        Assert.True(Validate("SEER").Succeeded);
        Assert.Contains("not a Generation:Models name", Validate("nobody").FailureMessage, StringComparison.Ordinal);
        Assert.Contains("not configured with Vision: true", Validate("dating-smart-1").FailureMessage, StringComparison.Ordinal);
    }
}
