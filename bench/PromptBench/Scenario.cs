using System.Text.Json.Nodes;
using DumGum.Customers;
using DumGum.Replies;
using DumGum.Replies.Models;

namespace PromptBench;

/// <summary>A realistic reply: full profiles, most reply parameters set, and a 200-message history of mixed kinds.</summary>
public static class Scenario
{
    public static readonly DateTimeOffset Now = new(2026, 11, 26, 12, 5, 0, TimeSpan.Zero);

    /// <summary>Everything fits: every message is rendered and counted (the worst case for CPU).</summary>
    public static readonly ModelProfile LargeModel = new("chat-2-pro", "bench", 131_072, 400, true, 0m, 0m);

    /// <summary>A 4k-token model: the oldest history is trimmed.</summary>
    public static readonly ModelProfile SmallModel = new("dating-smart-1", "bench", 4_096, 400, false, 0m, 0m);

    static readonly string[] Lines =
    [
        "haha that's so true",
        "What are you up to this evening? I just got home from work and I'm making pasta again, third time this week lol",
        "ok",
        "I've never been to Japan but it's top of my list. Kyoto in autumn must be unreal, all those red maple leaves",
        "Do you like hiking? There's a trail near Lyon with a view over the whole valley, I go there every Sunday morning",
        "Not really a morning person tbh ☕",
        "Tell me something about you nobody knows",
        "My sister says I laugh too loud in cinemas. I say the films are just funny",
        "Honestly the best pizza I ever had was in Naples, tiny place, no menu, the owner just decided for you",
        "lol",
        "How was your day?",
        "I'm reading a book about octopuses right now, did you know they have three hearts? Nature is weird",
    ];

    public static ReplyContext Context()
    {
        var persona = Profile(PersonaJson());
        var user = Profile(UserJson());
        var history = History(200);
        var parameters = new ReplyParameters
        {
            ChatModel = "chat-2-pro",
            EnableSexualTextContent = false,
            SentenceLength = "SHORT",
            MessageLength = "MEDIUM",
            PersonaPersonality = "PLAYFUL",
            ProfileDistance = 8.5,
            Emojis = "OCCASIONAL",
            FluencyDegradation = "LOW",
            QuestionFrequency = 0.4,
            PreventAggressiveTone = true,
            MeetingPolicy = "DEFERRED_MEETING",
            PersonaProfileOverrides = new JsonObject { ["sexualDrive"] = "MEDIUM" },
            ShareablePictures =
            [
                new("pic-1", "https://cdn.example.com/anna/beach.jpg", "Anna on the beach at sunset"),
                new("pic-2", "https://cdn.example.com/anna/cafe.jpg", "Anna with a cappuccino in a small café"),
                new("pic-3", "https://cdn.example.com/anna/hike.jpg", "Anna on a mountain trail"),
                new("pic-4", "https://cdn.example.com/anna/dog.jpg", "Anna and her beagle Milo"),
                new("pic-5", "https://cdn.example.com/anna/party.jpg", null),
            ],
            Guardrails = new JsonObject { ["aiSuspicion"] = true },
            FictionalDisclosure = false,
        };
        return new ReplyContext(user, persona, history, "EN_GB", Now)
        {
            AdditionalLanguages = ["FR"],
            Parameters = parameters,
            SmartShareEnabled = true,
            SplitReply = true,
            EndWithQuestion = true,
            StyleCard = "Playful and quick, teases gently, short bursts of two or three messages, lowercase starts, "
                        + "one emoji at most, warm but never needy; flirts with humour rather than compliments.",
        };
    }

    public static List<HistoryMessage> History(int count)
    {
        var list = new List<HistoryMessage>(count);
        for (var i = 0; i < count; i++)
        {
            var sender = i % 3 == 1 ? Sender.Persona : Sender.User;
            var date = Now.AddMinutes(-(count - i) * 7);
            var text = Lines[i % Lines.Length];
            HistoryMessage message = (i % 20) switch
            {
                3 => new($"m{i}", sender, date, null, [], true, [], null),                                        // poke
                7 => new($"m{i}", sender, date, null, [], false, [], "a cat waving hello"),                         // sticker
                11 => new($"m{i}", sender, date, "for you 🌹", [], false, [new Gift("Red Rose", "LOW")], null),     // gift
                13 => new($"m{i}", sender, date, "look at this view",
                    [$"https://cdn.example.com/u/{i}.jpg", $"https://cdn.example.com/u/{i}b.jpg"], false, [], null), // pictures
                17 => new($"m{i}", sender, date, "guess who", [$"https://cdn.example.com/u/{i}.jpg"], true,
                    [new Gift("Teddy bear", "MEDIUM")], "a blushing bear"),                                         // everything
                _ => new($"m{i}", sender, date, text, [], false, [], null),
            };
            list.Add(message);
        }
        return list;
    }

    static CustomerProfile Profile(JsonObject raw) =>
        CustomerProfile.Parse(raw, (string)raw["id"]!, out var problem) ?? throw new InvalidOperationException(problem);

    static JsonObject PersonaJson() => new()
    {
        ["id"] = "persona-7", ["version"] = "v3", ["firstName"] = "Anna", ["nickname"] = "Annie", ["gender"] = "WOMAN",
        ["description"] = "Pastry chef by day, amateur astronomer by night. Coffee first, adventures second. "
                          + "Looking for someone who laughs at my bad puns and doesn't mind a dog on the sofa.",
        ["birthdate"] = "1997-03-14", ["countryCode"] = "FR", ["city"] = "Lyon", ["postalCode"] = "69001",
        ["timeZone"] = "Europe/Paris", ["personality"] = "SUPPORTIVE",
        ["mainPictureUrl"] = "https://cdn.example.com/anna/main.jpg",
        ["pictures"] = new JsonArray("https://cdn.example.com/anna/p1.jpg", "https://cdn.example.com/anna/p2.jpg"),
        ["privatePictures"] = new JsonArray("https://cdn.example.com/anna/x1.jpg"),
        ["features"] = new JsonObject
        {
            ["ethnicity"] = "ASIAN", ["height"] = 165, ["weight"] = 60.5, ["eyesColor"] = "BROWN",
            ["hairColor"] = "DARK_BLOND", ["hairLength"] = "LONG", ["maritalStatus"] = "SINGLE", ["job"] = "Pastry chef",
            ["working"] = true, ["interests"] = new JsonArray("TAILORING", "ASTRONOMY", "BAKING"),
            ["lookingFor"] = new JsonArray("MAN"), ["sexualOrientation"] = "HETEROSEXUAL", ["childrenCount"] = 0,
            ["wantsChildren"] = "YES", ["unitSystem"] = "METRIC", ["livingWith"] = "ALONE",
            ["education"] = "BACHELOR", ["religion"] = "NO_RELIGION", ["smoking"] = "NEVER", ["bodyShape"] = "SLIM",
            ["sports"] = new JsonArray("HIKING", "YOGA"), ["musicGenres"] = new JsonArray("POP", "INDIE_ROCK", "JAZZ"),
        },
        ["pets"] = new JsonArray(new JsonObject { ["name"] = "Milo", ["sex"] = "MALE", ["age"] = 4, ["breed"] = "Beagle", ["type"] = "dog" }),
    };

    static JsonObject UserJson() => new()
    {
        ["id"] = "user-1", ["firstName"] = "Tom", ["gender"] = "MAN", ["birthdate"] = "1992-06-02",
        ["countryCode"] = "GB", ["city"] = "Leeds", ["timeZone"] = "Europe/London",
        ["description"] = "Runner, cook, terrible at karaoke.", ["mainPictureUrl"] = "https://cdn.example.com/tom/main.jpg",
        ["features"] = new JsonObject
        {
            ["height"] = 182, ["weight"] = 78, ["eyesColor"] = "BLUE", ["hairColor"] = "BROWN", ["job"] = "Teacher",
            ["interests"] = new JsonArray("RUNNING", "COOKING"), ["smoking"] = "NEVER",
        },
        ["children"] = new JsonArray(new JsonObject { ["name"] = "Sam", ["gender"] = "MAN", ["age"] = 6 }),
    };
}
