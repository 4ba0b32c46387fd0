using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using DumGum.Customers;
using DumGum.Replies;
using DumGum.Replies.Offline;

namespace DumGum.Tests.Replies.Offline;

/// <summary>One labelled message of a language's fixture (Fixtures/{code}.json).</summary>
public sealed record FixtureItem(string Text, string Intent, string? Second = null, string? Gift = null, bool Picture = false,
    string? Sticker = null, bool Poke = false, string? Note = null);

/// <summary>Profiles, contexts and measures shared by the offline engine's tests.</summary>
internal static partial class OfflineRig
{
    /// <summary>18:30 in Valencia (summer time): evening for the persona.</summary>
    public static readonly DateTimeOffset Now = new(2025, 6, 10, 16, 30, 0, TimeSpan.Zero);

    public static readonly string[] Languages = ["EN", "FR", "DE", "ES", "IT", "NL", "PT"];

    public static CustomerProfile Parse(JsonObject raw) =>
        CustomerProfile.Parse(raw, (string)raw["id"]!, out var problem) ?? throw new InvalidOperationException(problem);

    /// <summary>A pastry chef in Valencia with a dog and a daughter: every fact the engine can use.</summary>
    public static CustomerProfile Marta(Action<JsonObject>? change = null)
    {
        var raw = new JsonObject
        {
            ["id"] = "p-marta", ["firstName"] = "Marta", ["gender"] = "WOMAN", ["birthdate"] = "1994-08-21",
            ["countryCode"] = "ES", ["city"] = "Valencia", ["timeZone"] = "Europe/Madrid",
            ["description"] = "Weekend hiker, amateur baker, always planning the next trip.",
            ["features"] = new JsonObject
            {
                ["job"] = "Pastry chef", ["interests"] = new JsonArray(), ["musicGenres"] = new JsonArray("POP"),
                ["sports"] = new JsonArray("SOCCER"), ["childrenCount"] = 1,
            },
            ["children"] = new JsonArray(new JsonObject { ["name"] = "Alba", ["gender"] = "WOMAN", ["age"] = 6 }),
            ["pets"] = new JsonArray(new JsonObject { ["name"] = "Pimienta", ["type"] = "dog", ["breed"] = "Beagle" }),
        };
        change?.Invoke(raw);
        return Parse(raw);
    }

    public static CustomerProfile Alex() => Parse(new JsonObject
    {
        ["id"] = "u-alex", ["firstName"] = "Alex", ["gender"] = "MAN", ["countryCode"] = "GB", ["city"] = "London",
        ["timeZone"] = "Europe/London", ["birthdate"] = "1991-04-12",
    });

    public static HistoryMessage User(string? text, string id, DateTimeOffset at, FixtureItem? item = null) =>
        new(id, Sender.User, at, string.IsNullOrEmpty(text) ? null : text,
            item?.Picture == true ? ["https://example.com/u/lake.jpg"] : [], item?.Poke == true,
            item?.Gift is { } g ? [new Gift(g, "GOLD")] : [], item?.Sticker);

    public static HistoryMessage Persona(string text, string id, DateTimeOffset at) =>
        new(id, Sender.Persona, at, text, [], false, [], null);

    public static ReplyContext Context(IReadOnlyList<HistoryMessage> history, string language, ReplyParameters? parameters = null,
        CustomerProfile? persona = null, DateTimeOffset? now = null) =>
        new(Alex(), persona ?? Marta(), history, language, now ?? Now) { Parameters = parameters ?? new ReplyParameters() };

    public static OfflineReply Reply(ReplyContext context)
    {
        using var client = new OfflineChatClient();
        return client.Write(context);
    }

    static readonly JsonSerializerOptions FixtureJson = new(JsonSerializerDefaults.Web);

    /// <summary>The tuning fixture (Fixtures/{code}.json): written with the phrase lists, misses fixed in the data.</summary>
    public static IReadOnlyList<FixtureItem> Fixture(string language) => Load(language.ToLowerInvariant() + ".json");

    /// <summary>
    /// The held-out fixture (Fixtures/{code}.heldout.json): messages written afterwards, without looking at the phrase
    /// lists and never used to tune them. A miss here is fixed by a general phrase, never by copying the message.
    /// </summary>
    public static IReadOnlyList<FixtureItem> HeldOut(string language) => Load(language.ToLowerInvariant() + ".heldout.json");

    static List<FixtureItem> Load(string file)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Replies", "Offline", "Fixtures", file);
        using var stream = File.OpenRead(path);
        return JsonSerializer.Deserialize<List<FixtureItem>>(stream, FixtureJson)!;
    }

    /// <summary>Lower-case words (letters and digits), for copy and trigram measures.</summary>
    public static string[] Words(string text) =>
        Template.Normalize(text).Split(' ', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>The longest run of consecutive words of <paramref name="source"/> that appears in <paramref name="reply"/>.</summary>
    public static int LongestCopiedRun(string source, string reply)
    {
        var a = Words(source);
        var b = Words(reply);
        var best = 0;
        for (var i = 0; i < a.Length; i++)
            for (var j = 0; j < b.Length; j++)
            {
                var k = 0;
                while (i + k < a.Length && j + k < b.Length && a[i + k] == b[j + k]) k++;
                best = Math.Max(best, k);
            }
        return best;
    }

    /// <summary>Sentences of a reply, normalised (emojis and punctuation gone).</summary>
    public static IEnumerable<string> Sentences(string text) =>
        SentenceEnd().Split(text).Select(Template.Normalize).Where(s => s.Length > 0);

    [GeneratedRegex(@"(?<=[.!?…])\s+")]
    private static partial Regex SentenceEnd();
}
