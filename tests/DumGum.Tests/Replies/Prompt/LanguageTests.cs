using DumGum.Replies.Prompt;
using static DumGum.Tests.Replies.Prompt.PromptFixtures;

namespace DumGum.Tests.Replies.Prompt;

public sealed class LanguageTests
{
    public static TheoryData<string> AllCodes() => [.. LanguageNames.Codes];

    [Fact]
    public void There_are_26_languages_each_with_its_own_sentence()
    {
        string[] documented =
        [
            "EN", "EN_GB", "FR", "FR_BE", "RO", "NL", "ES", "DE", "DE_CH", "DE_AT", "IT", "ES_LATAM", "BG", "HE", "JA",
            "NL_BE", "EN_AU", "PT_PT", "PT_BR", "SV_SE", "DA_DK", "FI_FI", "PL_PL", "LT_LT", "NB_NO", "NN_NO",
        ];
        Assert.Equal(documented, LanguageNames.Codes);
        Assert.Equal(26, LanguageNames.Codes.Select(LanguageNames.Sentence).Distinct().Count());
        Assert.Equal(26, LanguageNames.Codes.Select(LanguageNames.Name).Distinct().Count());
    }

    [Theory]
    [MemberData(nameof(AllCodes))]
    public void Every_language_puts_its_sentence_in_the_rules_and_its_name_in_the_steering(string code)
    {
        var prompt = Build(Context(language: code));

        Assert.Contains("- Language: " + LanguageNames.Sentence(code), Block(prompt, "rules"), StringComparison.Ordinal);
        Assert.Contains("Write in " + LanguageNames.Name(code) + ".", Block(prompt, "steering"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("EN_GB", "British spelling (colour, favourite, realise")]
    [InlineData("EN_AU", "Australian English")]
    [InlineData("EN", "American spelling")]
    [InlineData("DE_CH", "never 'ß'")]
    [InlineData("DE_AT", "Jänner")]
    [InlineData("PT_BR", "'você'")]
    [InlineData("PT_PT", "telemóvel")]
    [InlineData("ES_LATAM", "'ustedes' for the plural you, never 'vosotros'")]
    [InlineData("ES", "'vosotros'")]
    [InlineData("FR_BE", "septante, nonante")]
    [InlineData("NL_BE", "Flemish")]
    [InlineData("NB_NO", "Bokmål")]
    [InlineData("NN_NO", "Nynorsk")]
    [InlineData("HE", "Hebrew script")]
    [InlineData("JA", "kanji and kana")]
    public void Variants_are_specific(string code, string expected)
    {
        Assert.Contains(expected, Block(Build(Context(language: code)), "rules"), StringComparison.Ordinal);
    }

    [Fact]
    public void Variants_change_the_prompt()
    {
        var en = Block(Build(Context(language: "EN")), "rules");
        var gb = Block(Build(Context(language: "EN_GB")), "rules");
        var br = Block(Build(Context(language: "PT_BR")), "rules");
        var pt = Block(Build(Context(language: "PT_PT")), "rules");
        Assert.NotEqual(en, gb);
        Assert.NotEqual(br, pt);
        Assert.DoesNotContain("colour", en, StringComparison.Ordinal);
    }

    [Fact]
    public void Codes_are_case_insensitive_and_EN_UK_is_British_English()
    {
        Assert.Equal(LanguageNames.Sentence("EN_GB"), LanguageNames.Sentence("en_gb"));
        Assert.Equal("British English", LanguageNames.Name("EN_UK"));
    }

    [Fact]
    public void An_unknown_code_still_gives_a_prompt()
    {
        var prompt = Build(Context(language: "XX_YY"));
        Assert.Contains("- Language: Write in the language with code XX_YY.", Block(prompt, "rules"), StringComparison.Ordinal);
        Assert.False(LanguageNames.IsKnown("XX_YY"));
    }
}
