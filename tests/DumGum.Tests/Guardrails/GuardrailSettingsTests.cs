using System.Text.Json.Nodes;
using DumGum.Guardrails;
using DumGum.Replies;

namespace DumGum.Tests.Guardrails;

public sealed class GuardrailSettingsTests
{
    static GuardrailSettings FromJson(string replyParameters) =>
        GuardrailSettings.From(ReplyParameters.From((JsonObject)JsonNode.Parse(replyParameters)!));

    [Fact]
    public void Defaults_are_the_documented_ones()
    {
        var s = GuardrailSettings.Default;
        Assert.True(s.UnderageDetection.Enabled);
        Assert.True(s.MaliciousContent.Enabled);
        Assert.True(s.ProhibitedIllegalContent.Enabled);
        Assert.True(s.AiSuspicion.Enabled);
        Assert.True(s.MessageRepetition.Enabled);
        Assert.False(s.UnknownLanguage.Enabled);
        Assert.False(s.DangerousDrugUse.Enabled);
        Assert.True(s.Hijack.Enabled);
        Assert.True(s.Hostility.Enabled);
        Assert.True(s.SelfHarm);
        Assert.False(s.FictionalDisclosure);
        Assert.All(s.Rules, r => Assert.True(r.Answer));
    }

    [Fact]
    public void Default_ladders_are_permanent_for_the_three_permanent_reasons_and_progressive_otherwise()
    {
        var s = GuardrailSettings.Default;
        foreach (var rule in new[] { s.UnderageDetection, s.MaliciousContent, s.ProhibitedIllegalContent, s.DangerousDrugUse, s.Hijack })
            Assert.Empty(rule.BanDurations);
        foreach (var rule in new[] { s.Hostility, s.AiSuspicion, s.MessageRepetition, s.UnknownLanguage })
            Assert.Equal([120, 720, 1440, 2880], rule.BanDurations);
    }

    [Fact]
    public void Each_guardrail_maps_to_its_stop_reason()
    {
        var s = GuardrailSettings.Default;
        Assert.Equal(StopReasons.UserUnderage, s.UnderageDetection.StopReason);
        Assert.Equal(StopReasons.MaliciousContent, s.MaliciousContent.StopReason);
        Assert.Equal(StopReasons.MaliciousContent, s.ProhibitedIllegalContent.StopReason);
        Assert.Equal(StopReasons.MaliciousContent, s.DangerousDrugUse.StopReason);
        Assert.Equal(StopReasons.UserSuspicious, s.Hijack.StopReason);
        Assert.Equal(StopReasons.UserHostile, s.Hostility.StopReason);
        Assert.Equal(StopReasons.AiSuspicion, s.AiSuspicion.StopReason);
        Assert.Equal(StopReasons.UserMessageRepetition, s.MessageRepetition.StopReason);
        Assert.Equal(StopReasons.UnknownLanguage, s.UnknownLanguage.StopReason);
        Assert.Equal(GuardrailNames.All, s.Rules.Select(r => r.Name));
    }

    [Theory]
    [InlineData("underageDetection")]
    [InlineData("maliciousContent")]
    [InlineData("prohibitedIllegalContent")]
    [InlineData("dangerousDrugUse")]
    [InlineData("aiSuspicion")]
    [InlineData("messageRepetition")]
    [InlineData("unknownLanguage")]
    public void Each_switch_turns_on_and_off_alone(string name)
    {
        foreach (var value in new[] { true, false })
        {
            var s = FromJson("{\"guardrails\": {\"" + name + "\": " + (value ? "true" : "false") + "}}");
            Assert.Equal(value, s[name].Enabled);
            foreach (var other in GuardrailNames.All.Where(n => n != name))
                Assert.Equal(GuardrailSettings.Default[other].Enabled, s[other].Enabled);
        }
        // null means "not set": the default holds.
        Assert.Equal(GuardrailNames.DefaultEnabled(name), FromJson("{\"guardrails\": {\"" + name + "\": null}}")[name].Enabled);
    }

    [Fact]
    public void Option_sets_set_answer_and_ladder_per_guardrail()
    {
        var s = FromJson("""
            {"guardrails": {
                "aiSuspicion": true, "aiSuspicionOptionSet": {"answer": false, "banDurations": [5, 0, 60]},
                "underageDetectionOptionSet": {"answer": false},
                "messageRepetitionOptionSet": {"banDurations": []},
                "unknownLanguageOptionSet": {"answer": null, "banDurations": null}}}
            """);
        Assert.False(s.AiSuspicion.Answer);
        Assert.Equal([5, 0, 60], s.AiSuspicion.BanDurations);
        Assert.False(s.UnderageDetection.Answer);
        Assert.Empty(s.UnderageDetection.BanDurations);
        Assert.True(s.MessageRepetition.Answer);
        Assert.Empty(s.MessageRepetition.BanDurations);
        Assert.True(s.UnknownLanguage.Answer);
        Assert.Equal(StopReasons.ProgressiveLadder, s.UnknownLanguage.BanDurations);
        Assert.Equal(GuardrailSettings.Default.Hostility, s.Hostility);
    }

    [Fact]
    public void Option_set_applies_even_when_the_switch_is_off()
    {
        var s = FromJson("""{"guardrails": {"dangerousDrugUseOptionSet": {"answer": false, "banDurations": [10]}}}""");
        Assert.False(s.DangerousDrugUse.Enabled);
        Assert.False(s.DangerousDrugUse.Answer);
        Assert.Equal([10], s.DangerousDrugUse.BanDurations);
    }

    [Fact]
    public void DisableSafetyFeatures_turns_off_hijack_and_hostility_only()
    {
        var s = FromJson("""{"disableSafetyFeatures": true}""");
        Assert.False(s.Hijack.Enabled);
        Assert.False(s.Hostility.Enabled);
        foreach (var name in GuardrailNames.Documented)
            Assert.Equal(GuardrailSettings.Default[name].Enabled, s[name].Enabled);
        Assert.True(s.SelfHarm);

        var on = FromJson("""{"disableSafetyFeatures": false}""");
        Assert.True(on.Hijack.Enabled);
        Assert.True(on.Hostility.Enabled);
    }

    [Fact]
    public void Hijack_and_hostility_option_sets_are_honoured_when_present()
    {
        var s = FromJson("""{"guardrails": {"hostilityOptionSet": {"answer": false, "banDurations": [60]}}}""");
        Assert.True(s.Hostility.Enabled);
        Assert.False(s.Hostility.Answer);
        Assert.Equal([60], s.Hostility.BanDurations);
        Assert.Empty(s.Hijack.BanDurations);
    }

    [Fact]
    public void FictionalDisclosure_and_selfHarm_are_read()
    {
        Assert.True(FromJson("""{"fictionalDisclosure": true}""").FictionalDisclosure);
        Assert.False(FromJson("""{"guardrails": {"selfHarm": false}}""").SelfHarm);
    }

    [Fact]
    public void Property_names_match_case_insensitively()
    {
        var s = GuardrailSettings.From(
            (JsonObject)JsonNode.Parse("""{"AISUSPICION": false, "UnknownLanguage": true, "unknownlanguageoptionset": {"Answer": false}}""")!,
            disableSafetyFeatures: false, fictionalDisclosure: false);
        Assert.False(s.AiSuspicion.Enabled);
        Assert.True(s.UnknownLanguage.Enabled);
        Assert.False(s.UnknownLanguage.Answer);
    }

    [Fact]
    public void Empty_or_missing_guardrails_give_the_defaults()
    {
        Assert.Equal(GuardrailSettings.Default.Rules, FromJson("{}").Rules);
        Assert.Equal(GuardrailSettings.Default.Rules, GuardrailSettings.From(null, false, false).Rules);
    }

    [Theory]
    [InlineData("AI_SUSPICION", "AI_SUSPICION")]
    [InlineData("AI_SUSPICIOUS", "AI_SUSPICION")]
    [InlineData("UNDERAGE_USER", "USER_UNDERAGE")]
    [InlineData("user_underage", "USER_UNDERAGE")]
    [InlineData("USER_HOSTILE", "USER_HOSTILE")]
    public void Stop_reasons_accept_compat_spellings_and_emit_canonical(string input, string canonical)
    {
        Assert.True(StopReasons.TryCanonicalize(input, out var c));
        Assert.Equal(canonical, c);
    }

    [Fact]
    public void Unknown_stop_reason_is_refused()
    {
        Assert.False(StopReasons.TryCanonicalize("NOPE", out _));
        Assert.False(StopReasons.TryCanonicalize(null, out _));
        Assert.Throws<ArgumentException>(() => StopReasons.Canonicalize("NOPE"));
    }
}
