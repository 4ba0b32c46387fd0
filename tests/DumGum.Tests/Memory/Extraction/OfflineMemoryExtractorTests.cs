using DumGum.Memory;
using DumGum.Memory.Extraction;

namespace DumGum.Tests.Memory.Extraction;

/// <summary>Focused rules of the offline memory extractor (docs/memory.md, "Offline extraction").</summary>
public sealed class OfflineMemoryExtractorTests
{
    static readonly DateOnly Monday = new(2026, 12, 7);
    static readonly OfflineMemoryExtractor Extractor = OfflineMemoryExtractor.Instance;

    static IReadOnlyList<MemoryCandidate> Read(string language, string text, DateOnly? today = null, string target = MemoryTargets.User) =>
        Extractor.Extract(text, language, target, today ?? Monday);

    static MemoryCandidate Single(string language, string text, DateOnly? today = null) => Assert.Single(Read(language, text, today));

    [Theory]
    [InlineData("en", "I don't have a dog.")]
    [InlineData("en", "I'm not a nurse.")]
    [InlineData("en", "I never lived in Paris.")]
    [InlineData("de", "Ich bin keine Lehrerin.")]
    [InlineData("de", "Ich habe keinen Hund.")]
    [InlineData("de", "Ich spreche kein Französisch.")]
    [InlineData("fr", "Je n'ai pas de chat.")]
    [InlineData("es", "No vivo en Madrid.")]
    [InlineData("it", "Non ho un cane.")]
    [InlineData("pt", "Não tenho gato.")]
    [InlineData("nl", "Ik heb geen hond.")]
    public void A_negated_statement_yields_nothing(string language, string text) => Assert.Empty(Read(language, text));

    [Theory]
    [InlineData("en", "I don't like coffee.", "user_dislikes_coffee")]
    [InlineData("de", "Ich mag Pizza nicht mehr.", "user_dislikes_pizza")]
    [InlineData("fr", "Je n'aime plus la pizza.", "user_dislikes_pizza")]
    [InlineData("es", "No me gusta el café.", "user_dislikes_coffee")]
    [InlineData("nl", "Ik hou niet van koffie.", "user_dislikes_coffee")]
    public void A_negated_like_is_a_dislike_in_the_same_slot_as_the_like(string language, string text, string key)
    {
        var dislike = Single(language, text);
        Assert.Equal(key, dislike.UniqueIdentifier);
        var thing = key["user_dislikes_".Length..];
        Assert.Equal("user_preference:" + thing, dislike.Slot);
        var like = Single("en", "I love " + (thing == "coffee" ? "coffee" : "pizza") + ".");
        Assert.Equal(dislike.Slot, like.Slot);
        Assert.NotEqual(dislike.UniqueIdentifier, like.UniqueIdentifier);
    }

    [Theory]
    [InlineData("en", "Do you like cats?")]
    [InlineData("en", "Where do you live?")]
    [InlineData("en", "I have a dog?")]
    [InlineData("de", "Magst du Katzen?")]
    [InlineData("fr", "Tu habites où ?")]
    [InlineData("es", "¿Vivo en Madrid?")]
    [InlineData("it", "Ti piacciono i gatti?")]
    [InlineData("nl", "Hou jij van katten?")]
    public void A_question_yields_nothing(string language, string text) => Assert.Empty(Read(language, text));

    [Fact]
    public void A_statement_before_a_question_back_is_kept()
    {
        Assert.Equal("user_likes_cats", Single("en", "I love cats, do you?").UniqueIdentifier);
        Assert.Equal("user_lives_in_madrid", Single("es", "Vivo en Madrid, ¿y tú?").UniqueIdentifier);
    }

    [Theory]
    [InlineData("en", "I'd love to live in Paris one day.")]
    [InlineData("en", "If I had a cat I would call it Luna.")]
    [InlineData("en", "Maybe I have an exam on Friday.")]
    [InlineData("de", "Ich würde gern in Paris leben.")]
    [InlineData("es", "Me gustaría vivir en París.")]
    [InlineData("it", "Mi piacerebbe vivere a Parigi.")]
    public void A_wish_or_supposition_yields_nothing(string language, string text) => Assert.Empty(Read(language, text));

    [Theory]
    [InlineData("en", "My sister lives in Rome.")]
    [InlineData("en", "My friend says I'm a good cook.")]
    [InlineData("en", "You are a nurse, right")]
    [InlineData("de", "Mein Chef sagt, ich bin der beste Koch.")]
    [InlineData("fr", "Ma sœur habite à Rome.")]
    [InlineData("pt", "O meu pai fala alemão.")]
    public void Other_people_and_the_listener_are_not_the_speaker(string language, string text) => Assert.Empty(Read(language, text));

    [Fact]
    public void A_persona_reply_yields_persona_facts_with_persona_keys()
    {
        var facts = Read("en", "I'm Lena and I live in Hamburg.", target: MemoryTargets.Persona);
        Assert.All(facts, f => Assert.Equal(MemoryTargets.Persona, f.Target));
        Assert.Equal(["persona_name", "persona_lives_in_hamburg"], facts.Select(f => f.UniqueIdentifier));
        Assert.Equal(["persona_name", "persona_location"], facts.Select(f => f.Slot));
    }

    [Theory]
    [InlineData("My exam is on Friday.", "2026-12-11", null)]
    [InlineData("My exam is on Monday.", "2026-12-14", null)] // said on a Monday: next week's
    [InlineData("Tomorrow I have a job interview", "2026-12-08", null)]
    [InlineData("I have a meeting the day after tomorrow", "2026-12-09", null)]
    [InlineData("I have a meeting in 3 days", "2026-12-10", null)]
    [InlineData("My wedding is on the 2nd", "2027-01-02", null)] // the 2nd has passed this month
    [InlineData("I'm on holiday from the 28th to the 3rd.", "2026-12-28", "2027-01-03")]
    [InlineData("I'm flying to Lisbon from the 18th to the 21st!", "2026-12-18", "2026-12-21")]
    [InlineData("My exam is on March 3.", "2027-03-03", null)]
    [InlineData("I have a concert this weekend", "2026-12-12", "2026-12-13")]
    public void Event_dates_are_resolved_from_today(string text, string start, string? end)
    {
        var e = Single("en", text);
        Assert.Equal(MemoryCategories.Event, e.Category);
        Assert.Equal(DateOnly.Parse(start, System.Globalization.CultureInfo.InvariantCulture), e.EventStartDate);
        Assert.Equal(DateOnly.Parse(end ?? start, System.Globalization.CultureInfo.InvariantCulture), e.EventEndDate);
    }

    [Fact]
    public void Dates_cross_the_month_and_year_boundary()
    {
        var newYearsEve = new DateOnly(2026, 12, 31);
        Assert.Equal(new DateOnly(2027, 1, 1), Single("en", "Tomorrow I have an exam", newYearsEve).EventStartDate);
        Assert.Equal(new DateOnly(2027, 1, 1), Single("de", "Morgen habe ich eine Prüfung.", newYearsEve).EventStartDate);
        var lastOfJanuary = new DateOnly(2027, 1, 31);
        var range = Single("fr", "Je suis en vacances du 30 au 2.", lastOfJanuary);
        Assert.Equal((new DateOnly(2027, 3, 30), new DateOnly(2027, 4, 2)), (range.EventStartDate!.Value, range.EventEndDate!.Value)); // no 30 February: the next 30th
        Assert.Equal("user_exam_2027_01_01", Single("en", "Tomorrow I have an exam", newYearsEve).UniqueIdentifier);
    }

    [Theory]
    [InlineData("de", "Meine Prüfung ist am Freitag.", "2026-12-11")]
    [InlineData("fr", "Mon examen est vendredi.", "2026-12-11")]
    [InlineData("es", "Mi examen es el viernes.", "2026-12-11")]
    [InlineData("it", "Il mio esame è venerdì.", "2026-12-11")]
    [InlineData("pt", "O meu exame é na sexta-feira.", "2026-12-11")]
    [InlineData("nl", "Mijn examen is op vrijdag.", "2026-12-11")]
    public void Weekdays_are_read_in_every_language(string language, string text, string date)
    {
        var e = Single(language, text);
        Assert.Equal("user_exam_" + date.Replace('-', '_'), e.UniqueIdentifier);
        Assert.Equal("Exam on " + date, e.Description);
    }

    [Fact]
    public void A_past_event_is_not_a_dated_event() => Assert.Empty(Read("en", "My exam was on Friday."));

    [Fact]
    public void Birthdays_keep_the_year_only_when_it_is_given()
    {
        Assert.Equal("Born on 1994-05-02", Single("en", "I was born on 2 May 1994.").Description);
        Assert.Equal("Birthday on 03-14", Single("fr", "Mon anniversaire est le 14 mars.").Description);
        Assert.Equal("Born on 1990-04-12", Single("de", "Ich bin am 12.04.1990 geboren.").Description);
        Assert.All(Read("en", "My birthday is on March 14."), b => Assert.Equal(("user_birthday", "user_birthday", MemoryCategories.DateOfBirth), (b.UniqueIdentifier, b.Slot, b.Category)));
    }

    [Theory]
    [InlineData("de", "Ich wohne in München.", "user_lives_in_munchen", "Lives in München")]
    [InlineData("de", "Ich bin nach Düsseldorf gezogen.", "user_lives_in_dusseldorf", "Moved to Düsseldorf")]
    [InlineData("es", "Vivo en Málaga.", "user_lives_in_malaga", "Lives in Málaga")]
    [InlineData("fr", "Je suis de Montréal.", "user_from_montreal", "Comes from Montréal")]
    [InlineData("pt", "Eu moro no Rio de Janeiro.", "user_lives_in_rio_de_janeiro", "Lives in Rio de Janeiro")]
    [InlineData("en", "I live in Zürich.", "user_lives_in_zurich", "Lives in Zürich")]
    [InlineData("de", "Ich heiße Jürgen.", "user_name", "Is called Jürgen")]
    public void Keys_are_ascii_snake_case_and_descriptions_keep_proper_nouns_as_written(string language, string text, string key, string description)
    {
        var fact = Single(language, text);
        Assert.Equal(key, fact.UniqueIdentifier);
        Assert.Matches("^[a-z0-9_]+$", fact.UniqueIdentifier);
        Assert.Equal(description, fact.Description);
    }

    [Theory]
    [InlineData("de", "Ich bin Krankenschwester.", "Works as a nurse")]
    [InlineData("fr", "Je suis infirmière.", "Works as a nurse")]
    [InlineData("it", "Sono un'infermiera.", "Works as a nurse")]
    [InlineData("nl", "Ik ben verpleegkundige.", "Works as a nurse")]
    [InlineData("de", "Ich arbeite als Fachinformatikerin.", "Works as Fachinformatikerin")]
    [InlineData("es", "Tengo dos gatos.", "Has cats")]
    [InlineData("pt", "Tenho um cão que se chama Bobi.", "Has a dog named Bobi")]
    [InlineData("it", "Parlo italiano.", "Speaks Italian")]
    [InlineData("de", "Ich liebe Sushi!", "Likes sushi")]
    [InlineData("fr", "J'ai un entretien d'embauche demain.", "Job interview on 2026-12-08")]
    public void Descriptions_are_in_english(string language, string text, string description) =>
        Assert.Equal(description, Single(language, text).Description);

    [Fact]
    public void Food_and_drink_are_food_preferences_and_other_likes_are_preferences()
    {
        Assert.Equal(MemoryCategories.FoodPreference, Single("en", "I love sushi").Category);
        Assert.Equal(MemoryCategories.Preference, Single("en", "I love hiking").Category);
        Assert.Equal(["user_likes_pizza", "user_likes_pasta", "user_likes_sushi"], Read("en", "I love pizza, pasta and sushi").Select(f => f.UniqueIdentifier));
    }

    [Fact]
    public void Tags_are_at_most_ten_lowercase_keywords()
    {
        var texts = new[]
        {
            "I'm Lena, I'm 28 years old and I live in Hamburg. I work as a photographer at Spiegel and I have a cat named Mochi.",
            "I love pizza, pasta, sushi, chocolate, coffee, tea, beer, wine, cheese, ice cream and fries.",
            "I'm flying to Rio de Janeiro from the 18th to the 21st!",
        };
        foreach (var fact in texts.SelectMany(t => Read("en", t)))
        {
            Assert.InRange(fact.Tags.Count, 1, OfflineMemoryExtractor.MaxTags);
            Assert.All(fact.Tags, t => Assert.Equal(t.ToLowerInvariant(), t));
            Assert.Equal(fact.Tags.Count, fact.Tags.Distinct().Count());
        }
    }

    [Fact]
    public void The_last_statement_of_a_single_valued_slot_wins_within_a_message()
    {
        var facts = Read("en", "I live in Madrid. Actually I moved to Valencia last year.");
        Assert.Equal("user_lives_in_valencia", Assert.Single(facts).UniqueIdentifier);
    }

    [Fact]
    public void Other_languages_and_empty_text_yield_nothing_and_regional_codes_are_read()
    {
        Assert.Empty(Read("sv", "Jag heter Anna."));
        Assert.Empty(Read("en", "   "));
        Assert.Equal("user_name", Assert.Single(Read("de-AT", "Ich heiße Anna.")).UniqueIdentifier);
        Assert.Equal("user_name", Assert.Single(Read("PT_BR", "Meu nome é Ana.")).UniqueIdentifier);
    }

    [Fact]
    public void Extraction_is_deterministic()
    {
        const string text = "Hi! My name is Anna, I'm 28 and I love sushi. My exam is on Friday.";
        var first = Read("en", text);
        var second = new OfflineMemoryExtractor().Extract(text, "en", MemoryTargets.User, Monday);
        Assert.Equal(first.Select(f => (f.UniqueIdentifier, f.Description, f.EventStartDate, string.Join(',', f.Tags))),
            second.Select(f => (f.UniqueIdentifier, f.Description, f.EventStartDate, string.Join(',', f.Tags))));
        Assert.Equal(4, first.Count);
    }
}
