using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using DumGum.Webhooks;

namespace DumGum.Sample;

public enum SampleRole { User, Persona }

/// <summary>A sample profile as listed by <c>GET /sample/profiles</c>, so a person knows which ids to try.</summary>
public sealed record SampleProfileInfo(string Id, string Name, SampleRole Role, string TimeZone, string? Language);

/// <summary>What the sample customer needs to talk to DumGum: where it is, who it is, and how to check what it sends.</summary>
public sealed record SampleConnection(string ApiBaseUrl, string ProjectId, string AccessKey, string WebhookSecret);

/// <summary>One delivery to the Incoming Content endpoint, as received; <see cref="Body"/> is never handed out uncloned.</summary>
public sealed record SampleEvent(
    DateTimeOffset ReceivedAt,
    string? Event,
    string? WebhookId,
    bool SignatureValid,
    string? SignatureProblem,
    string? UserProfileId,
    string? PersonaProfileId,
    JsonNode? Body)
{
    public JsonObject ToJson() => new()
    {
        ["receivedAt"] = Events.FormatInstant(ReceivedAt),
        ["event"] = Event,
        ["webhookId"] = WebhookId,
        ["signatureValid"] = SignatureValid,
        ["signatureProblem"] = SignatureProblem,
        ["body"] = Body?.DeepClone(),
    };
}

/// <summary>One chat message as the customer stores it (docs/behaviour.md, "Profiles and history").</summary>
public sealed record SampleMessage(string Id, string Sender, DateTimeOffset Date, string? Text, IReadOnlyList<string>? PictureUrls = null)
{
    public const string User = "USER";
    public const string Persona = "PERSONA";

    public JsonObject ToJson()
    {
        var o = new JsonObject { ["id"] = Id, ["sender"] = Sender, ["date"] = Events.FormatInstant(Date) };
        if (Text is not null) o["text"] = Text;
        if (PictureUrls is { Count: > 0 }) o["pictureUrls"] = new JsonArray(PictureUrls.Select(u => (JsonNode?)u).ToArray());
        return o;
    }
}

/// <summary>
/// The customer DumGum serves to itself in Development, so the whole loop (enqueue → profile and history calls → signed
/// events) can be tried with curl. It behaves like a real customer app: it owns the profiles and the chat histories,
/// verifies every delivery, and appends each verified <c>answer.created</c> to the conversation. Everything is in
/// memory and guarded by one lock: the traffic is a person at a terminal.
/// </summary>
public sealed class SampleCustomer
{
    /// <summary>Standard Webhooks' recommended replay window.</summary>
    public static readonly TimeSpan TimestampTolerance = TimeSpan.FromMinutes(5);
    public const int InboxCapacity = 500;

    readonly TimeProvider clock;
    readonly Lock gate = new();
    readonly Dictionary<(string User, string Persona), List<SampleMessage>> histories = [];
    readonly Queue<SampleEvent> inbox = new();
    readonly Dictionary<string, (SampleProfileInfo Info, JsonObject Profile)> profiles;
    // Fixed at start so DumGum's profile cache sees a stable version and refreshes only across restarts.
    readonly string profileVersion;
    volatile SampleConnection? connection;
    int messageCounter;

    public SampleCustomer(TimeProvider clock)
    {
        this.clock = clock;
        var now = clock.GetUtcNow();
        profileVersion = Events.FormatInstant(now);
        profiles = SampleProfiles.All().ToDictionary(p => p.Info.Id, StringComparer.Ordinal);
        Profiles = profiles.Values.Select(p => p.Info).ToList();

        // One pair starts mid-conversation so the first reply has some context to pick up.
        histories[("u-alex", "p-marta")] =
        [
            new(NextMessageId(), SampleMessage.User, now.AddHours(-20), "Hi Marta! Saw you like hiking, any trail you'd recommend near Valencia?"),
            new(NextMessageId(), SampleMessage.Persona, now.AddHours(-19.9), "Hola Alex! The Montgó in Dénia, hands down. The view at the top is worth every step 😊"),
        ];
    }

    public IReadOnlyList<SampleProfileInfo> Profiles { get; }

    public SampleConnection? Connection => connection;

    public void Connect(string apiBaseUrl, string projectId, string accessKey, string webhookSecret) =>
        connection = new SampleConnection(apiBaseUrl.TrimEnd('/'), projectId, accessKey, webhookSecret);

    public bool IsUser(string? id) => id is not null && profiles.TryGetValue(id, out var p) && p.Info.Role == SampleRole.User;

    public bool IsPersona(string? id) => id is not null && profiles.TryGetValue(id, out var p) && p.Info.Role == SampleRole.Persona;

    /// <summary>A fresh copy of the profile, expiring a day from now, or null for an unknown id.</summary>
    public JsonObject? FindProfile(string id)
    {
        if (!profiles.TryGetValue(id, out var p)) return null;
        var copy = (JsonObject)p.Profile.DeepClone();
        copy["version"] = profileVersion;
        copy["expiresAt"] = Events.FormatInstant(clock.GetUtcNow().AddDays(1));
        return copy;
    }

    /// <summary>The pair's messages, oldest first; ties keep the order they arrived in.</summary>
    public IReadOnlyList<SampleMessage> History(string userProfileId, string personaProfileId)
    {
        lock (gate)
            return histories.TryGetValue((userProfileId, personaProfileId), out var list)
                ? list.OrderBy(m => m.Date).ToList()
                : [];
    }

    public SampleMessage AddUserMessage(string userProfileId, string personaProfileId, string text)
    {
        lock (gate)
        {
            var message = new SampleMessage(NextMessageId(), SampleMessage.User, clock.GetUtcNow(), text);
            HistoryOf(userProfileId, personaProfileId).Add(message);
            return message;
        }
    }

    /// <summary>Recorded deliveries, oldest first, filtered by whichever criteria are given.</summary>
    public IReadOnlyList<SampleEvent> Inbox(string? userProfileId = null, string? personaProfileId = null, string? eventName = null)
    {
        lock (gate)
            return inbox.Where(e =>
                    (userProfileId is null || e.UserProfileId == userProfileId)
                    && (personaProfileId is null || e.PersonaProfileId == personaProfileId)
                    && (eventName is null || e.Event == eventName))
                .ToList();
    }

    /// <summary>
    /// Records one delivery to the Incoming Content endpoint. Only a verified <c>answer.created</c> reaches the chat:
    /// a real customer must not let anyone who knows its URL write in a persona's name.
    /// </summary>
    public SampleEvent Receive(string? webhookId, string? timestamp, string? signature, byte[] body)
    {
        var now = clock.GetUtcNow();
        var signatureProblem = CheckSignature(connection, webhookId, timestamp, signature, body, now);
        JsonNode? parsed;
        try
        {
            // The same reading rule as every other body (docs/behaviour.md, "Malformed JSON"): a lone surrogate or a
            // duplicate name is kept as text rather than throwing later when a field is read.
            parsed = Http.StrictJson.Check(body) is null ? JsonNode.Parse(body, documentOptions: Http.StrictJson.DocumentOptions) : throw new JsonException();
        }
        catch (JsonException)
        {
            // Kept as text so the inbox still shows what arrived.
            parsed = JsonValue.Create(Encoding.UTF8.GetString(body));
        }

        var envelope = parsed as JsonObject;
        var data = envelope?["data"] as JsonObject;
        var answer = data?["answer"] as JsonObject;
        var received = new SampleEvent(now, Str(envelope, "event"), webhookId, signatureProblem is null, signatureProblem,
            Str(data, "userProfileId") ?? Str(answer, "userProfileId"),
            Str(data, "personaProfileId") ?? Str(answer, "personaProfileId"),
            parsed);

        lock (gate)
        {
            inbox.Enqueue(received);
            while (inbox.Count > InboxCapacity) inbox.Dequeue();
            if (received.SignatureValid && received.Event == Events.AnswerCreated && answer is not null) AppendAnswer(answer, now);
        }
        return received;
    }

    void AppendAnswer(JsonObject answer, DateTimeOffset now)
    {
        var id = Str(answer, "id");
        var user = Str(answer, "userProfileId");
        var persona = Str(answer, "personaProfileId");
        var text = Str(answer, "text");
        var picture = Str(answer, "pictureUrl");
        if (id is null || user is null || persona is null || (text is null && picture is null)) return;

        var history = HistoryOf(user, persona);
        // Deliveries are at-least-once: a retried answer must not show up twice in the chat.
        if (history.Exists(m => m.Id == id)) return;
        var date = DateTimeOffset.TryParse(Str(answer, "createdAt"), CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal, out var createdAt) ? createdAt : now;
        history.Add(new SampleMessage(id, SampleMessage.Persona, date, text, picture is null ? null : [picture]));
    }

    static string? CheckSignature(SampleConnection? connection, string? webhookId, string? timestamp, string? signature,
        byte[] body, DateTimeOffset now)
    {
        if (connection is null) return "the sample customer is not connected, so it has no webhook secret yet";
        if (string.IsNullOrEmpty(webhookId) || string.IsNullOrEmpty(timestamp) || string.IsNullOrEmpty(signature))
            return "webhook-id, webhook-timestamp or webhook-signature is missing";
        if (!long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
            return "webhook-timestamp is not a number of seconds";
        if (Math.Abs(now.ToUnixTimeSeconds() - seconds) > TimestampTolerance.TotalSeconds)
            return "webhook-timestamp is more than 5 minutes away from now";
        return WebhookSigner.Verify(connection.WebhookSecret, webhookId, seconds, body, signature)
            ? null
            : "no signature matches the webhook secret";
    }

    List<SampleMessage> HistoryOf(string user, string persona)
    {
        if (!histories.TryGetValue((user, persona), out var list)) histories[(user, persona)] = list = [];
        return list;
    }

    string NextMessageId() => "m-" + Interlocked.Increment(ref messageCounter).ToString(CultureInfo.InvariantCulture);

    static string? Str(JsonObject? o, string name) =>
        o is not null && o.TryGetPropertyValue(name, out var n) && n is JsonValue v && v.GetValueKind() == JsonValueKind.String
            ? v.GetValue<string>() : null;
}

/// <summary>Complete profiles in the newest shape (docs/behaviour.md, "Profiles and history"), using only enum values the docs show or that are safe guesses.</summary>
static class SampleProfiles
{
    public static IEnumerable<(SampleProfileInfo Info, JsonObject Profile)> All()
    {
        yield return (new("u-alex", "Alex", SampleRole.User, "Europe/London", "EN"), new JsonObject
        {
            ["id"] = "u-alex",
            ["gender"] = "MAN",
            ["firstName"] = "Alex",
            ["nickname"] = "alex_runs",
            ["description"] = "Product designer, early-morning runner, terrible at cooking but keeps trying.",
            ["birthdate"] = "1991-04-12",
            ["countryCode"] = "GB",
            ["city"] = "London",
            ["postalCode"] = "N1 7GU",
            ["timeZone"] = "Europe/London",
            ["features"] = Features(height: 182, weight: 78, eyes: "BROWN", hair: "DARK_BLOND", hairLength: "AVERAGE",
                job: "Product designer", lookingFor: "WOMAN", childrenCount: 0, bodyShape: "SLIM", sport: "SOCCER"),
            ["mainPictureUrl"] = Picture("u-alex", "main"),
            ["pictures"] = new JsonArray(Picture("u-alex", "run"), Picture("u-alex", "camden")),
            ["privatePictures"] = new JsonArray(),
            ["children"] = new JsonArray(),
            ["pets"] = new JsonArray(),
        });
        yield return (new("u-camille", "Camille", SampleRole.User, "Europe/Paris", "FR"), new JsonObject
        {
            ["id"] = "u-camille",
            ["gender"] = "WOMAN",
            ["firstName"] = "Camille",
            ["nickname"] = "cam.lyon",
            ["description"] = "Nurse on night shifts, cinema lover, weekend cyclist along the Seine.",
            ["birthdate"] = "1995-11-03",
            ["countryCode"] = "FR",
            ["city"] = "Paris",
            ["postalCode"] = "75011",
            ["timeZone"] = "Europe/Paris",
            ["features"] = Features(height: 165, weight: 60.5, eyes: "BROWN", hair: "BLACK", hairLength: "LONG",
                job: "Nurse", lookingFor: "MAN", childrenCount: 0, bodyShape: "SLIM", sport: "SOCCER"),
            ["mainPictureUrl"] = Picture("u-camille", "main"),
            ["pictures"] = new JsonArray(Picture("u-camille", "velo")),
            ["privatePictures"] = new JsonArray(),
            ["children"] = new JsonArray(),
            ["pets"] = new JsonArray(new JsonObject { ["name"] = "Biscotte", ["sex"] = "MALE", ["age"] = 4, ["breed"] = "European shorthair", ["type"] = "cat" }),
        });
        yield return (new("p-marta", "Marta", SampleRole.Persona, "Europe/Madrid", null), new JsonObject
        {
            ["id"] = "p-marta",
            ["gender"] = "WOMAN",
            ["firstName"] = "Marta",
            ["nickname"] = "marta.sun",
            ["description"] = "Weekend hiker, amateur baker, always planning the next trip.",
            ["birthdate"] = "1994-08-21",
            ["countryCode"] = "ES",
            ["city"] = "Valencia",
            ["postalCode"] = "46001",
            ["timeZone"] = "Europe/Madrid",
            ["features"] = Features(height: 168, weight: 57.5, eyes: "BROWN", hair: "BLACK", hairLength: "LONG",
                job: "Pastry chef", lookingFor: "MAN", childrenCount: 1, bodyShape: "SLIM", sport: "SOCCER", livingWith: null),
            ["personality"] = "SUPPORTIVE",
            ["mainPictureUrl"] = Picture("p-marta", "main"),
            ["pictures"] = new JsonArray(Picture("p-marta", "montgo"), Picture("p-marta", "bakery")),
            ["privatePictures"] = new JsonArray(Picture("p-marta", "private-1")),
            ["children"] = new JsonArray(new JsonObject { ["name"] = "Alba", ["gender"] = "WOMAN", ["age"] = 6 }),
            ["pets"] = new JsonArray(new JsonObject { ["name"] = "Pimienta", ["sex"] = "MALE", ["age"] = 3, ["breed"] = "Beagle", ["type"] = "dog" }),
        });
        yield return (new("p-lena", "Lena", SampleRole.Persona, "Europe/Berlin", null), new JsonObject
        {
            ["id"] = "p-lena",
            ["gender"] = "WOMAN",
            ["firstName"] = "Lena",
            ["nickname"] = "lena.klang",
            ["description"] = "Sound engineer by day, vinyl hunter by night; knows every late-night Späti in Kreuzberg.",
            ["birthdate"] = "1992-02-14",
            ["countryCode"] = "DE",
            ["city"] = "Berlin",
            ["postalCode"] = "10999",
            ["timeZone"] = "Europe/Berlin",
            ["features"] = Features(height: 172, weight: 63, eyes: "BROWN", hair: "DARK_BLOND", hairLength: "AVERAGE",
                job: "Sound engineer", lookingFor: "MAN", childrenCount: 0, bodyShape: "SLIM", sport: "SOCCER"),
            ["personality"] = "SUPPORTIVE",
            ["mainPictureUrl"] = Picture("p-lena", "main"),
            ["pictures"] = new JsonArray(Picture("p-lena", "studio"), Picture("p-lena", "records")),
            ["privatePictures"] = new JsonArray(),
            ["children"] = new JsonArray(),
            ["pets"] = new JsonArray(),
        });
        yield return (new("p-yuki", "Yuki", SampleRole.Persona, "Asia/Tokyo", null), new JsonObject
        {
            ["id"] = "p-yuki",
            ["gender"] = "MAN",
            ["firstName"] = "Yuki",
            ["nickname"] = "yuki.trains",
            ["description"] = "Railway photographer and ramen critic; plans every holiday around a train timetable.",
            ["birthdate"] = "1989-06-30",
            ["countryCode"] = "JP",
            ["city"] = "Tokyo",
            ["postalCode"] = "150-0001",
            ["timeZone"] = "Asia/Tokyo",
            ["features"] = Features(height: 175, weight: 68, eyes: "BLACK", hair: "BLACK", hairLength: "AVERAGE",
                job: "Photographer", lookingFor: "WOMAN", childrenCount: 0, bodyShape: "SLIM", sport: "SOCCER", ethnicity: "ASIAN"),
            ["personality"] = "SUPPORTIVE",
            ["mainPictureUrl"] = Picture("p-yuki", "main"),
            ["pictures"] = new JsonArray(Picture("p-yuki", "shinkansen"), Picture("p-yuki", "ramen")),
            ["privatePictures"] = new JsonArray(),
            ["children"] = new JsonArray(),
            ["pets"] = new JsonArray(new JsonObject { ["name"] = "Mochi", ["sex"] = "MALE", ["age"] = 2, ["breed"] = "Shiba Inu", ["type"] = "dog" }),
        });
    }

    static JsonObject Features(int height, double weight, string eyes, string hair, string hairLength, string job,
        string lookingFor, int childrenCount, string bodyShape, string sport, string? ethnicity = null, string? livingWith = "ALONE")
    {
        var features = new JsonObject();
        if (ethnicity is not null) features["ethnicity"] = ethnicity;
        features["height"] = height;
        features["weight"] = weight;
        features["eyesColor"] = eyes;
        features["hairColor"] = hair;
        features["hairLength"] = hairLength;
        features["maritalStatus"] = "SINGLE";
        features["job"] = job;
        features["working"] = true;
        features["interests"] = new JsonArray();
        features["bdsmInterests"] = new JsonArray();
        features["sexualInterests"] = new JsonArray();
        features["lookingFor"] = new JsonArray(lookingFor);
        features["sexualOrientation"] = "HETEROSEXUAL";
        features["childrenCount"] = childrenCount;
        features["wantsChildren"] = "YES";
        features["surgeryStatus"] = "UNKNOWN";
        features["unitSystem"] = "METRIC";
        if (livingWith is not null) features["livingWith"] = livingWith;
        features["religion"] = "NO_RELIGION";
        features["smoking"] = "NEVER";
        features["bodyShape"] = bodyShape;
        features["sports"] = new JsonArray(sport);
        features["musicGenres"] = new JsonArray("POP");
        return features;
    }

    static string Picture(string profileId, string name) => $"https://example.com/sample/{profileId}/{name}.jpg";
}
