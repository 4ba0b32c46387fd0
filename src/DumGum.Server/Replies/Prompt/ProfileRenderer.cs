using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using DumGum.Customers;

namespace DumGum.Replies.Prompt;

/// <summary>Subject, object and possessive pronouns for a profile's gender ("they" when unknown).</summary>
public sealed record Pronouns(string Subject, string Objective, string Possessive)
{
    public static readonly Pronouns She = new("she", "her", "her");
    public static readonly Pronouns He = new("he", "him", "his");
    public static readonly Pronouns They = new("they", "them", "their");

    public static Pronouns For(string? gender) => gender?.Trim().ToUpperInvariant() switch
    {
        "WOMAN" or "TRANS_WOMAN" or "TRANSFEMININE" or "FEMALE" => She,
        "MAN" or "TRANS_MAN" or "TRANSMASCULINE" or "MALE" => He,
        _ => They,
    };
}

/// <summary>
/// Describes a customer profile in words, from every field of its raw JSON (docs/behaviour.md, "Profiles and history"; docs/behaviour.md, "Replies", profiles in the prompt):
/// age from <c>birthdate</c>; <c>city</c>/<c>postalCode</c> only under a valid two-letter <c>countryCode</c>; height
/// and weight in cm/kg (<c>METRIC</c>, the default) or inches/lb (<c>IMPERIAL</c>); every enum humanised, known
/// values with a natural phrase, unknown ones as words (<c>DARK_BLOND</c> → "dark blond"); children, pets,
/// description; whether there is an HTTPS main photo. The public album (<c>pictures</c>) is left out (the persona is
/// not aware of it) and no picture URL is ever written. Odd or unknown fields never throw.
/// The facts are neutral "- Label: value" lines, so the suggestions endpoint can reuse them for either side.
/// </summary>
public static class ProfileRenderer
{
    /// <summary>Named personalities (docs/behaviour.md, "Replies", Personality) and what they mean in a chat.</summary>
    static readonly Dictionary<string, string> PersonalityPhrases = new(StringComparer.OrdinalIgnoreCase)
    {
        ["SUPPORTIVE"] = "supportive (warm, encouraging and a good listener, making the other person feel understood)",
        ["PLAYFUL"] = "playful (light-hearted and teasing, quick to joke and to turn things into a game)",
        ["FLIRTY"] = "flirty (charming, generous with compliments and playful innuendo, enjoying the tension of flirting)",
        ["SHY"] = "shy (a little reserved and gentle, opening up slowly, sweetly awkward at times)",
        ["CONFIDENT"] = "confident (self-assured and direct, saying what you think and happy to take the lead)",
        ["ROMANTIC"] = "romantic (affectionate and dreamy, fond of sweet words, small gestures and talking about feelings)",
        ["INTELLECTUAL"] = "intellectual (curious and thoughtful, enjoying ideas, books and deep conversations, with a dry wit)",
        ["ADVENTUROUS"] = "adventurous (spontaneous and energetic, loving travel, new experiences and a little challenge)",
        ["CARING"] = "caring (attentive and nurturing, remembering details and checking in on how the other person is doing)",
        ["SARCASTIC"] = "sarcastic (witty and ironic with a teasing edge, but never truly mean)",
    };

    static readonly Dictionary<string, string> SexualDrivePhrases = new(StringComparer.OrdinalIgnoreCase)
    {
        ["VERY_LOW"] = "very low (reserved about anything intimate, you steer away from it)",
        ["LOW"] = "low (you are reserved about intimacy and need time and trust)",
        ["MEDIUM"] = "moderate (open to flirting, intimate only once there is real closeness)",
        ["HIGH"] = "high (flirty, and happy to get intimate when the mood is right)",
        ["VERY_HIGH"] = "very high (very flirtatious and forward about desire)",
    };

    /// <summary>Natural phrases for known values, keyed "field:VALUE"; an empty phrase means "say nothing".</summary>
    static readonly Dictionary<string, string> ValuePhrases = new(StringComparer.OrdinalIgnoreCase)
    {
        ["hairLength:AVERAGE"] = "medium length",
        ["hairLength:MEDIUM"] = "medium length",
        ["education:NO_EDUCATION"] = "no formal education",
        ["education:HIGH_SCHOOL"] = "high school",
        ["education:BACHELOR"] = "bachelor's degree",
        ["education:BACHELORS_DEGREE"] = "bachelor's degree",
        ["education:MASTER"] = "master's degree",
        ["education:MASTERS_DEGREE"] = "master's degree",
        ["education:PHD"] = "PhD",
        ["education:DOCTORATE"] = "doctorate",
        ["religion:NO_RELIGION"] = "not religious",
        ["livingWith:ALONE"] = "lives alone",
        ["livingWith:PARENTS"] = "lives with parents",
        ["livingWith:ROOMMATES"] = "lives with roommates",
        ["livingWith:PARTNER"] = "lives with a partner",
        ["livingWith:CHILDREN"] = "lives with the children",
        ["wantsChildren:MAYBE"] = "maybe, not sure yet",
        ["wantsChildren:UNDECIDED"] = "not sure yet",
        ["wantsChildren:NOT_SURE"] = "not sure yet",
        ["sexualOrientation:HETEROSEXUAL"] = "heterosexual (straight)",
        ["surgeryStatus:UNKNOWN"] = "",
    };

    /// <summary>Values that carry no information, left out everywhere.</summary>
    static readonly HashSet<string> EmptyValues = new(StringComparer.OrdinalIgnoreCase)
    {
        "UNKNOWN", "NOT_SPECIFIED", "UNSPECIFIED", "NOT_SET", "NONE_SPECIFIED", "NULL", "N/A",
    };

    static readonly Dictionary<string, string> Countries = new(StringComparer.OrdinalIgnoreCase)
    {
        ["FR"] = "France", ["BE"] = "Belgium", ["NL"] = "the Netherlands", ["LU"] = "Luxembourg", ["MC"] = "Monaco",
        ["DE"] = "Germany", ["AT"] = "Austria", ["CH"] = "Switzerland", ["LI"] = "Liechtenstein", ["IT"] = "Italy",
        ["ES"] = "Spain", ["PT"] = "Portugal", ["GB"] = "the United Kingdom", ["UK"] = "the United Kingdom",
        ["IE"] = "Ireland", ["US"] = "the United States", ["CA"] = "Canada", ["AU"] = "Australia",
        ["NZ"] = "New Zealand", ["BR"] = "Brazil", ["MX"] = "Mexico", ["AR"] = "Argentina", ["CO"] = "Colombia",
        ["CL"] = "Chile", ["PE"] = "Peru", ["VE"] = "Venezuela", ["EC"] = "Ecuador", ["UY"] = "Uruguay",
        ["RO"] = "Romania", ["MD"] = "Moldova", ["BG"] = "Bulgaria", ["IL"] = "Israel", ["JP"] = "Japan",
        ["SE"] = "Sweden", ["DK"] = "Denmark", ["FI"] = "Finland", ["NO"] = "Norway", ["IS"] = "Iceland",
        ["PL"] = "Poland", ["LT"] = "Lithuania", ["LV"] = "Latvia", ["EE"] = "Estonia", ["CZ"] = "Czechia",
        ["SK"] = "Slovakia", ["HU"] = "Hungary", ["SI"] = "Slovenia", ["HR"] = "Croatia", ["RS"] = "Serbia",
        ["GR"] = "Greece", ["CY"] = "Cyprus", ["MT"] = "Malta", ["TR"] = "Turkey", ["UA"] = "Ukraine",
        ["RU"] = "Russia", ["MA"] = "Morocco", ["TN"] = "Tunisia", ["DZ"] = "Algeria", ["ZA"] = "South Africa",
        ["IN"] = "India", ["CN"] = "China", ["KR"] = "South Korea", ["TH"] = "Thailand", ["PH"] = "the Philippines",
        ["VN"] = "Vietnam", ["ID"] = "Indonesia", ["SG"] = "Singapore", ["AE"] = "the United Arab Emirates",
    };

    /// <summary>Top-level profile fields; any other key of <c>personaProfileOverrides</c> is a persona trait.</summary>
    static readonly HashSet<string> ProfileFields = new(StringComparer.Ordinal)
    {
        "id", "version", "firstName", "nickname", "gender", "description", "birthdate", "birthDate", "countryCode",
        "city", "postalCode", "timeZone", "features", "personality", "mainPictureUrl", "mainPictureChecksum",
        "pictures", "privatePictures", "expiresAt", "children", "pets",
    };

    /// <summary>Feature fields rendered by name; any other feature is rendered generically.</summary>
    static readonly HashSet<string> KnownFeatures = new(StringComparer.Ordinal)
    {
        "ethnicity", "height", "weight", "eyesColor", "hairColor", "hairLength", "maritalStatus", "job", "working",
        "interests", "bdsmInterests", "sexualInterests", "lookingFor", "sexualOrientation", "childrenCount",
        "wantsChildren", "surgeryStatus", "unitSystem", "livingWith", "education", "religion", "smoking",
        "bodyShape", "sports", "musicGenres",
    };

    [ThreadStatic] static StringBuilder? cachedBuilder;
    [ThreadStatic] static List<string>? cachedItems;

    // ---------------------------------------------------------------- public surface

    /// <summary>The neutral facts of a profile as "- Label: value" lines (see the class summary).</summary>
    /// <param name="overrides">Shallow overrides of top-level fields (<c>personaProfileOverrides</c>), or null.</param>
    /// <param name="includeIntimate">Whether sexual and BDSM interests may be written (only between adults who allow it).</param>
    public static string Facts(CustomerProfile profile, DateTimeOffset now, JsonObject? overrides = null,
        bool includeIntimate = false)
    {
        var sb = Rent();
        AppendFacts(sb, profile, now, overrides, includeIntimate, includePersonality: true, isPersona: false);
        return Return(sb);
    }

    /// <summary>
    /// The persona block: who she is, from every profile field with <c>personaProfileOverrides</c> merged over it, her
    /// personality (<c>personaPersonality</c> over the profile's), the other override traits (<c>sexualDrive</c>, …) and
    /// the SoulEngine style card. Independent of the user and of the time, so it stays byte-stable for the prompt cache.
    /// </summary>
    public static string DescribePersona(CustomerProfile persona, DateTimeOffset now, ReplyParameters? parameters = null,
        string? styleCard = null, bool includeIntimate = false, bool includeSexualDrive = true)
    {
        var sb = Rent();
        AppendPersona(sb, persona, now, parameters, styleCard, includeIntimate, includeSexualDrive);
        return Return(sb);
    }

    public static void AppendPersona(StringBuilder sb, CustomerProfile persona, DateTimeOffset now,
        ReplyParameters? parameters, string? styleCard, bool includeIntimate, bool includeSexualDrive = true)
    {
        ArgumentNullException.ThrowIfNull(sb);
        ArgumentNullException.ThrowIfNull(persona);
        var overrides = parameters?.PersonaProfileOverrides is { Count: > 0 } o ? o : null;
        var name = DisplayName(persona, overrides);
        sb.Append("You are ").Append(name)
            .Append(". This is your profile on the app, and it is who you are:\n");
        AppendFacts(sb, persona, now, overrides, includeIntimate, includePersonality: false, isPersona: true);

        var personality = PersonalitySource(parameters?.PersonaPersonality, overrides, persona);
        if (personality is not null) sb.Append("Your personality: ").Append(PersonalityPhrase(personality)).Append(".\n");

        if (overrides is not null)
        {
            var traitsStarted = false;
            foreach (var (key, node) in overrides)
            {
                if (ProfileFields.Contains(key)) continue;
                if (string.Equals(key, "sexualDrive", StringComparison.OrdinalIgnoreCase))
                {
                    if (!includeSexualDrive || Humanize.Scalar(node) is not { } drive) continue;
                    sb.Append("Your sexual appetite: ")
                        .Append(SexualDrivePhrases.TryGetValue(drive, out var phrase) ? phrase : Humanize.Free(drive)).Append(".\n");
                    continue;
                }
                var value = ValueText(node);
                if (value is null) continue;
                if (!traitsStarted) { sb.Append("More about you:\n"); traitsStarted = true; }
                sb.Append("- ").Append(Humanize.Label(key)).Append(": ").Append(value).Append('\n');
            }
        }

        // The card is a baseline: a trait set by the request (personaPersonality, an overridden personality or
        // sexualDrive) replaces the card's line, and a minor's chat gets no sexual appetite at all (docs/behaviour.md, "Replies", style card vs request).
        var personalityOverridden = !string.IsNullOrWhiteSpace(parameters?.PersonaPersonality)
                                    || overrides?["personality"] is JsonValue { } pv && pv.GetValueKind() == JsonValueKind.String;
        var appetiteOverridden = !includeSexualDrive
                                 || (overrides?.Any(kv => string.Equals(kv.Key, "sexualDrive", StringComparison.OrdinalIgnoreCase)
                                                         && Humanize.Scalar(kv.Value) is not null) ?? false);
        var card = styleCard is null ? null : string.Join('\n', styleCard.Trim().Split('\n').Where(line =>
            !(personalityOverridden && line.TrimStart().StartsWith("Personality:", StringComparison.OrdinalIgnoreCase))
            && !(appetiteOverridden && line.TrimStart().StartsWith("Sexual appetite:", StringComparison.OrdinalIgnoreCase))));
        if (!string.IsNullOrWhiteSpace(card))
            sb.Append("Your character and writing style (keep to it; where a rule below says otherwise, the rule wins):\n")
                .Append(card.Trim()).Append('\n');
        TrimEnd(sb);
    }

    public static void AppendUser(StringBuilder sb, CustomerProfile user, CustomerProfile? persona, DateTimeOffset now,
        double? profileDistance, bool includeIntimate, JsonObject? personaOverrides = null)
    {
        ArgumentNullException.ThrowIfNull(sb);
        ArgumentNullException.ThrowIfNull(user);
        var pronouns = Pronouns.For(Str(user.Raw, null, "gender"));
        sb.Append("Your chat partner is ").Append(DisplayName(user, null)).Append(". What you know about ")
            .Append(pronouns.Objective).Append(" from ").Append(pronouns.Possessive).Append(" profile:\n");
        AppendFacts(sb, user, now, null, includeIntimate, includePersonality: true, isPersona: false);

        var userAge = AgeOf(user, null, now);
        var personaAge = persona is null ? null : AgeOf(persona, personaOverrides, now);
        if (userAge is { } ua && personaAge is { } pa)
        {
            var gap = ua - pa;
            sb.Append("- Age difference: ");
            if (gap == 0) sb.Append("the same age as you");
            else sb.Append(Humanize.Plural(Math.Abs(gap), "year")).Append(gap > 0 ? " older than you" : " younger than you");
            sb.Append('\n');
        }
        if (profileDistance is { } km && double.IsFinite(km) && km >= 0)
        {
            sb.Append("- Distance between you: ");
            if (km < 1) sb.Append("less than 1 km");
            else sb.Append("about ").Append(Math.Round(km).ToString("0", CultureInfo.InvariantCulture)).Append(" km");
            sb.Append('\n');
        }
        TrimEnd(sb);
    }

    /// <summary>The phrase for a personality: a named one (<c>PLAYFUL</c>) gets its description, a token is humanised, free text is kept.</summary>
    public static string PersonalityPhrase(string personality) =>
        PersonalityPhrases.TryGetValue(personality.Trim(), out var phrase) ? phrase : Humanize.Free(personality);

    /// <summary>The English name of an ISO 3166-1 alpha-2 code (a small map of common countries, else the code itself).</summary>
    public static string CountryName(string code) =>
        Countries.TryGetValue(code, out var name) ? name : code.ToUpperInvariant();

    /// <summary>A valid country code: exactly two ASCII letters (docs/behaviour.md, "Profiles and history").</summary>
    public static bool IsValidCountryCode(string? code) =>
        code is { Length: 2 } && char.IsAsciiLetter(code[0]) && char.IsAsciiLetter(code[1]);

    /// <summary>First name, else nickname, else id; overrides of <c>firstName</c>/<c>nickname</c> apply.</summary>
    public static string DisplayName(CustomerProfile profile, JsonObject? overrides)
    {
        ArgumentNullException.ThrowIfNull(profile);
        return Str(profile.Raw, overrides, "firstName") ?? Str(profile.Raw, overrides, "nickname")
            ?? profile.FirstName ?? profile.Nickname ?? profile.Id;
    }

    /// <summary>Age at <paramref name="now"/> from <c>birthdate</c> (an override of it applies).</summary>
    public static int? AgeOf(CustomerProfile profile, JsonObject? overrides, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(profile);
        if (overrides is null || !(overrides.ContainsKey("birthdate") || overrides.ContainsKey("birthDate")))
            return profile.AgeAt(now);
        return Birthdate(profile.Raw, overrides) is { } b ? AgeFrom(b, now) : null;
    }

    /// <summary>The time zone of a profile (an override of <c>timeZone</c> applies), UTC when missing or unknown.</summary>
    public static TimeZoneInfo TimeZoneOf(CustomerProfile profile, JsonObject? overrides, out string label)
    {
        ArgumentNullException.ThrowIfNull(profile);
        var name = Str(profile.Raw, overrides, "timeZone") ?? profile.TimeZone;
        if (name is { Length: > 0 } && TimeZoneInfo.TryFindSystemTimeZoneById(name, out var zone))
        {
            label = name;
            return zone;
        }
        label = "UTC";
        return TimeZoneInfo.Utc;
    }

    /// <summary>The birthdate (<c>yyyy-MM-dd</c>), an override applying.</summary>
    public static DateOnly? Birthdate(JsonObject raw, JsonObject? overrides)
    {
        var s = Str(raw, overrides, "birthdate") ?? Str(raw, overrides, "birthDate");
        return DateOnly.TryParseExact(s, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d) ? d : null;
    }

    // ---------------------------------------------------------------- facts

    static void AppendFacts(StringBuilder sb, CustomerProfile profile, DateTimeOffset now, JsonObject? overrides,
        bool includeIntimate, bool includePersonality, bool isPersona)
    {
        ArgumentNullException.ThrowIfNull(sb);
        ArgumentNullException.ThrowIfNull(profile);
        var raw = profile.Raw;

        // Name
        var first = Str(raw, overrides, "firstName") ?? profile.FirstName;
        var nick = Str(raw, overrides, "nickname") ?? profile.Nickname;
        sb.Append("- Name: ");
        if (first is not null)
        {
            sb.Append(first);
            if (nick is not null && !string.Equals(nick, first, StringComparison.OrdinalIgnoreCase))
                sb.Append(" (nickname \"").Append(nick).Append("\")");
        }
        else sb.Append(nick ?? profile.Id);
        sb.Append('\n');

        if (Str(raw, overrides, "gender") is { } gender && !EmptyValues.Contains(gender))
            Line(sb, "Gender", GenderWord(gender, plural: false));

        var birthdate = Birthdate(raw, overrides) ?? profile.Birthdate;
        if (birthdate is { } b && AgeFrom(b, now) is var age && age is >= 0 and < 130)
        {
            sb.Append("- Age: ").Append(age.ToString(CultureInfo.InvariantCulture)).Append(" (born ")
                .Append(b.Day.ToString(CultureInfo.InvariantCulture)).Append(' ')
                .Append(CultureInfo.InvariantCulture.DateTimeFormat.GetMonthName(b.Month)).Append(' ')
                .Append(b.Year.ToString(CultureInfo.InvariantCulture)).Append(")\n");
        }

        AppendLocation(sb, raw, overrides);

        var features = Get(raw, overrides, "features") as JsonObject;
        if (features is not null) AppendFeatures(sb, features, includeIntimate);

        AppendChildren(sb, Get(raw, overrides, "children") as JsonArray);
        AppendPets(sb, Get(raw, overrides, "pets") as JsonArray);

        if (includePersonality && Str(raw, overrides, "personality") is { } personality && !EmptyValues.Contains(personality))
            Line(sb, "Personality", PersonalityPhrase(personality));

        if (Str(raw, overrides, "description") is { } description)
            sb.Append("- Profile text, in own words: \"").Append(description).Append("\"\n");

        var mainPicture = Str(raw, overrides, "mainPictureUrl");
        sb.Append("- Profile photo: ").Append(IsHttps(mainPicture) ? "yes" : "none").Append('\n');

        if (Get(raw, overrides, "privatePictures") is JsonArray privatePictures)
        {
            var count = 0;
            foreach (var p in privatePictures)
                if (p is JsonValue v && v.GetValueKind() == JsonValueKind.String && IsHttps(v.GetValue<string>())) count++;
            if (count > 0)
            {
                sb.Append("- Private album: ").Append(Humanize.Plural(count, "photo"));
                if (isPersona) sb.Append(" (private: you never send these in the chat)");
                sb.Append('\n');
            }
        }
    }

    static void AppendLocation(StringBuilder sb, JsonObject raw, JsonObject? overrides)
    {
        var code = Str(raw, overrides, "countryCode");
        if (!IsValidCountryCode(code)) return; // city and postalCode are ignored without a valid countryCode
        var city = Str(raw, overrides, "city");
        var postal = Str(raw, overrides, "postalCode");
        sb.Append("- Lives in: ");
        if (city is not null) sb.Append(city);
        if (postal is not null)
        {
            if (city is not null) sb.Append(' ');
            sb.Append("(postal code ").Append(postal).Append(')');
        }
        if (city is not null || postal is not null) sb.Append(", ");
        sb.Append(CountryName(code!)).Append('\n');
    }

    static void AppendFeatures(StringBuilder sb, JsonObject f, bool includeIntimate)
    {
        var imperial = Str(f, null, "unitSystem") is { } units
                       && (units.Contains("IMPERIAL", StringComparison.OrdinalIgnoreCase)
                           || string.Equals(units, "US", StringComparison.OrdinalIgnoreCase));

        if (Humanize.TryNumber(f["height"], out var height) && height > 0)
        {
            sb.Append("- Height: ");
            if (imperial)
            {
                var inches = (int)Math.Round(height);
                sb.Append((inches / 12).ToString(CultureInfo.InvariantCulture)).Append(" ft ")
                    .Append((inches % 12).ToString(CultureInfo.InvariantCulture)).Append(" in");
            }
            else sb.Append(Humanize.Number(height)).Append(" cm");
            sb.Append('\n');
        }
        if (Humanize.TryNumber(f["weight"], out var weight) && weight > 0)
            sb.Append("- Weight: ").Append(Humanize.Number(weight)).Append(imperial ? " lb\n" : " kg\n");

        EnumLine(sb, f, "bodyShape", "Body shape");
        var hairColor = EnumValue(f, "hairColor");
        var hairLength = EnumValue(f, "hairLength");
        if (hairColor is not null || hairLength is not null)
        {
            sb.Append("- Hair: ");
            if (hairColor is not null) sb.Append(hairColor);
            if (hairColor is not null && hairLength is not null) sb.Append(", ");
            if (hairLength is not null) sb.Append(hairLength);
            sb.Append('\n');
        }
        EnumLine(sb, f, "eyesColor", "Eyes");
        if (Str(f, null, "ethnicity") is { } ethnicity && !EmptyValues.Contains(ethnicity))
            Line(sb, "Ethnicity", Humanize.Title(ethnicity));

        var job = Str(f, null, "job");
        var working = f["working"] is JsonValue w ? w.GetValueKind() switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => (bool?)null,
        } : null;
        if (job is not null && !EmptyValues.Contains(job))
        {
            sb.Append("- Job: ").Append(Humanize.Free(job));
            if (working is false) sb.Append(" (not working at the moment)");
            sb.Append('\n');
        }
        else if (working is { } isWorking) Line(sb, "Working", isWorking ? "yes" : "not at the moment");

        EnumLine(sb, f, "education", "Education");
        EnumLine(sb, f, "maritalStatus", "Relationship status");
        EnumLine(sb, f, "sexualOrientation", "Sexual orientation");
        ListLine(sb, f, "lookingFor", "Looking for", gender: true);
        EnumLine(sb, f, "livingWith", "Living situation");
        if (Humanize.TryNumber(f["childrenCount"], out var childrenCount) && childrenCount >= 0)
            Line(sb, "Number of children", Humanize.Number(childrenCount));
        EnumLine(sb, f, "wantsChildren", "Wants children");
        EnumLine(sb, f, "religion", "Religion");
        EnumLine(sb, f, "smoking", "Smoking");
        ListLine(sb, f, "interests", "Interests");
        ListLine(sb, f, "sports", "Sports");
        ListLine(sb, f, "musicGenres", "Music");
        if (includeIntimate)
        {
            ListLine(sb, f, "sexualInterests", "Sexual interests");
            ListLine(sb, f, "bdsmInterests", "BDSM interests");
        }
        EnumLine(sb, f, "surgeryStatus", "Surgery status");

        // Fields this version does not know yet: rendered generically, never fatal.
        foreach (var (key, node) in f)
        {
            if (KnownFeatures.Contains(key)) continue;
            if (ValueText(node) is { } text) Line(sb, Humanize.Label(key), text);
        }
    }

    static void AppendChildren(StringBuilder sb, JsonArray? children)
    {
        if (children is null || children.Count == 0) return;
        var items = RentItems();
        var itemBuilder = new StringBuilder();
        foreach (var node in children)
        {
            if (node is not JsonObject child) continue;
            itemBuilder.Clear();
            var name = Str(child, null, "name");
            var kind = Str(child, null, "gender")?.ToUpperInvariant() switch
            {
                "WOMAN" or "FEMALE" or "GIRL" or "TRANS_WOMAN" or "TRANSFEMININE" => "daughter",
                "MAN" or "MALE" or "BOY" or "TRANS_MAN" or "TRANSMASCULINE" => "son",
                _ => "child",
            };
            var hasAge = Humanize.TryNumber(child["age"], out var age) && age >= 0;
            if (name is not null) itemBuilder.Append(name).Append(" (").Append(kind);
            else itemBuilder.Append("a ").Append(kind);
            if (hasAge) itemBuilder.Append(name is not null ? ", " : " of ").Append(Humanize.Number(age));
            if (name is not null) itemBuilder.Append(')');
            items.Add(itemBuilder.ToString());
        }
        if (items.Count > 0)
        {
            sb.Append("- Children: ");
            Humanize.AppendList(sb, items);
            sb.Append('\n');
        }
        items.Clear();
    }

    static void AppendPets(StringBuilder sb, JsonArray? pets)
    {
        if (pets is null || pets.Count == 0) return;
        var items = RentItems();
        var itemBuilder = new StringBuilder();
        foreach (var node in pets)
        {
            if (node is not JsonObject pet) continue;
            itemBuilder.Clear();
            var name = Str(pet, null, "name");
            var details = 0;
            void Detail(string? text)
            {
                if (string.IsNullOrEmpty(text)) return;
                itemBuilder.Append(details++ == 0 ? "" : ", ").Append(text);
            }
            if (name is not null) itemBuilder.Append(name).Append(" (");
            Detail(Str(pet, null, "type") is { } type ? Humanize.Free(type) : null);
            Detail(Str(pet, null, "breed"));
            Detail(Str(pet, null, "sex") is { } sex && !EmptyValues.Contains(sex) ? Humanize.Enum(sex) : null);
            Detail(Humanize.TryNumber(pet["age"], out var age) && age >= 0
                ? (age == 1 ? "1 year old" : Humanize.Number(age) + " years old") : null);
            if (name is not null)
            {
                if (details == 0) itemBuilder.Length -= 2;
                else itemBuilder.Append(')');
            }
            if (itemBuilder.Length > 0) items.Add(itemBuilder.ToString());
        }
        if (items.Count > 0)
        {
            sb.Append("- Pets: ");
            Humanize.AppendList(sb, items);
            sb.Append('\n');
        }
        items.Clear();
    }

    // ---------------------------------------------------------------- helpers

    static string? PersonalitySource(string? parameter, JsonObject? overrides, CustomerProfile persona)
    {
        if (!string.IsNullOrWhiteSpace(parameter)) return parameter.Trim();
        var fromProfile = Str(persona.Raw, overrides, "personality") ?? persona.Personality;
        return fromProfile is null || EmptyValues.Contains(fromProfile) ? null : fromProfile;
    }

    static string GenderWord(string gender, bool plural)
    {
        var word = gender.Trim().ToUpperInvariant() switch
        {
            "WOMAN" or "FEMALE" => plural ? "women" : "woman",
            "MAN" or "MALE" => plural ? "men" : "man",
            "TRANS_WOMAN" => plural ? "trans women" : "trans woman",
            "TRANS_MAN" => plural ? "trans men" : "trans man",
            "TRANSFEMININE" => plural ? "transfeminine people" : "transfeminine",
            "TRANSMASCULINE" => plural ? "transmasculine people" : "transmasculine",
            _ => null,
        };
        return word ?? Humanize.Free(gender);
    }

    /// <summary>A humanised enum feature (known values phrased), or null when absent or empty.</summary>
    static string? EnumValue(JsonObject f, string field)
    {
        var value = Str(f, null, field);
        if (value is null || EmptyValues.Contains(value)) return null;
        if (ValuePhrases.TryGetValue(string.Concat(field, ":", value), out var phrase))
            return phrase.Length == 0 ? null : phrase;
        return Humanize.Free(value);
    }

    static void EnumLine(StringBuilder sb, JsonObject f, string field, string label)
    {
        if (EnumValue(f, field) is { } value) Line(sb, label, value);
    }

    static void ListLine(StringBuilder sb, JsonObject f, string field, string label, bool gender = false)
    {
        var node = f[field];
        if (node is JsonValue single && Humanize.Scalar(single) is { } one)
        {
            Line(sb, label, gender ? GenderWord(one, plural: true) : Humanize.Free(one));
            return;
        }
        if (node is not JsonArray array || array.Count == 0) return;
        var started = false;
        foreach (var item in array)
        {
            if (Humanize.Scalar(item) is not { } value || EmptyValues.Contains(value)) continue;
            if (started) sb.Append(", ");
            else sb.Append("- ").Append(label).Append(": ");
            sb.Append(gender ? GenderWord(value, plural: true) : Humanize.Free(value));
            started = true;
        }
        if (started) sb.Append('\n');
    }

    /// <summary>A scalar or a list of scalars as words; null for objects and empty values.</summary>
    static string? ValueText(JsonNode? node)
    {
        if (node is JsonArray array)
        {
            var items = new List<string>(array.Count);
            foreach (var item in array)
                if (Humanize.Scalar(item) is { } s && !EmptyValues.Contains(s)) items.Add(Humanize.Free(s));
            return items.Count == 0 ? null : string.Join(", ", items);
        }
        var value = Humanize.Scalar(node);
        return value is null || EmptyValues.Contains(value) ? null : Humanize.Free(value);
    }

    static void Line(StringBuilder sb, string label, string value)
    {
        if (value.Length == 0) return;
        sb.Append("- ").Append(label).Append(": ").Append(value).Append('\n');
    }

    static int AgeFrom(DateOnly birthdate, DateTimeOffset now)
    {
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        var age = today.Year - birthdate.Year;
        if (today < birthdate.AddYears(age)) age--;
        return age;
    }

    internal static bool IsHttps(string? url) =>
        url is not null && Uri.TryCreate(url.Trim(), UriKind.Absolute, out var uri) && uri.Scheme == Uri.UriSchemeHttps;

    static JsonNode? Get(JsonObject raw, JsonObject? overrides, string name)
    {
        if (overrides is not null && overrides.TryGetPropertyValue(name, out var o)) return o;
        return raw.TryGetPropertyValue(name, out var r) ? r : null;
    }

    /// <summary>A non-blank string field (trimmed), an override applying; null for anything else.</summary>
    static string? Str(JsonObject raw, JsonObject? overrides, string name) =>
        Get(raw, overrides, name) is JsonValue v && v.GetValueKind() == JsonValueKind.String
        && v.GetValue<string>() is { } s && !string.IsNullOrWhiteSpace(s) ? s.Trim() : null;

    static void TrimEnd(StringBuilder sb)
    {
        while (sb.Length > 0 && sb[^1] == '\n') sb.Length--;
    }

    static StringBuilder Rent()
    {
        var sb = cachedBuilder ?? new StringBuilder(2048);
        cachedBuilder = null;
        sb.Clear();
        return sb;
    }

    static string Return(StringBuilder sb)
    {
        // Profile text never reaches a prompt with format characters in it (bidi, zero-width: PromptText).
        var s = PromptText.Clean(sb.ToString());
        if (sb.Capacity <= 16 * 1024) cachedBuilder = sb;
        return s;
    }

    static List<string> RentItems()
    {
        var items = cachedItems ??= new List<string>(8);
        items.Clear();
        return items;
    }
}
