using System.Text.Json.Nodes;
using DumGum.Customers;
using DumGum.Replies;
using DumGum.Replies.Models;
using DumGum.Replies.Prompt;

namespace DumGum.Tests.Replies.Prompt;

/// <summary>Profiles, histories and contexts for the prompt tests.</summary>
static class PromptFixtures
{
    /// <summary>Thursday 26 November 2026, 12:05 UTC: 9:05 pm in Tokyo, 1:05 pm in Paris.</summary>
    public static readonly DateTimeOffset Now = new(2026, 11, 26, 12, 5, 0, TimeSpan.Zero);

    public static readonly TokenCounter Tokens = new();
    public static readonly PromptBuilder Builder = new(Tokens);
    public static readonly ModelProfile BigModel = new("test", "test-model", 128_000, 400, false, 0m, 0m);

    public static JsonObject PersonaJson(string? timeZone = "Asia/Tokyo")
    {
        var json = new JsonObject
        {
            ["id"] = "persona-7",
            ["version"] = "v1",
            ["firstName"] = "Anna",
            ["nickname"] = "Annie",
            ["gender"] = "WOMAN",
            ["description"] = "Coffee first, adventures second. Looking for someone who laughs at my bad puns.",
            ["birthdate"] = "1997-03-14",
            ["countryCode"] = "FR",
            ["city"] = "Lyon",
            ["postalCode"] = "69001",
            ["personality"] = "PLAYFUL",
            ["mainPictureUrl"] = "https://cdn.example.com/anna/main.jpg",
            ["pictures"] = new JsonArray("https://cdn.example.com/anna/public-1.jpg"),
            ["privatePictures"] = new JsonArray("https://cdn.example.com/anna/private-secret-1.jpg", "https://cdn.example.com/anna/private-secret-2.jpg"),
            ["features"] = new JsonObject
            {
                ["ethnicity"] = "ASIAN",
                ["height"] = 165,
                ["weight"] = 60.5,
                ["eyesColor"] = "BROWN",
                ["hairColor"] = "DARK_BLOND",
                ["hairLength"] = "LONG",
                ["maritalStatus"] = "SINGLE",
                ["job"] = "Pastry chef",
                ["working"] = true,
                ["interests"] = new JsonArray("TAILORING", "HIKING"),
                ["bdsmInterests"] = new JsonArray("BDSM_BLOOD_PLAY"),
                ["sexualInterests"] = new JsonArray("ROLE_PLAY"),
                ["lookingFor"] = new JsonArray("MAN"),
                ["sexualOrientation"] = "HETEROSEXUAL",
                ["childrenCount"] = 1,
                ["wantsChildren"] = "YES",
                ["surgeryStatus"] = "UNKNOWN",
                ["unitSystem"] = "METRIC",
                ["livingWith"] = "ALONE",
                ["education"] = "NO_EDUCATION",
                ["religion"] = "NO_RELIGION",
                ["smoking"] = "NEVER",
                ["bodyShape"] = "SLIM",
                ["sports"] = new JsonArray("SOCCER", "YOGA"),
                ["musicGenres"] = new JsonArray("POP", "INDIE_ROCK"),
            },
            ["children"] = new JsonArray(new JsonObject { ["name"] = "Lea", ["gender"] = "WOMAN", ["age"] = 7 }),
            ["pets"] = new JsonArray(new JsonObject { ["name"] = "Milo", ["sex"] = "MALE", ["age"] = 4, ["breed"] = "Beagle", ["type"] = "dog" }),
        };
        if (timeZone is not null) json["timeZone"] = timeZone;
        return json;
    }

    public static JsonObject UserJson() => new()
    {
        ["id"] = "user-1",
        ["firstName"] = "Tom",
        ["gender"] = "MAN",
        ["birthdate"] = "1992-06-02",
        ["countryCode"] = "GB",
        ["city"] = "Leeds",
        ["timeZone"] = "Europe/London",
        ["description"] = "Runner, cook, terrible at karaoke.",
        ["mainPictureUrl"] = "https://cdn.example.com/tom/main.jpg",
        ["features"] = new JsonObject
        {
            ["height"] = 182,
            ["weight"] = 78,
            ["eyesColor"] = "BLUE",
            ["hairColor"] = "BROWN",
            ["job"] = "Teacher",
            ["interests"] = new JsonArray("RUNNING", "COOKING"),
        },
    };

    public static CustomerProfile Profile(JsonObject raw)
    {
        var profile = CustomerProfile.Parse(raw, (string)raw["id"]!, out var problem);
        Assert.True(profile is not null, problem);
        return profile;
    }

    public static CustomerProfile Persona(Action<JsonObject>? edit = null, string? timeZone = "Asia/Tokyo")
    {
        var json = PersonaJson(timeZone);
        edit?.Invoke(json);
        return Profile(json);
    }

    public static CustomerProfile User(Action<JsonObject>? edit = null)
    {
        var json = UserJson();
        edit?.Invoke(json);
        return Profile(json);
    }

    public static HistoryMessage FromUser(string? text, int minutesAgo, string[]? pictures = null, bool poke = false,
        Gift[]? gifts = null, string? sticker = null) =>
        new("u" + minutesAgo, Sender.User, Now.AddMinutes(-minutesAgo), text, pictures ?? [], poke, gifts ?? [], sticker);

    public static HistoryMessage FromPersona(string? text, int minutesAgo, string[]? pictures = null, bool poke = false) =>
        new("p" + minutesAgo, Sender.Persona, Now.AddMinutes(-minutesAgo), text, pictures ?? [], poke, [], null);

    public static IReadOnlyList<HistoryMessage> ShortHistory() =>
    [
        FromUser("Hi Anna! Your profile made me smile.", 180),
        FromPersona("Hey Tom :) thanks! What made you smile?", 175),
        FromUser("The bad puns part. I have a lot of those.", 170),
    ];

    public static ReplyContext Context(ReplyParameters? parameters = null, IReadOnlyList<HistoryMessage>? history = null,
        CustomerProfile? persona = null, CustomerProfile? user = null, string language = "EN") =>
        new(user ?? User(), persona ?? Persona(), history ?? ShortHistory(), language, Now)
        {
            Parameters = parameters ?? new ReplyParameters(),
        };

    public static DumGum.Replies.Prompt.Prompt Build(ReplyContext context, ModelProfile? model = null,
        IReadOnlyList<string>? extra = null) => Builder.Build(context, model ?? BigModel, extra);

    public static string Block(DumGum.Replies.Prompt.Prompt prompt, string name) =>
        Assert.Single(prompt.Blocks, b => b.Name == name).Text;

    /// <summary>Every block's text, for "appears nowhere" checks.</summary>
    public static string All(DumGum.Replies.Prompt.Prompt prompt) => string.Join("\n\n", prompt.Blocks.Select(b => b.Text));
}
