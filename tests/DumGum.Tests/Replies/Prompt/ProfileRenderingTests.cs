using System.Text.Json.Nodes;
using DumGum.Replies;
using DumGum.Replies.Prompt;
using static DumGum.Tests.Replies.Prompt.PromptFixtures;

namespace DumGum.Tests.Replies.Prompt;

public sealed class ProfileRenderingTests
{
    static string PersonaBlock(Action<JsonObject> edit, ReplyParameters? parameters = null) =>
        Block(Build(Context(parameters, persona: Persona(edit))), "persona");

    [Fact]
    public void Persona_block_renders_every_profile_field()
    {
        var persona = Block(Build(Context()), "persona");

        string[] expected =
        [
            "You are Anna.", "- Name: Anna (nickname \"Annie\")", "- Gender: woman", "- Age: 29 (born 14 March 1997)",
            "- Lives in: Lyon (postal code 69001), France", "- Height: 165 cm", "- Weight: 60.5 kg", "- Body shape: slim",
            "- Hair: dark blond, long", "- Eyes: brown", "- Ethnicity: Asian", "- Job: Pastry chef",
            "- Education: no formal education", "- Relationship status: single", "- Sexual orientation: heterosexual",
            "- Looking for: men", "- Living situation: lives alone", "- Number of children: 1", "- Wants children: yes",
            "- Religion: not religious", "- Smoking: never", "- Interests: tailoring, hiking", "- Sports: soccer, yoga",
            "- Music: pop, indie rock", "- Children: Lea (daughter, 7)", "- Pets: Milo (dog, Beagle, male, 4 years old)",
            "- Profile text, in own words: \"Coffee first, adventures second.", "- Profile photo: yes",
            "Your personality: playful (light-hearted and teasing",
        ];
        foreach (var line in expected) Assert.Contains(line, persona, StringComparison.Ordinal);
        Assert.DoesNotContain("Surgery", persona, StringComparison.Ordinal); // UNKNOWN says nothing
    }

    [Fact]
    public void City_and_postal_code_are_absent_without_a_country_code()
    {
        var persona = PersonaBlock(p => p.Remove("countryCode"));

        Assert.DoesNotContain("Lyon", persona, StringComparison.Ordinal);
        Assert.DoesNotContain("69001", persona, StringComparison.Ordinal);
        Assert.DoesNotContain("Lives in", persona, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("FRA")]
    [InlineData("F")]
    [InlineData("12")]
    [InlineData("")]
    public void City_is_absent_under_an_invalid_country_code(string code)
    {
        var persona = PersonaBlock(p => p["countryCode"] = code);

        Assert.DoesNotContain("Lyon", persona, StringComparison.Ordinal);
        Assert.DoesNotContain("Lives in", persona, StringComparison.Ordinal);
    }

    [Fact]
    public void City_is_absent_from_the_user_block_too_when_the_user_has_no_country_code()
    {
        var prompt = Build(Context(user: User(u => u.Remove("countryCode"))));

        Assert.DoesNotContain("Leeds", All(prompt), StringComparison.Ordinal);
    }

    [Fact]
    public void A_country_code_alone_names_the_country_and_unknown_codes_are_kept_as_codes()
    {
        Assert.Contains("- Lives in: Japan", PersonaBlock(p => { p["countryCode"] = "jp"; p.Remove("city"); p.Remove("postalCode"); }), StringComparison.Ordinal);
        Assert.Contains("- Lives in: Lyon (postal code 69001), QQ", PersonaBlock(p => p["countryCode"] = "QQ"), StringComparison.Ordinal);
    }

    [Fact]
    public void Imperial_profiles_get_feet_inches_and_pounds()
    {
        var persona = PersonaBlock(p =>
        {
            var f = p["features"]!.AsObject();
            f["unitSystem"] = "IMPERIAL";
            f["height"] = 66;
            f["weight"] = 132;
        });

        Assert.Contains("- Height: 5 ft 6 in", persona, StringComparison.Ordinal);
        Assert.Contains("- Weight: 132 lb", persona, StringComparison.Ordinal);
        Assert.DoesNotContain(" cm", persona, StringComparison.Ordinal);
        Assert.DoesNotContain(" kg", persona, StringComparison.Ordinal);
    }

    [Fact]
    public void Metric_is_the_default_unit_system()
    {
        var persona = PersonaBlock(p => p["features"]!.AsObject().Remove("unitSystem"));

        Assert.Contains("- Height: 165 cm", persona, StringComparison.Ordinal);
        Assert.Contains("- Weight: 60.5 kg", persona, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_enum_values_are_humanised_and_the_profile_still_works()
    {
        var persona = PersonaBlock(p =>
        {
            p["gender"] = "NON_BINARY_PERSON";
            p["personality"] = "MYSTERIOUS_NIGHT_OWL";
            var f = p["features"]!.AsObject();
            f["hairColor"] = "STRAWBERRY_BLOND";
            f["eyesColor"] = "HAZEL_GREEN";
            f["bodyShape"] = "A_FEW_EXTRA_POUNDS";
            f["smoking"] = "ONLY_WHEN_DRINKING";
            f["interests"] = new JsonArray("VINTAGE_CARS", "BIRD_WATCHING");
        });

        Assert.Contains("- Gender: non binary person", persona, StringComparison.Ordinal);
        Assert.Contains("Your personality: mysterious night owl.", persona, StringComparison.Ordinal);
        Assert.Contains("- Hair: strawberry blond, long", persona, StringComparison.Ordinal);
        Assert.Contains("- Eyes: hazel green", persona, StringComparison.Ordinal);
        Assert.Contains("- Body shape: a few extra pounds", persona, StringComparison.Ordinal);
        Assert.Contains("- Smoking: only when drinking", persona, StringComparison.Ordinal);
        Assert.Contains("- Interests: vintage cars, bird watching", persona, StringComparison.Ordinal);
    }

    [Fact]
    public void Odd_types_and_unknown_fields_never_throw()
    {
        var persona = PersonaBlock(p =>
        {
            p["birthdate"] = "not a date";
            p["countryCode"] = 42;
            p["children"] = new JsonObject { ["oops"] = true };
            p["pets"] = new JsonArray(1, "cat", new JsonObject(), new JsonObject { ["type"] = "CAT" });
            p["description"] = new JsonArray("no");
            p["mainPictureUrl"] = false;
            p["privatePictures"] = "https://x.example/not-an-array.jpg";
            p["somethingNew"] = new JsonObject { ["deep"] = new JsonArray() };
            var f = p["features"]!.AsObject();
            f["height"] = "tall";
            f["weight"] = new JsonObject();
            f["interests"] = "READING";
            f["sports"] = new JsonArray(null, 5, new JsonObject(), "SWIMMING");
            f["working"] = "maybe";
            f["favoriteFood"] = "RAMEN_NOODLES";
            f["zodiacSign"] = new JsonArray("LEO");
            f["nested"] = new JsonObject { ["a"] = 1 };
        });

        Assert.Contains("- Interests: reading", persona, StringComparison.Ordinal);
        Assert.Contains("- Sports: 5, swimming", persona, StringComparison.Ordinal);
        Assert.Contains("- Pets: cat\n", persona, StringComparison.Ordinal);
        Assert.Contains("- Favorite food: ramen noodles", persona, StringComparison.Ordinal);
        Assert.Contains("- Zodiac sign: leo", persona, StringComparison.Ordinal);
        Assert.Contains("- Profile photo: none", persona, StringComparison.Ordinal);
        Assert.DoesNotContain("Height", persona, StringComparison.Ordinal);
        Assert.DoesNotContain("Age:", persona, StringComparison.Ordinal);
        Assert.DoesNotContain("Nested", persona, StringComparison.Ordinal);
    }

    [Fact]
    public void A_minimal_profile_with_only_an_id_and_a_nickname_works()
    {
        var bare = Profile(new JsonObject { ["id"] = "persona-7", ["nickname"] = "Kiki" });
        var prompt = Build(Context(persona: bare, user: Profile(new JsonObject { ["id"] = "user-1", ["firstName"] = "Tom" })));

        Assert.StartsWith("You are Kiki.", Block(prompt, "persona"), StringComparison.Ordinal);
        Assert.Contains("- Name: Kiki", Block(prompt, "persona"), StringComparison.Ordinal);
        Assert.Contains("What you know about them from their profile", Block(prompt, "user"), StringComparison.Ordinal);
        Assert.DoesNotContain("Age difference", Block(prompt, "user"), StringComparison.Ordinal);
    }

    [Fact]
    public void Only_an_https_main_picture_counts_as_a_profile_photo_and_no_picture_url_is_ever_written()
    {
        Assert.Contains("- Profile photo: none", PersonaBlock(p => p["mainPictureUrl"] = "http://cdn.example.com/anna/main.jpg"), StringComparison.Ordinal);

        var all = All(Build(Context()));
        Assert.DoesNotContain("cdn.example.com", all, StringComparison.Ordinal);
        Assert.DoesNotContain("private-secret", all, StringComparison.Ordinal);
        Assert.DoesNotContain("public-1", all, StringComparison.Ordinal);
        Assert.Contains("- Private album: 2 photos (private: you never send these in the chat)", all, StringComparison.Ordinal);
    }

    [Fact]
    public void Age_comes_from_the_birthdate_at_now()
    {
        Assert.Contains("- Age: 29 (born 26 November 1997)", PersonaBlock(p => p["birthdate"] = "1997-11-26"), StringComparison.Ordinal);
        Assert.Contains("- Age: 28 (born 27 November 1997)", PersonaBlock(p => p["birthdate"] = "1997-11-27"), StringComparison.Ordinal);
    }

    [Fact]
    public void User_block_has_what_she_knows_the_age_gap_and_the_distance()
    {
        var user = Block(Build(Context(new ReplyParameters { ProfileDistance = 12.4 })), "user");

        Assert.StartsWith("Your chat partner is Tom. What you know about him from his profile:", user, StringComparison.Ordinal);
        Assert.Contains("- Age: 34 (born 2 June 1992)", user, StringComparison.Ordinal);
        Assert.Contains("- Lives in: Leeds, the United Kingdom", user, StringComparison.Ordinal);
        Assert.Contains("- Job: Teacher", user, StringComparison.Ordinal);
        Assert.Contains("- Age difference: 5 years older than you", user, StringComparison.Ordinal);
        Assert.Contains("- Distance between you: about 12 km", user, StringComparison.Ordinal);
    }

    [Fact]
    public void Age_gap_reads_younger_and_same_age_too()
    {
        Assert.Contains("- Age difference: 9 years younger than you",
            Block(Build(Context(user: User(u => u["birthdate"] = "2006-01-01"))), "user"), StringComparison.Ordinal);
        Assert.Contains("- Age difference: the same age as you",
            Block(Build(Context(user: User(u => u["birthdate"] = "1997-01-01"))), "user"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0.4, "less than 1 km")]
    [InlineData(7.6, "about 8 km")]
    [InlineData(250, "about 250 km")]
    public void Profile_distance_is_stated_in_km(double km, string expected)
    {
        Assert.Contains("- Distance between you: " + expected,
            Block(Build(Context(new ReplyParameters { ProfileDistance = km })), "user"), StringComparison.Ordinal);
        Assert.DoesNotContain("Distance", Block(Build(Context()), "user"), StringComparison.Ordinal);
    }

    [Fact]
    public void Sexual_and_bdsm_interests_appear_only_when_explicit_content_is_allowed_between_adults()
    {
        var off = Block(Build(Context()), "persona");
        var on = Block(Build(Context(new ReplyParameters { EnableSexualTextContent = true })), "persona");

        Assert.DoesNotContain("Sexual interests", off, StringComparison.Ordinal);
        Assert.DoesNotContain("BDSM", off, StringComparison.Ordinal);
        Assert.Contains("- Sexual interests: role play", on, StringComparison.Ordinal);
        Assert.Contains("- BDSM interests: bdsm blood play", on, StringComparison.Ordinal);
    }

    [Fact]
    public void Facts_are_reusable_as_neutral_lines()
    {
        var facts = ProfileRenderer.Facts(User(), Now);

        Assert.StartsWith("- Name: Tom\n- Gender: man\n- Age: 34", facts, StringComparison.Ordinal);
        Assert.DoesNotContain("You are", facts, StringComparison.Ordinal);
        Assert.Equal(ProfileRenderer.DescribePersona(Persona(), Now), Block(Build(Context()), "persona"));
    }

    [Theory]
    [InlineData("DARK_BLOND", "dark blond")]
    [InlineData("eyesColor", "eyes color")]
    [InlineData("  SOFTWARE__DEVELOPER ", "software developer")]
    [InlineData("a-b c", "a b c")]
    [InlineData("", "")]
    public void Humanize_turns_tokens_into_words(string input, string expected) =>
        Assert.Equal(expected, Humanize.Enum(input));
}
